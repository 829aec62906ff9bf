"""Reads of the PMO's standards (`pmo_standards`, see `readmodel.standards`) at a report's two
time axes: the sets of a tenant recorded by `known_at` (record time), and among them the one in
force on a status date (business time): the greatest `effective_on` on or before it; of two
sets dated the same day, the later one in the standards stream (the greatest `version`). Before
the first set takes effect, and for a tenant without one, none is in force: the reports keep
the service's defaults then.

The sets are few (one per change of the standards), so a report reads every set known at its
instant once, on its own connection (the snapshot its facts come from), and picks the set in
force on each status date it needs (a finished project's is the day it ended)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.statements import statement
from reporting_svc.domain.health import HealthBand


@dataclass(frozen=True, slots=True)
class StandardsSet:
    """One set of the tenant's standards, as reporting uses it: the health band of each index,
    the longest Project Office reporting cadence allowed, the tenant's time zone (IANA name),
    in force from `effective_on`; `version` is its place in the standards stream."""

    version: int
    effective_on: date
    spi: HealthBand
    cpi: HealthBand
    reporting_cadence_days: int
    time_zone: str


@dataclass(frozen=True, slots=True)
class KnownStandards:
    """Every set of one tenant's standards recorded by an instant, in force order (by
    `effective_on`, then `version`)."""

    sets: tuple[StandardsSet, ...] = ()

    def in_force(self, day: date) -> StandardsSet | None:
        """The set in force on `day` (None before the first takes effect, or without any)."""
        i = bisect_right([(s.effective_on, s.version) for s in self.sets], (day, _LAST))
        return self.sets[i - 1] if i else None


NO_STANDARDS = KnownStandards()
"""What is known of a tenant without standards (the defaults apply at every date)."""

_LAST = 2**63  # beyond any stream version: every set effective on a day sorts at or before it


def _band(data: Mapping[str, Any]) -> HealthBand:
    return HealthBand(green=Decimal(data["green"]), amber=Decimal(data["amber"]))


def standards_set(row: Any) -> StandardsSet:
    """A stored set (its `standards` as the tolerant reader wrote them) as a `StandardsSet`."""
    data = row.standards
    return StandardsSet(
        version=int(row.version),
        effective_on=row.effective_on,
        spi=_band(data["spi"]),
        cpi=_band(data["cpi"]),
        reporting_cadence_days=int(data["reporting_cadence_days"]),
        time_zone=str(data["time_zone"]),
    )


_KNOWN = """
SELECT version, effective_on, standards FROM pmo_standards
WHERE tenant_id = :tenant AND occurred_at <= :known
ORDER BY effective_on, version
"""


async def known_standards(
    conn: AsyncConnection, *, tenant_id: str, known_at: datetime
) -> KnownStandards:
    """The tenant's standards sets recorded by `known_at`."""
    rows = await conn.execute(statement(_KNOWN), {"tenant": tenant_id, "known": known_at})
    return KnownStandards(tuple(standards_set(row) for row in rows))


async def standards_in_force(
    conn: AsyncConnection, *, tenant_id: str, day: date, known_at: datetime
) -> StandardsSet | None:
    """The tenant's standards in force on `day` as known at `known_at` (None: none then)."""
    return (await known_standards(conn, tenant_id=tenant_id, known_at=known_at)).in_force(day)
