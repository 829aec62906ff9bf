"""`reporting-consumer` (`python -m reporting_svc.consumer_main`): feed the read models without
serving the API, so consumers scale apart from it (replicas of one generation share its consumer
group and split the topics' partitions; more replicas than partitions sit idle).

It reads the settings of reporting-svc (`ReportingSettings`) and answers `/healthz`, `/readyz`
(the database; the live generation is set up and being fed; Kafka reported) and `/metrics` on
`PORT`. SIGTERM stops the consumers after their batch and commit, and the process exits 0."""

from __future__ import annotations

import asyncio

from pmo_shared.database.engine import create_engine
from pmo_shared.messaging.kafka import connection
from pmo_shared.telemetry.logs import configure_logging
from pmo_shared.web.app import ProcessSettings, run_worker
from pmo_shared.web.health import ReadinessCheck, database_check, kafka_check
from reporting_svc.application.supervisor import ProjectionSupervisor
from reporting_svc.settings import ReportingSettings, load_settings


async def run(settings: ReportingSettings) -> None:
    """Run the projection supervisor until SIGTERM or SIGINT."""
    engine = create_engine(settings)
    supervisor = ProjectionSupervisor(engine, settings=settings)
    checks = [
        database_check(engine),
        ReadinessCheck("projections", supervisor.check_ready),
        kafka_check(connection(settings)),
    ]
    process = ProcessSettings(host=settings.host, port=settings.port)
    try:
        await run_worker(supervisor.run, title="reporting-consumer", checks=checks, process=process)
    finally:
        await engine.dispose()


def main() -> None:
    """Start the projection consumers of reporting-svc."""
    settings = load_settings()
    configure_logging(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
