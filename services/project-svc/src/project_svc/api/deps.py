"""Dependencies of the routes: the service, the caller, the If-Match precondition."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from pmo_shared.auth import CurrentPrincipal
from pmo_shared.logs import get_correlation_id
from pmo_shared.problems import Problem
from project_svc.application.service import Caller, ProjectService

_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def get_service(request: Request) -> ProjectService:
    """The service built by the composition root."""
    service: ProjectService = request.app.state.project_service
    return service


def get_caller(principal: CurrentPrincipal) -> Caller:
    """The authenticated caller with the request's correlation id."""
    return Caller(principal=principal, correlation_id=get_correlation_id())


def get_if_match(
    if_match: Annotated[
        str | None,
        Header(description='the ETag you read, e.g. "3"; the command fails with 412 if stale'),
    ] = None,
) -> int | None:
    """The version named by If-Match (`*` or absent: no precondition)."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise Problem(400, slug="bad-if-match", detail='If-Match must be an ETag such as "3"')
    return int(match.group(1))


Service = Annotated[ProjectService, Depends(get_service)]
CallerDep = Annotated[Caller, Depends(get_caller)]
IfMatch = Annotated[int | None, Depends(get_if_match)]
