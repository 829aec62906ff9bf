"""Refusals of the reporting service as problem responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pmo_shared.web.problems import Problem, problem_response
from reporting_svc.application.reports import ReportNotFoundError
from reporting_svc.application.supervisor import NoLiveGenerationError


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(Problem(404, detail=str(exc)), instance=request.url.path)


async def _not_ready(request: Request, exc: Exception) -> JSONResponse:
    problem = Problem(503, slug="not-ready", detail=str(exc), headers={"Retry-After": "1"})
    return problem_response(problem, instance=request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    """Map the service's refusals to problems."""
    app.add_exception_handler(ReportNotFoundError, _not_found)
    app.add_exception_handler(NoLiveGenerationError, _not_ready)
