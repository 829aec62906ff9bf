"""BulkStatement: named parameters become asyncpg's positional ones, each name once."""

from __future__ import annotations

from pmo_shared.database.bulk import BulkStatement


def test_named_parameters_become_positional_in_order_of_first_use() -> None:
    statement = BulkStatement(
        "UPDATE t SET a = :a, b = coalesce(:b, b), at = '10:30' WHERE id = :id AND v < :a"
    )
    assert statement.sql == (
        "UPDATE t SET a = $1, b = coalesce($2, b), at = '10:30' WHERE id = $3 AND v < $1"
    )
    assert statement.names == ["a", "b", "id"]


def test_casts_with_double_colons_are_left_alone() -> None:
    statement = BulkStatement("INSERT INTO t VALUES (:x::jsonb, now()::date)")
    assert statement.sql == "INSERT INTO t VALUES ($1::jsonb, now()::date)"
