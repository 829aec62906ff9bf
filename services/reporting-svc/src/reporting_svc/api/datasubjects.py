"""One erasure (or export) of a person over every service: reporting-svc forwards the request,
with the caller's own bearer token, to the same public route of every producing service it
reads (`KEY_SERVICES`), and answers with each service's result.

- `POST /v1/data-subjects/{user_id}/erase`: each producer destroys the person's key, so every
  sealed copy (its store, the topics, backups, and reporting's read models) reads `[erased]`.
- `GET /v1/data-subjects/{user_id}`: each producer's export (the first page of it; further
  pages from the service itself, with its `next_cursor`).

Both need the tenant's `pmo` or a `platform_operator` (with the tenant in its token), as the
producers' own routes do (they check the forwarded token again). If any service fails
(unreachable, or an answer other than 2xx) the answer is a 502 problem naming it, with every
service's result; a retry is safe: erasure is idempotent.

What reporting holds itself (`reporting` in the answer): no user id from a sealed event and no
key, only the sealed values and their pseudonyms (`readmodel.personal`), erased with the
producer's key. The one exception, values published in plain text before sealing existed, is
counted, and an erasure replaces the person's with `"[erased]"` in every generation.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import text

from pmo_shared.privacy.remote import KeyServiceUnavailableError, RemoteKeys, ServiceAnswer
from pmo_shared.telemetry.http import CORRELATION_HEADER
from pmo_shared.telemetry.logs import get_correlation_id
from pmo_shared.web.auth import Principal, Role, require_roles
from pmo_shared.web.problems import Problem
from pmo_shared.web.requests import UserRef
from reporting_svc.application.supervisor import ProjectionSupervisor
from reporting_svc.readmodel import personal

router = APIRouter(prefix="/v1/data-subjects", tags=["data subjects"])

PrivacyOfficer = Annotated[Principal, Depends(require_roles(Role.PMO, Role.PLATFORM_OPERATOR))]
UserPath = Annotated[UserRef, Path(description="the person's user id (the `sub` of a token)")]
HOLDS = (
    "reporting-svc keeps no user id from a sealed event and no key: only the sealed values "
    "as the producers published them and their pseudonyms. Erasing the person's key in the "
    "producing service erases them here too: they read [erased] from then on."
)
FAN_OUT_FAILED: dict[int | str, dict[str, Any]] = {
    502: {
        "description": "A producing service could not be reached or refused; the problem "
        "names it and holds every service's result (a retry is safe)",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
}


class ServiceResult(BaseModel):
    """One producing service's answer."""

    service: str
    status: int | None = Field(description="its HTTP status; null when it could not be reached")
    result: Any = Field(
        description="its JSON answer (the kernel's erasure or export of the person)"
    )
    error: str | None = None


class HeldByReporting(BaseModel):
    """What reporting's live read model holds of the person."""

    sealed_values: int | None = Field(
        description=(
            "values sealed under one of the person's pseudonyms (null when a key service "
            "could not say which are theirs); after an erasure they read [erased]"
        )
    )
    plain_values: int = Field(
        description="values kept plain, from messages published before sealing existed"
    )
    plain_values_erased: int | None = Field(
        default=None,
        description="on erasure: plain values replaced by [erased], over every generation",
    )
    statement: str = HOLDS


class DataSubjectRead(BaseModel):
    """The person's erasure or export in every service."""

    user_id: str
    services: list[ServiceResult]
    reporting: HeldByReporting


def _parts(request: Request) -> tuple[RemoteKeys, ProjectionSupervisor]:
    remote: RemoteKeys = request.app.state.remote_keys
    supervisor: ProjectionSupervisor = request.app.state.supervisor
    return remote, supervisor


def _forwarded(request: Request) -> dict[str, str]:
    return {
        "Authorization": request.headers.get("authorization", ""),
        CORRELATION_HEADER: get_correlation_id(),
    }


async def _held(
    remote: RemoteKeys, supervisor: ProjectionSupervisor, *, tenant: str, user_id: str
) -> HeldByReporting:
    try:
        refs: set[Any] | None = await remote.lookup(tenant, user_id)
    except KeyServiceUnavailableError:
        refs = None
    async with supervisor.live_engine().connect() as conn:
        held = await personal.held(conn, tenant_id=tenant, refs=refs or set(), user_id=user_id)
    return HeldByReporting(
        sealed_values=held.sealed if refs is not None else None, plain_values=held.plain
    )


async def _scrub(supervisor: ProjectionSupervisor, *, tenant: str, user_id: str) -> int:
    async with supervisor.engine.begin() as conn:
        rows = await conn.execute(text("SELECT schema_name FROM projection_generations"))
        schemas = [row[0] for row in rows]
        return await personal.scrub_plain(conn, schemas, tenant_id=tenant, user_id=user_id)


def _answer(user_id: str, answers: list[ServiceAnswer], held: HeldByReporting) -> DataSubjectRead:
    read = DataSubjectRead(
        user_id=user_id,
        services=[
            ServiceResult(service=a.service, status=a.status, result=a.body, error=a.error)
            for a in answers
        ],
        reporting=held,
    )
    failed = [a.service for a in answers if not a.ok]
    if failed:
        raise Problem(
            502,
            slug="data-subject-fan-out-failed",
            detail=(
                f"{', '.join(failed)} did not complete the request; the others did. A retry "
                "is safe (erasure is idempotent)."
            ),
            extra={"failed_services": failed, **read.model_dump(mode="json")},
        )
    return read


@router.post("/{user_id}/erase", response_model=DataSubjectRead, responses=FAN_OUT_FAILED)
async def erase_data_subject(
    user_id: UserPath, request: Request, principal: PrivacyOfficer
) -> DataSubjectRead:
    """Erase a person in every producing service (their keys are destroyed: every sealed copy,
    reporting's included, reads `[erased]` from now on), and reporting's plain copies from
    before sealing. Idempotent."""
    remote, supervisor = _parts(request)
    held = await _held(remote, supervisor, tenant=principal.tenant, user_id=user_id)
    answers = await remote.each_service(
        "POST", f"/v1/data-subjects/{quote(user_id, safe='')}/erase", headers=_forwarded(request)
    )
    erased = await _scrub(supervisor, tenant=principal.tenant, user_id=user_id)
    return _answer(user_id, answers, held.model_copy(update={"plain_values_erased": erased}))


@router.get("/{user_id}", response_model=DataSubjectRead, responses=FAN_OUT_FAILED)
async def export_data_subject(
    user_id: UserPath,
    request: Request,
    principal: PrivacyOfficer,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> DataSubjectRead:
    """Everything every producing service holds about a person (the first `limit` events of
    each, opened), and what reporting holds."""
    remote, supervisor = _parts(request)
    held = await _held(remote, supervisor, tenant=principal.tenant, user_id=user_id)
    answers = await remote.each_service(
        "GET",
        f"/v1/data-subjects/{quote(user_id, safe='')}",
        headers=_forwarded(request),
        params={"limit": str(limit)},
    )
    return _answer(user_id, answers, held)
