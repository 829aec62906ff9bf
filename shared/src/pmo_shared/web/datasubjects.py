"""The data-subject routes of a service that stores events: erasure and export of a person
(GDPR Art. 17 and 15), and the internal key service its consumers open sealed values with.

- `POST /v1/data-subjects/{user_id}/erase` and `GET /v1/data-subjects/{user_id}`: the tenant's
  `pmo` or a `platform_operator` (with the tenant in its token), bearer JWT as everywhere.
- `POST /internal/v1/data-keys`, `POST /internal/v1/data-subjects/lookup` (one user id) and
  `POST /internal/v1/data-subjects/lookups` (up to 1,000 in one statement): only for the
  services named in `INTERNAL_CLIENTS`, each by its own token (`Authorization: Bearer`). A
  consumer fetches the keys of the sealed values it is about to show, per request, and keeps
  them no longer: an erasure is in force for it the moment the key is destroyed here.
"""

from __future__ import annotations

import base64
import hmac
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from pmo_shared.application.caller import Principal, Role
from pmo_shared.domain.events import EventMetadata
from pmo_shared.privacy import subjects
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.telemetry.logs import get_correlation_id
from pmo_shared.web.auth import require_roles
from pmo_shared.web.cursors import decode_cursor_number, encode_cursor_number
from pmo_shared.web.problems import Problem
from pmo_shared.web.requests import UserRef

router = APIRouter(prefix="/v1/data-subjects", tags=["data subjects"])
internal_router = APIRouter(prefix="/internal/v1", tags=["internal"], include_in_schema=False)

PrivacyOfficer = Annotated[Principal, Depends(require_roles(Role.PMO, Role.PLATFORM_OPERATOR))]
UserPath = Annotated[UserRef, Path(description="the person's user id (the `sub` of a token)")]


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErasureRead(_Read):
    """What an erasure did in this service."""

    user_id: str = Field(description="the user id asked for (as given; it is not stored)")
    held: bool = Field(description="whether this service held live personal data of the person")
    subject_ref: UUID | None = Field(description="the pseudonym whose key was destroyed")
    erasure_id: UUID | None
    erased_at: datetime | None
    streams_marked: int = Field(description="streams that named the person, marked erased")


class HeldEventRead(_Read):
    """One stored event that names the person, with its personal data opened."""

    position: int
    event_id: UUID
    event_type: str
    schema_version: int
    stream_type: str
    stream_id: UUID
    stream_version: int
    occurred_at: datetime
    as_actor: bool = Field(description="the person caused the event")
    fields: list[str] = Field(description="the payload fields that name the person")
    payload: dict[str, Any]


class ExportRead(_Read):
    """Everything this service holds about a person (one page of it)."""

    user_id: str
    held: bool
    subject_ref: UUID | None
    subject_since: datetime | None
    events: list[HeldEventRead]
    next_cursor: str | None


def _keys(request: Request) -> KeyStore:
    keys: KeyStore = request.app.state.key_store
    return keys


def _metadata(principal: Principal) -> EventMetadata:
    return EventMetadata(
        tenant_id=principal.tenant, actor=principal.subject, correlation_id=get_correlation_id()
    )


@router.post("/{user_id}/erase", response_model=ErasureRead)
async def erase_data_subject(
    user_id: UserPath, request: Request, principal: PrivacyOfficer
) -> ErasureRead:
    """Erase a person: their key is destroyed, so every copy of their personal data (store,
    topics, backups) reads `[erased]` from now on. Idempotent: once erased, nothing is held."""
    done = await subjects.erase(
        request.app.state.engine, _keys(request), user_id=user_id, metadata=_metadata(principal)
    )
    return ErasureRead(
        user_id=user_id,
        held=done.held,
        subject_ref=done.subject_ref,
        erasure_id=done.erasure_id,
        erased_at=done.erased_at,
        streams_marked=done.streams_marked,
    )


@router.get("/{user_id}", response_model=ExportRead)
async def export_data_subject(
    user_id: UserPath,
    request: Request,
    principal: PrivacyOfficer,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> ExportRead:
    """Everything this service holds about a person: each event that names them, opened."""
    after = (decode_cursor_number(cursor, "ds") or 0) if cursor else 0
    async with request.app.state.engine.connect() as conn:
        page = await subjects.export(
            conn,
            _keys(request),
            tenant_id=principal.tenant,
            user_id=user_id,
            after=after,
            limit=limit,
        )
    return ExportRead(
        user_id=user_id,
        held=page.subject_ref is not None,
        subject_ref=page.subject_ref,
        subject_since=page.created_at,
        events=[
            HeldEventRead(
                position=e.position,
                as_actor=e.as_actor,
                fields=list(e.fields),
                **e.envelope.model_dump(
                    include={
                        "event_id",
                        "event_type",
                        "schema_version",
                        "stream_type",
                        "stream_id",
                        "stream_version",
                        "occurred_at",
                        "payload",
                    }
                ),
            )
            for e in page.events
        ],
        next_cursor=encode_cursor_number("ds", page.next_after) if page.next_after else None,
    )


async def internal_client(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> str:
    """The name of the internal client whose token the request carries, else a 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and token:
        clients = request.app.state.settings.internal_clients
        for name, expected in clients.items():
            if hmac.compare_digest(token.encode(), expected.get_secret_value().encode()):
                return str(name)
    raise Problem(
        401,
        slug="unauthenticated",
        detail="Internal routes need the token of a service named in INTERNAL_CLIENTS.",
        headers={"WWW-Authenticate": 'Bearer realm="pmo-internal"'},
    )


InternalClient = Annotated[str, Depends(internal_client)]


class KeysAsked(BaseModel):
    """The subjects whose keys a consumer needs."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: Annotated[str, Field(min_length=1, max_length=200)]
    subject_refs: Annotated[list[UUID], Field(max_length=1000)]


class KeyRead(_Read):
    """A subject's data key (base64), or null once erased."""

    subject_ref: UUID
    key_id: UUID
    data_key: str | None
    erased_at: datetime | None


class KeysRead(_Read):
    """The keys found; a subject this service does not know is left out."""

    keys: list[KeyRead]


class LookupAsked(BaseModel):
    """A user id whose pseudonym a consumer needs (for a filter such as `?manager=`)."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: Annotated[str, Field(min_length=1, max_length=200)]
    user_id: UserRef


class LookupRead(_Read):
    """The user id's live pseudonym here, or null."""

    subject_ref: UUID | None


class LookupsAsked(BaseModel):
    """User ids whose pseudonyms a consumer needs at once (the plain values of a page)."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: Annotated[str, Field(min_length=1, max_length=200)]
    user_ids: Annotated[list[UserRef], Field(min_length=1, max_length=1000)]


class SubjectLookupRead(_Read):
    """One user id asked for and its live pseudonym here, or null."""

    user_id: str
    subject_ref: UUID | None


class LookupsRead(_Read):
    """Each distinct user id asked for, in the order first asked."""

    subjects: list[SubjectLookupRead]


@internal_router.post("/data-keys", response_model=KeysRead)
async def data_keys(body: KeysAsked, request: Request, client: InternalClient) -> KeysRead:
    """The data keys of the tenant's subjects among `subject_refs`."""
    del client
    async with request.app.state.engine.connect() as conn:
        held = await _keys(request).held(conn, body.subject_refs)
    return KeysRead(
        keys=[
            KeyRead(
                subject_ref=h.subject_ref,
                key_id=h.key_id,
                data_key=base64.b64encode(h.data_key).decode() if h.data_key else None,
                erased_at=h.erased_at,
            )
            for h in held.values()
            if h.tenant_id == body.tenant_id
        ]
    )


@internal_router.post("/data-subjects/lookup", response_model=LookupRead)
async def lookup_subject(body: LookupAsked, request: Request, client: InternalClient) -> LookupRead:
    """The tenant's live pseudonym of a user id, if this service has one."""
    del client
    async with request.app.state.engine.connect() as conn:
        ref = await _keys(request).lookup(conn, body.tenant_id, body.user_id)
    return LookupRead(subject_ref=ref)


@internal_router.post("/data-subjects/lookups", response_model=LookupsRead)
async def lookup_subjects(
    body: LookupsAsked, request: Request, client: InternalClient
) -> LookupsRead:
    """The tenant's live pseudonyms of many user ids, in one statement."""
    del client
    async with request.app.state.engine.connect() as conn:
        found = await _keys(request).lookup_many(conn, body.tenant_id, body.user_ids)
    return LookupsRead(
        subjects=[SubjectLookupRead(user_id=u, subject_ref=ref) for u, ref in found.items()]
    )
