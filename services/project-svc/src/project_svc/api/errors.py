"""How the domain's and the application's refusals become problem responses."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pmo_shared.web.problems import Problem, problem_response
from project_svc.application.errors import (
    ForbiddenError,
    IdempotencyKeyReuseError,
    ProjectNotFoundError,
    StaleVersionError,
)
from project_svc.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
    RuleViolationError,
)


def _invalid_transition(exc: Exception) -> Problem:
    assert isinstance(exc, InvalidTransitionError)
    return Problem(
        409,
        slug="invalid-transition",
        title="Not allowed in the current state",
        detail=str(exc),
        extra={"current_state": exc.current_state, "allowed_from": list(exc.allowed_from)},
    )


def _stale(exc: Exception) -> Problem:
    assert isinstance(exc, StaleVersionError)
    return Problem(
        412,
        slug="stale-version",
        detail=str(exc),
        extra={"current_version": exc.actual},
        headers={"ETag": f'"{exc.actual}"'},
    )


_MAPPING: dict[type[Exception], Callable[[Exception], Problem]] = {
    InvalidTransitionError: _invalid_transition,
    RuleViolationError: lambda e: Problem(409, slug="rule-violation", detail=str(e)),
    InvalidValueError: lambda e: Problem(422, slug="invalid-value", detail=str(e)),
    NotFoundError: lambda e: Problem(404, detail=str(e)),
    ProjectNotFoundError: lambda e: Problem(404, detail=str(e)),
    StaleVersionError: _stale,
    ForbiddenError: lambda e: Problem(403, slug="forbidden", detail=str(e)),
    IdempotencyKeyReuseError: lambda e: Problem(422, slug="idempotency-key-reused", detail=str(e)),
}


def install_error_handlers(app: FastAPI) -> None:
    """Register one handler per refusal kind."""
    for kind, to_problem in _MAPPING.items():

        async def handle(
            request: Request,
            exc: Exception,
            to_problem: Callable[[Exception], Problem] = to_problem,
        ) -> JSONResponse:
            return problem_response(to_problem(exc), instance=request.url.path)

        app.add_exception_handler(kind, handle)
