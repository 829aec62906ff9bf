"""The composition root of reporting-svc: the one place its parts are built and wired."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine
from pmo_shared.privacy.remote import RemoteKeys
from pmo_shared.web.app import create_service_app
from pmo_shared.web.health import ReadinessCheck
from reporting_svc import __version__
from reporting_svc.api import datasubjects, portfolios, programs, projections, reports
from reporting_svc.api import evaluation as evaluation_api
from reporting_svc.api import lessons as lessons_api
from reporting_svc.api import scorecards as scorecards_api
from reporting_svc.application.evaluation import EvaluationService
from reporting_svc.application.lessons import LessonSuggestionService
from reporting_svc.application.portfolios import PortfolioReportService
from reporting_svc.application.programs import ProgramReportService
from reporting_svc.application.reports import ReportService
from reporting_svc.application.scorecards import ScorecardService
from reporting_svc.application.supervisor import ProjectionSupervisor
from reporting_svc.domain.health import HealthThresholds
from reporting_svc.settings import ReportingSettings


def projection_supervisor(engine: AsyncEngine, settings: ReportingSettings) -> ProjectionSupervisor:
    """The supervisor that feeds the read models, or only follows them (`RUN_PROJECTIONS`)."""
    return ProjectionSupervisor(engine, settings=settings, consume=settings.run_projections)


def bootstrap(settings: ReportingSettings) -> FastAPI:
    """Build the engine, the projection supervisor, the key services' client, the report
    services (projects, programs, portfolios) and the HTTP app."""
    engine = create_engine(settings)
    supervisor = projection_supervisor(engine, settings)
    remote_keys = RemoteKeys.from_settings(settings)
    app = create_service_app(
        settings,
        title="reporting-svc",
        version=__version__,
        engine=engine,
        routers=[
            reports.router,
            programs.router,
            portfolios.router,
            projections.router,
            datasubjects.router,
            evaluation_api.router,
            lessons_api.router,
            scorecards_api.router,
        ],
        readiness=[ReadinessCheck("projections", supervisor.check_ready)],
        background=[supervisor.run],
        shutdown=[remote_keys.aclose],
    )
    app.state.supervisor = supervisor
    app.state.remote_keys = remote_keys
    app.state.reports = ReportService(
        supervisor,
        thresholds=HealthThresholds(green=settings.health_green, amber=settings.health_amber),
        keys=remote_keys,
        time_zone_of=settings.time_zone_of,
    )
    app.state.programs = ProgramReportService(supervisor, reports=app.state.reports)
    app.state.portfolios = PortfolioReportService(supervisor, reports=app.state.reports)
    app.state.evaluation = EvaluationService(reports=app.state.reports)
    app.state.lessons = LessonSuggestionService(reports=app.state.reports)
    app.state.scorecards = ScorecardService(supervisor, reports=app.state.reports)
    return app
