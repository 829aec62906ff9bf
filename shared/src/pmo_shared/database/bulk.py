"""Statements run for many rows in one go, straight on the asyncpg driver: for bulk writes
(projections during a rebuild) SQLAlchemy's per-row parameter handling is a large share of the
time.

A single-row `INSERT ... VALUES (...)` (optionally `ON CONFLICT DO NOTHING`) runs as ONE
statement for all its rows: the parameters go as one array per column and the server unnests
them (`INSERT ... SELECT ... FROM unnest($1::uuid[], ...)`), so PostgreSQL plans and executes
once per batch instead of once per row. Rows are inserted in the order given, so with `DO
NOTHING` the first of two rows with the same key wins, as it would one row at a time. Any other
statement (an update, an upsert that updates: it may not touch a row twice in one statement)
runs once per row through asyncpg's executemany, all rows in one pipelined exchange."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_POSITIONAL = re.compile(r"\$(\d+)\b")
_VALUES = re.compile(r"\bVALUES\s*\(", re.IGNORECASE)
_DO_NOTHING = re.compile(r"^\s*(ON\s+CONFLICT\s+DO\s+NOTHING)?\s*$", re.IGNORECASE)


def _single_row_insert(sql: str) -> tuple[str, str, str] | None:
    """(head, values, tail) of `head VALUES (values) tail` when the statement inserts one row
    and `tail` is empty or `ON CONFLICT DO NOTHING`; None for anything else."""
    if not sql.lstrip().upper().startswith("INSERT"):
        return None
    match = _VALUES.search(sql)
    if match is None:
        return None
    depth, end, quote = 1, match.end(), ""
    while end < len(sql):
        char = sql[end]
        if quote:
            if char == "$":
                return None  # a `$n` in a literal would read as a parameter below
            if char == quote:
                quote = ""  # a doubled quote closes and reopens: the same as reading on
        elif char in "'\"":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
            if depth == 0:
                tail = sql[end + 1 :]
                if _DO_NOTHING.match(tail) is None:
                    return None
                return sql[: match.start()], sql[match.end() : end], tail.strip()
        end += 1
    return None


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
        self._insert = _single_row_insert(self.sql)
        self._unnested: str | None = None  # made on first use: needs the parameters' types

    @property
    def multi_row(self) -> bool:
        """Whether the rows go as one unnested statement (else one execution per row)."""
        return self._insert is not None

    async def execute_many(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement for every row: one unnested insert, or all rows in one exchange."""
        if not rows:
            return
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if self._insert is None:
            await driver.executemany(self.sql, [tuple(row[n] for n in self.names) for row in rows])
            return
        if self._unnested is None:
            self._unnested = await self._unnest(driver)
        await driver.execute(self._unnested, *([row[n] for row in rows] for n in self.names))

    async def _unnest(self, driver: Any) -> str:
        """The multi-row form, typed as the server types the single-row statement's
        parameters (asked once; every generation's tables have the same columns)."""
        assert self._insert is not None
        head, values, tail = self._insert
        types = [f"{t.schema}.{t.name}" for t in (await driver.prepare(self.sql)).get_parameters()]
        arrays = ", ".join(f"${k}::{kind}[]" for k, kind in enumerate(types, start=1))
        columns = ", ".join(f"p{k}" for k in range(1, len(types) + 1))
        select = _POSITIONAL.sub(r"u.p\1", values)
        # The statement's own text, rearranged (no input in it): `head` and `tail` are its own.
        unnested = f"{head} SELECT {select} FROM unnest({arrays}) AS u({columns}) {tail}"  # noqa: S608
        return unnested.strip()
