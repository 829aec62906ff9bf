"""Options the operator tools share (`pmoctl dlq`, `pmoctl outbox`): where the database and the
broker are, and the engine the tools read a service's schema through."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.messaging.kafka import KafkaConnection, from_environ

T = TypeVar("T")

DatabaseUrl = Annotated[
    str,
    typer.Option(
        envvar="DATABASE_URL",
        help="PostgreSQL (postgresql:// or postgresql+asyncpg://)",
        show_default=False,
    ),
]
Schema = Annotated[str, typer.Option(help="the service's schema (e.g. project, reporting_..._g1)")]
BootstrapServers = Annotated[
    str,
    typer.Option(
        envvar="KAFKA_BOOTSTRAP_SERVERS",
        help="Kafka's bootstrap servers (TLS as the services: KAFKA_SECURITY_PROTOCOL=SSL, "
        "KAFKA_SSL_CAFILE, KAFKA_SSL_CERTFILE, KAFKA_SSL_KEYFILE from the environment)",
    ),
]

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_AGE = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def asyncpg_url(url: str) -> str:
    """The URL with SQLAlchemy's asyncpg driver named (a plain postgresql:// URL is accepted)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    return url


def schema_name(name: str) -> str:
    """A schema name as PostgreSQL folds it, refused when it is not a plain identifier."""
    if not _SCHEMA_NAME.fullmatch(name):
        raise typer.BadParameter(f"{name!r} is not a schema name", param_hint="--schema")
    return name


def since(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """`--since`: an age (`90s`, `15m`, `2h`, `7d`) or an ISO 8601 instant (UTC if naive)."""
    if value is None:
        return None
    age = _AGE.fullmatch(value)
    if age is not None:
        delta = timedelta(**{_UNITS[age[2]]: int(age[1])})
        return (now or datetime.now(UTC)) - delta
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r}: expected an age like 15m, 2h, 7d or an ISO 8601 instant",
            param_hint="--since",
        ) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


@asynccontextmanager
async def schema_engine(url: str, schema: str) -> AsyncIterator[AsyncEngine]:
    """A small engine on `schema`, disposed of afterwards."""
    engine = create_engine_for(asyncpg_url(url), schema=schema_name(schema), pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


def kafka(bootstrap_servers: str) -> KafkaConnection:
    """The cluster at `bootstrap_servers`, reached as the environment's KAFKA_SECURITY_PROTOCOL
    and KAFKA_SSL_* say (the services' settings); a bad combination or an unreadable file is
    a usage error (exit code 2) naming the variable."""
    try:
        connection = from_environ(bootstrap_servers)
        connection.check()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="KAFKA_* environment") from None
    return connection


def run(tool: str, work: Callable[[], Awaitable[T]], *, expected: type[Exception]) -> T:
    """Run an async tool; its own refusals (`expected`) and an unreachable database or broker
    end it with exit code 1 and one line on stderr, never a traceback."""
    try:
        return asyncio.run(_awaited(work))
    except expected as exc:
        _fail(tool, str(exc))
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        _fail(tool, f"the database is not reachable or refused: {_first_line(exc)}")
    except Exception as exc:
        if type(exc).__module__.startswith("aiokafka"):
            _fail(tool, f"Kafka is not reachable or refused: {_first_line(exc)}")
        raise


async def _awaited(work: Callable[[], Awaitable[T]]) -> T:
    return await work()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _fail(tool: str, message: str) -> NoReturn:
    Console(stderr=True).print(f"[bold red]{tool}: {escape(message)}[/]", highlight=False)
    raise typer.Exit(1)
