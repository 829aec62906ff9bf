"""`BulkStatement`: a single-row insert runs as one unnested statement for all its rows and
leaves exactly the rows that running it once per row leaves (duplicate keys: the first wins;
NULLs, dates, numerics, jsonb and text as given); anything else still runs once per row."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.database.engine import create_engine_for

pytestmark = pytest.mark.integration

DDL = """
CREATE TABLE {table} (
    id      uuid PRIMARY KEY,
    n       integer NOT NULL,
    amount  numeric,
    on_day  date,
    at      timestamptz NOT NULL,
    doc     jsonb NOT NULL,
    label   text NOT NULL,
    status  text NOT NULL
)
"""
INSERT = """INSERT INTO {table} (id, n, amount, on_day, at, doc, label, status)
    VALUES (:id, :n, :amount, :on, :at, CAST(:doc AS jsonb), coalesce(:label, 'none'),
    'new') ON CONFLICT DO NOTHING"""


def test_single_row_inserts_go_as_one_statement_and_the_rest_row_by_row() -> None:
    assert BulkStatement(INSERT.format(table="t")).multi_row
    assert BulkStatement("INSERT INTO t (a) VALUES (:a)").multi_row
    assert not BulkStatement("UPDATE t SET a = :a WHERE id = :id").multi_row
    assert not BulkStatement(
        "INSERT INTO t (a) VALUES (:a) ON CONFLICT (a) DO UPDATE SET a = :a"
    ).multi_row
    assert not BulkStatement("INSERT INTO t (a) VALUES (:a), (:b)").multi_row
    assert BulkStatement("INSERT INTO t (a, b) VALUES (concat(:a, ')('), 'it''s')").multi_row
    assert not BulkStatement("INSERT INTO t (a) VALUES (concat(:a, '$1'))").multi_row
    assert not BulkStatement("INSERT INTO t (a) SELECT :a WHERE true").multi_row


def _rows() -> list[dict[str, Any]]:
    first, second = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return [
        {"id": first, "n": 1, "amount": Decimal("12.50"), "on": date(1, 1, 1), "at": at,
         "doc": '{"a": [1, 2]}', "label": "first"},
        {"id": second, "n": 2, "amount": None, "on": None, "at": at, "doc": "null",
         "label": None},
        {"id": first, "n": 3, "amount": Decimal("99"), "on": date(9999, 12, 31), "at": at,
         "doc": "{}", "label": "duplicate key: not inserted"},
        {"id": uuid.uuid4(), "n": 4, "amount": Decimal("-0.0001"), "on": date(2026, 2, 28),
         "at": at, "doc": '"text"', "label": "it's ( quoted"},
    ]  # fmt: skip


async def _table(engine: AsyncEngine, table: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(f"SELECT id, n, amount, on_day, at, doc, label, status FROM {table} ORDER BY n")  # noqa: S608
        )
        return [tuple(r) for r in rows]


async def test_the_unnested_insert_leaves_the_rows_one_insert_per_row_leaves(
    store_schema: tuple[str, AsyncEngine], database_url: str
) -> None:
    schema = store_schema[0]
    engine = create_engine_for(database_url, schema=schema, pool_size=1)
    try:
        async with engine.begin() as conn:
            for table in ("bulk_rows", "single_rows"):
                await conn.execute(text(DDL.format(table=table)))
        rows = _rows()
        bulk = BulkStatement(INSERT.format(table="bulk_rows"))
        assert bulk.multi_row
        async with engine.begin() as conn:
            await bulk.execute_many(conn, rows[:2])
            await bulk.execute_many(conn, rows[2:])  # the statement's second use: cached form
            await bulk.execute_many(conn, [])
        async with engine.begin() as conn:
            for row in rows:
                await conn.execute(text(INSERT.format(table="single_rows")), row)

        got, expected = await _table(engine, "bulk_rows"), await _table(engine, "single_rows")
        assert got == expected
        assert [(r[1], r[6], r[7]) for r in got] == [
            (1, "first", "new"),
            (2, "none", "new"),
            (4, "it's ( quoted", "new"),
        ]
    finally:
        await engine.dispose()
