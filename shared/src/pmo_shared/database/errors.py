"""What PostgreSQL says went wrong, read from the driver's error fields, never from its message.

SQLAlchemy's asyncpg dialect raises its own emulated DBAPI exception (`exc.orig`), which keeps
the SQLSTATE (`exc.orig.sqlstate`) but not the constraint's name; `DBAPIError.driver_exception`
(SQLAlchemy 2.1) is asyncpg's own `PostgresError`, which has both `sqlstate` and
`constraint_name` (PostgreSQL's `C` and `n` error fields). For a unique index that is not a
constraint, PostgreSQL reports the index's name there.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

UNIQUE_VIOLATION = "23505"


def _driver_error(exc: DBAPIError) -> BaseException | None:
    try:
        return exc.driver_exception
    except ValueError:  # constructed without a driver error
        return None


def _field(exc: DBAPIError, name: str) -> str | None:
    value = getattr(_driver_error(exc), name, None)
    return value if isinstance(value, str) else None


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE PostgreSQL gave for a failed statement (None if the driver has none)."""
    return _field(exc, "sqlstate")


def unique_violation(exc: IntegrityError) -> str | None:
    """The name of the unique constraint or unique index a statement violated; None when the
    integrity error is something else (NOT NULL, foreign key, check, ...)."""
    if sqlstate(exc) != UNIQUE_VIOLATION:
        return None
    return _field(exc, "constraint_name")
