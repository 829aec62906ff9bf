"""What every command route of a write service shares: the caller, the If-Match precondition,
the ETag of a version, the Idempotency-Key header."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from pmo_shared.application.caller import Caller
from pmo_shared.application.idempotency import IdempotentRequest
from pmo_shared.telemetry.logs import get_correlation_id
from pmo_shared.web.auth import TenantPrincipal
from pmo_shared.web.problems import Problem

IF_MATCH_PATTERN = r'^\s*(\*|(W/)?"\d{1,9}")\s*$'
_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def etag(version: int) -> str:
    """The ETag of an aggregate at a version."""
    return f'"{version}"'


async def get_caller(principal: TenantPrincipal) -> Caller:
    """The authenticated caller with the request's correlation id."""
    return Caller(principal=principal, correlation_id=get_correlation_id())


async def get_if_match(
    if_match: Annotated[
        str | None,
        Header(
            description='the ETag you read, e.g. "3" (or *); the command fails with 412 if stale',
            # Declared for clients; checked below so that a malformed one is a 400, not a 422.
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
) -> int | None:
    """The version named by If-Match (`*` or absent: no precondition)."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise Problem(400, slug="bad-if-match", detail='If-Match must be an ETag such as "3"')
    return int(match.group(1))


CallerDep = Annotated[Caller, Depends(get_caller)]
IfMatch = Annotated[int | None, Depends(get_if_match)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        description="makes the request safe to retry: a retry with the same key, by the same "
        "caller, on the same route gets the first result and takes effect once (kept 24 h at "
        "least); the same key with a different request is a 422",
    ),
]


async def get_idempotency(
    request: Request, idempotency_key: IdempotencyKey = None
) -> IdempotentRequest | None:
    """The request's Idempotency-Key with the route it was sent to, if it has one."""
    if idempotency_key is None:
        return None
    route = request.scope.get("route")
    path = getattr(route, "path_format", None) or request.url.path
    return IdempotentRequest(key=idempotency_key, route=f"{request.method} {path}")


Idempotency = Annotated[IdempotentRequest | None, Depends(get_idempotency)]
