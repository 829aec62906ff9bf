"""Dates exactly as the events carry them, from 0001-01-01 to 9999-12-31.

asyncpg's binary date codec sends Python's `date.min` and `date.max` as PostgreSQL's
`-infinity` and `infinity`: a fact dated 0001-01-01 or 9999-12-31 (both valid in an event)
would be stored as no date at all, and come back from a JSON aggregate as the text
"infinity", which no reader can parse. The read model's connections therefore exchange dates as
ISO text, which PostgreSQL stores as the very day. Rows stored before (already infinite) read
back as the nearest day Python has, and `iso_date` reads either form from JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_INFINITE = {"infinity": date.max, "-infinity": date.min}


def iso_date(text: str) -> date:
    """A date as PostgreSQL writes it (ISO, or ±infinity from rows stored before this codec:
    the last or first day Python has)."""
    return _INFINITE.get(text) or date.fromisoformat(text)


def _encode(value: date) -> str:
    return value.isoformat()


async def _register(connection: Any) -> None:
    # The text codec reads what the server writes: make that ISO whatever the server's default.
    await connection.execute("SET DateStyle = 'ISO, MDY'")
    await connection.set_type_codec(
        "date", schema="pg_catalog", encoder=_encode, decoder=iso_date, format="text"
    )


def keep_dates_literal(engine: AsyncEngine) -> AsyncEngine:
    """Make every connection of `engine` send and read dates as ISO text (see the module
    docstring); returns the engine."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.run_async(_register)

    return engine
