"""Operating the projections: status (offsets, lag, dead letters) and rebuilds.

The read models are shared by every tenant, so both routes are cross-tenant operations and need
the `platform_operator` role; a tenant's roles (even `pmo`) get 403 and see nothing there."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, status

from pmo_shared.web.auth import Principal, Role, require_roles
from pmo_shared.web.problems import Problem
from reporting_svc.api import schemas
from reporting_svc.api.deps import Supervisor
from reporting_svc.application.supervisor import GenerationStatus, ProjectionSupervisor
from reporting_svc.readmodel import generations
from reporting_svc.readmodel.generations import RebuildInProgressError

router = APIRouter(prefix="/v1/projections", tags=["projections"])
PlatformOperator = Depends(require_roles(Role.PLATFORM_OPERATOR))


def _generation(g: GenerationStatus) -> schemas.GenerationRead:
    lag = sum(p.lag for p in g.partitions)
    target = sum(g.target.values())
    consumed = sum(min(p.committed, g.target.get((p.topic, p.partition), 0)) for p in g.partitions)
    progress = (Decimal(consumed) / Decimal(target)).quantize(Decimal("0.0001")) if target else None
    gen = g.generation
    return schemas.GenerationRead(
        generation=gen.generation,
        status=gen.status,
        schema_name=gen.schema_name,
        consumer_group=gen.group_id,
        requested_by=gen.requested_by,
        started_at=gen.started_at,
        switched_at=gen.switched_at,
        partitions=[
            schemas.PartitionRead(
                topic=p.topic,
                partition=p.partition,
                consumed_offset=p.committed,
                end_offset=p.end,
                lag=p.lag,
            )
            for p in g.partitions
        ],
        lag=lag,
        events_applied=g.events_applied,
        last_event_applied_at=g.last_event_at,
        dead_letters=g.dead_letters,
        progress=progress if gen.status == "building" else None,
    )


@router.get("", response_model=list[schemas.ProjectionRead], dependencies=[PlatformOperator])
async def projections(supervisor: Supervisor) -> list[schemas.ProjectionRead]:
    """Each projection's live and rebuilding generations: offsets, lag, last event, dead letters,
    and who requested each rebuild. Platform operators only (`platform_operator`; anyone else
    gets 403): every figure here counts all tenants' events and `requested_by` names users of
    any tenant, so the endpoint is cross-tenant by nature and no tenant sees it."""
    return await _projections(supervisor)


async def _projections(supervisor: ProjectionSupervisor) -> list[schemas.ProjectionRead]:
    statuses = await supervisor.status()
    return [
        schemas.ProjectionRead(
            name=supervisor.projection, generations=[_generation(s) for s in statuses]
        )
    ]


@router.post(
    "/{name}/rebuild", status_code=status.HTTP_202_ACCEPTED, response_model=schemas.ProjectionRead
)
async def rebuild(
    name: str,
    supervisor: Supervisor,
    principal: Principal = PlatformOperator,
) -> schemas.ProjectionRead:
    """Rebuild a projection from the beginning of its topics into fresh tables; queries keep
    using the live tables until the rebuild has caught up and is switched in, and the switch
    is invisible to them. The read models hold every tenant's data: platform operators only
    (`platform_operator`; anyone else, a tenant's `pmo` too, gets 403)."""
    if name != supervisor.projection:
        raise Problem(404, detail=f"no projection named {name!r}")
    try:
        await generations.start_rebuild(
            supervisor.engine,
            service_schema=supervisor.service_schema,
            projection=name,
            requested_by=f"{principal.tenant}/{principal.subject}",
        )
    except RebuildInProgressError as exc:
        raise Problem(409, slug="rebuild-in-progress", detail=str(exc)) from exc
    await supervisor.reconcile()
    return (await _projections(supervisor))[0]
