"""Statements run for many rows in one go, straight on the asyncpg driver: for bulk writes
(projections during a rebuild) SQLAlchemy's per-row parameter handling is a large share of the
time, and asyncpg's executemany sends all rows in one pipelined exchange."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

_NAMED = re.compile(r"(?<![:\w]):(\w+)")


class BulkStatement:
    """SQL with `:name` parameters, run for a list of rows inside the caller's transaction."""

    def __init__(self, sql: str) -> None:
        self.names: list[str] = []

        def positional(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.names:
                self.names.append(name)
            return f"${self.names.index(name) + 1}"

        self.sql = _NAMED.sub(positional, sql)

    async def execute_many(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per row, all in one exchange."""
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.executemany(self.sql, [tuple(row[n] for n in self.names) for row in rows])
