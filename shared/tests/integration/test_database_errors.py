"""`unique_violation` names the unique constraint or index PostgreSQL reports, from the driver's
error fields, and nothing for other integrity errors."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.errors import UNIQUE_VIOLATION, sqlstate, unique_violation

SCHEMA = (
    """
    CREATE TABLE things (
        id    integer PRIMARY KEY,
        code  text    CONSTRAINT things_code_key UNIQUE,
        label text    NOT NULL,
        size  integer CONSTRAINT things_size_positive CHECK (size > 0)
    )
    """,
    # An expression index: unique, but no constraint of that name exists.
    "CREATE UNIQUE INDEX things_label_idx ON things (lower(label))",
    "INSERT INTO things (id, code, label) VALUES (1, 'a', 'First')",
)


async def _violation(engine: AsyncEngine, statement: str) -> IntegrityError:
    async with engine.begin() as conn:
        for ddl in SCHEMA:
            await conn.execute(text(ddl))
    with pytest.raises(IntegrityError) as raised:
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    return raised.value


@pytest.mark.integration
@pytest.mark.parametrize(
    ("statement", "name"),
    [
        ("INSERT INTO things (id, code, label) VALUES (2, 'a', 'Second')", "things_code_key"),
        ("INSERT INTO things (id, code, label) VALUES (2, 'b', 'FIRST')", "things_label_idx"),
        ("INSERT INTO things (id, code, label) VALUES (1, 'b', 'Second')", "things_pkey"),
    ],
    ids=["unique-constraint", "unique-index", "primary-key"],
)
async def test_a_unique_violation_names_its_constraint_or_index(
    engine: AsyncEngine, statement: str, name: str
) -> None:
    error = await _violation(engine, statement)
    assert unique_violation(error) == name
    assert sqlstate(error) == UNIQUE_VIOLATION


@pytest.mark.integration
@pytest.mark.parametrize(
    ("statement", "state"),
    [
        ("INSERT INTO things (id, code, label) VALUES (2, 'b', NULL)", "23502"),
        ("INSERT INTO things (id, code, label, size) VALUES (2, 'b', 'Second', 0)", "23514"),
    ],
    ids=["not-null", "check"],
)
async def test_other_integrity_errors_are_not_unique_violations(
    engine: AsyncEngine, statement: str, state: str
) -> None:
    error = await _violation(engine, statement)
    assert unique_violation(error) is None
    assert sqlstate(error) == state


def test_an_error_without_driver_fields_is_not_a_unique_violation() -> None:
    assert unique_violation(IntegrityError("INSERT ...", {}, None)) is None  # type: ignore[arg-type]
    assert unique_violation(IntegrityError("INSERT ...", {}, ValueError("23505"))) is None
