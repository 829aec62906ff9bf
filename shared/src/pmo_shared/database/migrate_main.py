"""`pmo-migrate`: a service's Alembic migrations from its installed package, for images and Jobs.

    pmo-migrate upgrade --service program-svc        # to head; exit 0
    pmo-migrate check --service program-svc          # 0 at head, else 3 (prints current/head)
    pmo-migrate wait --service program-svc --timeout 300   # polls check: 0 once at head, else 3

Each service ships its migrations inside its package (`<package>/migrations`, Alembic's
`package:resource` form), so a process needs neither the source tree nor an `alembic.ini`. The
database comes from `DATABASE_URL`, the schema from `DB_SCHEMA`, else the service's own
(`<package>.settings.DB_SCHEMA`) -- as in the service's `env.py`. Exit codes: 0 done or at head,
3 not at head (behind, ahead of this image or never migrated), 1 the database cannot be asked
(check only: `wait` keeps polling), 2 bad usage or settings.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from pmo_shared.database.migrations import MigrationSettings

SERVICES = ("project-svc", "program-svc", "portfolio-svc", "reporting-svc")
"""The services that have a schema of their own to migrate."""

EXIT_NOT_AT_HEAD = 3
EXIT_UNREACHABLE = 1
EXIT_USAGE = 2
CONNECT_TIMEOUT_SECONDS = 5.0


def package_of(service: str) -> str:
    """The Python package of a service: `program-svc` -> `program_svc`."""
    return service.replace("-", "_")


def alembic_config(service: str) -> Config:
    """Alembic's configuration of `service`, pointing at the migrations inside its package."""
    config = Config()
    config.set_main_option("script_location", f"{package_of(service)}:migrations")
    config.set_main_option("path_separator", "os")
    return config


def settings_of(service: str) -> MigrationSettings:
    """`DATABASE_URL` and `DB_SCHEMA` (default: the service's own schema) from the environment."""
    module = importlib.import_module(f"{package_of(service)}.settings")
    default_schema: str = module.DB_SCHEMA
    return MigrationSettings.from_env(default_schema=default_schema)


@dataclass(frozen=True, slots=True)
class Revisions:
    """Where a service's schema is and where its migrations end."""

    current: frozenset[str]
    heads: frozenset[str]

    @property
    def at_head(self) -> bool:
        """The schema is exactly at the head revision(s) of the installed migrations."""
        return self.current == self.heads

    def describe(self) -> str:
        """`current=... head=...` for the log of a human or an init container."""
        return f"current={_names(self.current)} head={_names(self.heads)}"


def _names(revisions: frozenset[str]) -> str:
    return ",".join(sorted(revisions)) or "none"


async def revisions(service: str, settings: MigrationSettings) -> Revisions:
    """The schema's current revision(s) (none when never migrated) and the installed heads."""
    heads = frozenset(ScriptDirectory.from_config(alembic_config(service)).get_heads())
    engine = create_async_engine(
        settings.database_url, poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT_SECONDS}
    )
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(_current_heads, schema=settings.db_schema)
    finally:
        await engine.dispose()
    return Revisions(current=current, heads=heads)


def _current_heads(connection: Connection, *, schema: str) -> frozenset[str]:
    context = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return frozenset(context.get_current_heads())


def upgrade(service: str) -> int:
    """Migrate the service's schema to head (the service's `env.py` reads the environment)."""
    command.upgrade(alembic_config(service), "head")
    return 0


def check(service: str, settings: MigrationSettings) -> int:
    """0 when the schema is at head, else 3; 1 when the database cannot be asked."""
    try:
        found = asyncio.run(revisions(service, settings))
    except (OSError, TimeoutError, ConnectionError) as exc:
        print(f"{service}: database unreachable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except Exception as exc:  # asyncpg/SQLAlchemy errors: refused login, missing database
        print(f"{service}: cannot read the schema revision: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    state = "at head" if found.at_head else "not at head"
    print(f"{service}: {state}: {found.describe()}")
    return 0 if found.at_head else EXIT_NOT_AT_HEAD


def wait(
    service: str, settings: MigrationSettings, *, timeout_seconds: float, interval_seconds: float
) -> int:
    """Poll `check` until the schema is at head (0) or `timeout_seconds` have passed (3)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        outcome = check(service, settings)
        if outcome == 0:
            return 0
        if time.monotonic() + interval_seconds > deadline:
            print(f"{service}: not at head after {timeout_seconds:g}s", file=sys.stderr)
            return EXIT_NOT_AT_HEAD
        time.sleep(interval_seconds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pmo-migrate", description="Migrate a service's schema with its packaged migrations."
    )
    sub = parser.add_subparsers(dest="action", required=True)
    for action, text in (
        ("upgrade", "migrate the schema to head"),
        ("check", "exit 0 when the schema is at head, else 3"),
        ("wait", "poll check until the schema is at head or the timeout passes"),
    ):
        one = sub.add_parser(action, help=text)
        one.add_argument("--service", required=True, choices=SERVICES)
        if action == "wait":
            one.add_argument("--timeout", type=float, default=300.0, help="seconds (300)")
            one.add_argument("--interval", type=float, default=2.0, help="seconds between checks")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = settings_of(args.service)
    except ValidationError as exc:
        print(f"pmo-migrate: invalid settings: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "upgrade":
        return upgrade(args.service)
    if args.action == "check":
        return check(args.service, settings)
    return wait(
        args.service, settings, timeout_seconds=args.timeout, interval_seconds=args.interval
    )


def console() -> None:
    """The `pmo-migrate` console script."""
    raise SystemExit(main())


if __name__ == "__main__":
    console()
