"""Personal values in the read models: kept as published, never opened here.

Every personal column (`projects.manager`, `projects.sponsor`, `risks.owner`, `offices.lead`,
`office_staff.user_id`; `programs.manager`, `programs.sponsor`, `program_status.activated_by`,
`program_resources.person`, `program_benefits.owner`; every one `PERSONAL_COLUMNS` lists, down
to `lesson_feedback.judged_by`) is jsonb holding the sealed value as its producer published it
(`{"subject_ref", "key_id", "ciphertext"}`), and beside it a pseudonym column (`manager_ref`,
`sponsor_ref`, `owner_ref`, `lead_ref`, `user_ref`, `activated_by_ref`, `person_ref`,
`judged_by_ref`: the sealed value's `subject_ref`) that the filters and the data-subject counts
use. No table of any generation holds a user id from a
sealed event: the reports open the values per request with the producer's keys
(`pmo_shared.privacy.remote`), so an erasure shows as `[erased]` at once, in every generation
and in every rebuild.

Limitation: a message published before sealing existed carries the plain user id, and the
topics keep it. Its value is stored as given (a JSON string, pseudonym NULL), in every rebuild
too. A report shows such a value only while a key service still knows a live subject of that
user id (else `[erased]`), and an erasure through reporting's `/v1/data-subjects` replaces the
person's plain values in every generation with `"[erased]"` (`scrub_plain`); a rebuild reads
them again from the topics, and the reports show them as `[erased]` all the same.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.privacy.fields import ERASED, SealedValue
from reporting_svc import events as ev


def column(value: ev.Personal) -> str:
    """The jsonb text a personal value is stored as."""
    if isinstance(value, SealedValue):
        return orjson.dumps(value.model_dump(mode="json")).decode()
    return orjson.dumps(value).decode()


def pseudonym(value: ev.Personal) -> UUID | None:
    """The pseudonym of a sealed value (None for a plain one)."""
    return value.subject_ref if isinstance(value, SealedValue) else None


@dataclass(frozen=True, slots=True)
class PersonFilter:
    """A person as a filter: their pseudonyms (from the key services) and their user id, which
    only matches values stored plain before sealing existed."""

    refs: frozenset[UUID]
    user_id: str

    def sql(self, column: str, ref_column: str, *, prefix: str) -> tuple[str, dict[str, Any]]:
        """A condition on `column`/`ref_column` and its parameters (named after `prefix`)."""
        condition = (
            f"({ref_column} = ANY(CAST(:{prefix}_refs AS uuid[])) OR ({ref_column} IS NULL "
            f"AND {column} = CAST(:{prefix}_plain AS jsonb)))"
        )
        params = {f"{prefix}_refs": sorted(self.refs), f"{prefix}_plain": plain(self.user_id)}
        return condition, params


def plain(user_id: str) -> str:
    """The jsonb text of a plain value."""
    return orjson.dumps(user_id).decode()


_IN_PROGRAMS = "program_id IN (SELECT program_id FROM {schema}programs WHERE tenant_id = :tenant)"
_IN_PORTFOLIOS = (
    "portfolio_id IN (SELECT portfolio_id FROM {schema}portfolios WHERE tenant_id = :tenant)"
)
# (table, value column, pseudonym column, how the table reaches its tenant); constants. A
# value column may be NULL (who activated a program before it was, a resource that is a role):
# no NULL matches a person.
PERSONAL_COLUMNS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("projects", "manager", "manager_ref", "tenant_id = :tenant"),
    ("projects", "sponsor", "sponsor_ref", "tenant_id = :tenant"),
    (
        "risks",
        "owner",
        "owner_ref",
        "project_id IN (SELECT project_id FROM {schema}projects WHERE tenant_id = :tenant)",
    ),
    ("offices", "lead", "lead_ref", "tenant_id = :tenant"),
    (
        "office_staff",
        "user_id",
        "user_ref",
        "office_id IN (SELECT office_id FROM {schema}offices WHERE tenant_id = :tenant)",
    ),
    ("programs", "manager", "manager_ref", "tenant_id = :tenant"),
    ("programs", "sponsor", "sponsor_ref", "tenant_id = :tenant"),
    ("program_status", "activated_by", "activated_by_ref", _IN_PROGRAMS),
    ("program_resources", "person", "person_ref", _IN_PROGRAMS),
    ("program_benefits", "owner", "owner_ref", _IN_PROGRAMS),
    ("portfolios", "manager", "manager_ref", "tenant_id = :tenant"),
    ("portfolio_decisions", "decided_by", "decided_by_ref", _IN_PORTFOLIOS),
    ("portfolio_selections", "adopted_by", "adopted_by_ref", _IN_PORTFOLIOS),
    ("lesson_feedback", "judged_by", "judged_by_ref", "tenant_id = :tenant"),
)


@dataclass(frozen=True, slots=True)
class Held:
    """How many personal values of one person a generation holds."""

    sealed: int
    """Values sealed under one of the person's pseudonyms."""
    plain: int
    """Values stored plain (published before sealing existed)."""


async def held(
    conn: AsyncConnection, *, tenant_id: str, refs: Collection[UUID], user_id: str
) -> Held:
    """The person's values in the generation `conn` reads (its search path)."""
    sealed = plain_count = 0
    for table, value, ref, tenant in PERSONAL_COLUMNS:
        where = tenant.format(schema="")
        row = (
            await conn.execute(
                text(
                    f"SELECT count(*) FILTER (WHERE {ref} = ANY(CAST(:refs AS uuid[]))), "  # noqa: S608
                    f"count(*) FILTER (WHERE {ref} IS NULL AND {value} = CAST(:plain AS jsonb)) "
                    f"FROM {table} WHERE {where}"
                ),
                {"tenant": tenant_id, "refs": sorted(refs), "plain": plain(user_id)},
            )
        ).one()
        sealed += int(row[0])
        plain_count += int(row[1])
    return Held(sealed, plain_count)


async def scrub_plain(
    conn: AsyncConnection, schemas: Collection[str], *, tenant_id: str, user_id: str
) -> int:
    """Replace the person's plain values with `"[erased]"` in the tables of every generation
    schema in `schemas` (names from the generation register); how many were replaced."""
    replaced = 0
    for schema in schemas:
        for table, value, ref, tenant in PERSONAL_COLUMNS:
            where = tenant.format(schema=f"{schema}.")
            result = await conn.execute(
                text(
                    f"UPDATE {schema}.{table} SET {value} = CAST(:erased AS jsonb) "  # noqa: S608
                    f"WHERE {ref} IS NULL AND {value} = CAST(:plain AS jsonb) AND {where}"
                ),
                {"tenant": tenant_id, "plain": plain(user_id), "erased": plain(ERASED)},
            )
            replaced += int(getattr(result, "rowcount", 0) or 0)
    return replaced
