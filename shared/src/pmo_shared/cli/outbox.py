"""`pmoctl outbox status`: per service schema, the events still waiting in the outbox, how old
the oldest is, and whether a relay holds the schema's relay lock (is publishing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.cli.options import DatabaseUrl, run, schema_engine, schema_name

app = typer.Typer(
    name="outbox", help="The transactional outboxes and their relays.", no_args_is_help=True
)

_SCHEMAS = text(
    "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' "
    "ORDER BY table_schema"
)

# The relay's lock is `pg_try_advisory_lock(hashtext('pmo-relay:' || current_schema()))`: one
# bigint key, which pg_locks shows split into classid (high half) and objid (low half).
_RELAY_LOCK = text(
    """
    SELECT l.pid, a.application_name
    FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND ((l.classid::bigint << 32) | l.objid::bigint)
          = hashtext('pmo-relay:' || CAST(:schema AS text))::bigint
    LIMIT 1
    """
)


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """One schema's outbox: the backlog, the age of its oldest event, the relay lock's holder."""

    schema: str
    backlog: int
    oldest_age: timedelta | None
    relay_pid: int | None
    relay_application: str | None


async def outbox_schemas(engine: AsyncEngine) -> list[str]:
    """Every schema of the database with an outbox (each service's own)."""
    async with engine.connect() as conn:
        return [row[0] for row in await conn.execute(_SCHEMAS)]


async def outbox_status(engine: AsyncEngine, schema: str) -> OutboxStatus:
    """The status of `schema`'s outbox, read through any engine of the database."""
    quoted = f'"{schema_name(schema)}"'
    backlog_sql = text(
        f"SELECT count(*), clock_timestamp() - min(e.recorded_at) "  # noqa: S608 - checked name
        f"FROM {quoted}.outbox o JOIN {quoted}.events e ON e.position = o.position"
    )
    async with engine.connect() as conn:
        count, age = (await conn.execute(backlog_sql)).one()
        lock = (await conn.execute(_RELAY_LOCK, {"schema": schema})).first()
    return OutboxStatus(
        schema, int(count), age, lock[0] if lock else None, lock[1] if lock else None
    )


@app.command("status")
def status_command(
    database_url: DatabaseUrl,
    schema: Annotated[
        list[str] | None,
        typer.Option(help="only this schema (repeatable); default: every schema with an outbox"),
    ] = None,
) -> None:
    """Backlog, oldest waiting event and relay lock of each service schema's outbox."""
    chosen = [schema_name(s) for s in schema or []]

    async def work() -> list[OutboxStatus]:
        async with schema_engine(database_url, "public") as engine:
            names = chosen or await outbox_schemas(engine)
            return [await outbox_status(engine, name) for name in names]

    statuses = run("pmoctl outbox status", work, expected=LookupError)
    Console().print(status_table(statuses))


def status_table(statuses: list[OutboxStatus]) -> Table:
    """A row per schema."""
    table = Table(title="outboxes")
    table.add_column("schema")
    table.add_column("backlog", justify="right")
    table.add_column("oldest", justify="right")
    table.add_column("relay lock")
    for s in statuses:
        age = f"{s.oldest_age.total_seconds():.1f} s" if s.oldest_age is not None else "-"
        relay = (
            f"[green]held[/] by pid {s.relay_pid} ({s.relay_application or '?'})"
            if s.relay_pid is not None
            else "[red]free[/]: no relay is publishing"
        )
        style = "yellow" if s.backlog else ""
        table.add_row(s.schema, f"[{style}]{s.backlog}[/]" if style else "0", age, relay)
    return table
