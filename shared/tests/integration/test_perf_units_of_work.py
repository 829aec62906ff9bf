"""PostgreSQL units of work: a write unit is one transaction, a read unit none (autocommit)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.database.unit_of_work import PostgresUnitsOfWork
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.eventstore.store import PostgresEventStore, RecordedEvent

from .kit import registry

pytestmark = pytest.mark.integration


class _Rows:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        del aggregate, recorded


async def _transaction_ids(conn: AsyncConnection) -> tuple[int, int]:
    first = (await conn.execute(text("SELECT txid_current()"))).scalar_one()
    second = (await conn.execute(text("SELECT txid_current()"))).scalar_one()
    return int(first), int(second)


def _conn_of(events: object) -> AsyncConnection:
    assert isinstance(events, PostgresEventStore)
    return events.conn


async def test_a_write_unit_is_one_transaction_and_a_read_unit_none(engine: AsyncEngine) -> None:
    units = PostgresUnitsOfWork(engine, registry, rows=_Rows)
    async with units("t1", write=True) as uow:
        first, second = await _transaction_ids(_conn_of(uow.events))
    assert first == second
    async with units("t1", write=False) as uow:
        first, second = await _transaction_ids(_conn_of(uow.events))
    assert first != second  # each statement its own: no BEGIN, no ROLLBACK sent
    async with units("t1", write=True) as uow:  # the pooled connection is transactional again
        first, second = await _transaction_ids(_conn_of(uow.events))
    assert first == second


async def test_a_write_unit_that_fails_leaves_nothing(engine: AsyncEngine) -> None:
    units = PostgresUnitsOfWork(engine, registry, rows=_Rows)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE uow_probe (n integer)"))

    async def failing() -> None:
        async with units("t1", write=True) as uow:
            await _conn_of(uow.events).execute(text("INSERT INTO uow_probe VALUES (1)"))
            raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        await failing()
    async with units("t1", write=False) as uow:
        count = (
            await _conn_of(uow.events).execute(text("SELECT count(*) FROM uow_probe"))
        ).scalar()
    assert count == 0
