"""HTTP routes of the PMO's standards: one set in force at a time per tenant, each from its
effective date; the PMO sets them, every role of the tenant reads them."""

from __future__ import annotations

from fastapi import APIRouter, Response

from pmo_shared.web.commands import CallerDep, IfMatch, etag
from portfolio_svc.api import reads, schemas
from portfolio_svc.api.deps import AsOf, Bus, KnownAt
from portfolio_svc.api.views import standards_read
from portfolio_svc.application import commands as c
from portfolio_svc.application import queries
from portfolio_svc.domain.standards import StandardsInput
from portfolio_svc.domain.standards_events import HealthBand, SizeClass

router = APIRouter(prefix="/v1/pmo/standards", tags=["PMO standards"])


@router.put("", response_model=reads.StandardsRead)
async def set_standards(
    body: schemas.StandardsSet, bus: Bus, caller: CallerDep, if_match: IfMatch, response: Response
) -> reads.StandardsRead:
    """Put a whole new set of the tenant's standards in force from `effective_on` (the PMO
    only; the first set begins the tenant's standards); answers with it and its ETag."""
    command = c.SetPmoStandards(
        standards=_standards(body), expected_version=if_match, effective_on=body.effective_on
    )
    standards = await bus.execute(command, caller)
    _on, latest = standards.sets.entries[-1]
    response.headers["ETag"] = etag(standards.version)
    return standards_read(latest, version=standards.version)


@router.get("", response_model=reads.StandardsRead)
async def get_standards(
    bus: Bus, caller: CallerDep, response: Response, as_of: AsOf = None, known_at: KnownAt = None
) -> reads.StandardsRead:
    """The set in force on `as_of` as known at `known_at` (404 when none is)."""
    found = await queries.standards_in_force(bus, caller, as_of=as_of, known_at=known_at)
    response.headers["ETag"] = etag(found.version)
    return standards_read(found.standards, version=found.version)


@router.get("/history", response_model=reads.StandardsHistoryRead)
async def standards_history(bus: Bus, caller: CallerDep) -> reads.StandardsHistoryRead:
    """Every set of the tenant's standards, in the order recorded, with when."""
    history = await queries.standards_history(bus, caller)
    return reads.StandardsHistoryRead(
        items=[
            standards_read(h.standards, version=h.version, recorded_at=h.recorded_at)
            for h in history
        ]
    )


def _standards(body: schemas.StandardsSet) -> StandardsInput:
    return StandardsInput(
        spi=HealthBand(green=body.spi.green, amber=body.spi.amber),
        cpi=HealthBand(green=body.cpi.green, amber=body.cpi.amber),
        reporting_cadence_days=body.reporting_cadence_days,
        time_zone=body.time_zone,
        large_project_threshold=body.large_project_threshold,
        portfolio_approval_threshold=body.portfolio_approval_threshold,
        required_gates=tuple(body.required_gates),
        size_classes={
            currency: tuple(SizeClass(name=s.name, up_to=s.up_to) for s in classes)
            for currency, classes in body.size_classes.items()
        },
        benchmark_min_group=body.benchmark_min_group,
        reference_class_min=body.reference_class_min,
        fiscal_year_start_month=body.fiscal_year_start_month,
    )
