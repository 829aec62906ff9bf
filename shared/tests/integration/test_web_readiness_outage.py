"""A write service with its Kafka broker SIGKILLed: `/readyz` stays 200 and says Kafka is
degraded, and commands are accepted (their events wait in the outbox). Accepting a command
needs PostgreSQL alone.

The broker is one of the test's own (as in `test_broker_outage`): the shared stack's is never
touched. The service is a toy write service of the kit's counter, wired by the kernel's
`create_write_service_app` like every real one (key store, erasure ledger, janitor)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from structlog.testing import capture_logs

from pmo_shared.application.handlers import Command, CommandContext, CommandHandlers
from pmo_shared.database.idempotency import IDEMPOTENCY_DDL
from pmo_shared.domain.aggregate import Aggregate, applies
from pmo_shared.eventstore.ddl import PERSONAL_DATA_DDL
from pmo_shared.eventstore.store import RecordedEvent
from pmo_shared.messaging.topics import PRIVACY_EVENTS_TOPIC
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.auth import issue_dev_token
from pmo_shared.web.commands import CallerDep
from pmo_shared.web.write_service import WriteService, create_write_service_app

from .kit import CounterIncremented, eventually, registry
from .test_broker_outage import Broker, broker

__all__ = ["broker"]  # the fixture, used by name

pytestmark = pytest.mark.integration

SECRET = "web-readiness-outage-secret-32-chars"


class Counter(Aggregate):
    stream_type = "counter"

    def __init__(self, aggregate_id: uuid.UUID) -> None:
        super().__init__(aggregate_id)
        self.total = 0

    def increment(self, amount: int) -> None:
        self.record(CounterIncremented(amount=amount))

    @applies(CounterIncremented)
    def _incremented(self, event: CounterIncremented) -> None:
        self.total += event.amount


@dataclass(frozen=True, slots=True)
class Increment(Command[Counter]):
    counter_id: uuid.UUID


class NoRows:
    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        return None


HANDLERS: CommandHandlers[NoRows, None] = CommandHandlers()


@HANDLERS.handles(Increment)
async def increment(command: Increment, context: CommandContext[NoRows, None]) -> Counter:
    counter = await context.uow.load(Counter, command.counter_id) or Counter(command.counter_id)
    counter.increment(1)
    await context.save(counter)
    return counter


def counters_router() -> APIRouter:
    router = APIRouter(prefix="/v1/counters")

    @router.post("/{counter_id}", status_code=201)
    async def increment_counter(
        counter_id: uuid.UUID, request: Request, caller: CallerDep
    ) -> dict[str, int]:
        """Add one to a counter."""
        counter = await request.app.state.commands.execute(Increment(counter_id), caller)
        return {"total": counter.total}

    return router


def no_rows(_conn: AsyncConnection, _keys: KeyStore) -> NoRows:
    return NoRows()


COUNTERS = WriteService(
    title="counters",
    version="0",
    registry=registry,
    aggregates=(Counter,),
    handlers=HANDLERS,
    config=None,
    rows=no_rows,
    routers=(counters_router(),),
)


async def create_privacy_topic(servers: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(PRIVACY_EVENTS_TOPIC, 1, 1)])
    finally:
        await admin.close()


@pytest.fixture
async def service(
    database_url: str, store_schema: tuple[str, AsyncEngine], broker: Broker
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    schema, engine = store_schema
    async with engine.begin() as conn:
        for statement in (*PERSONAL_DATA_DDL, IDEMPOTENCY_DDL):
            await conn.execute(text(statement))
    await create_privacy_topic(broker.servers)
    settings = ServiceSettings(
        service_name="web-outage-test",
        environment="test",
        database_url=database_url,
        db_schema=schema,
        kafka_bootstrap_servers=broker.servers,
        jwt_secret=SECRET,
        personal_data_master_key=base64.b64encode(bytes(range(32))).decode(),
        run_relay=False,  # the outbox keeps what the commands appended: the test counts it
    )
    app = create_write_service_app(settings, COUNTERS)
    # The lifespan configures structlog for JSON; capturing restores the test run's config after.
    with capture_logs():
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"
            ) as client,
        ):
            yield app, client


def ready_with(
    client: httpx.AsyncClient, kafka: Callable[[str], bool]
) -> Callable[[], Awaitable[bool]]:
    """Whether `/readyz` is a 200 whose other checks are ok and whose Kafka outcome fits."""

    async def check() -> bool:
        response = await client.get("/readyz")
        if response.status_code != 200:
            return False
        body = response.json()
        checks = dict(body["checks"])
        return (
            body["status"] == "ready"
            and kafka(checks.pop("kafka"))
            and checks == {"database": "ok", "erasure-ledger": "ok"}
        )

    return check


async def outbox_size(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM outbox")) or 0)


async def test_a_write_service_stays_ready_and_accepts_commands_while_kafka_is_down(
    service: tuple[FastAPI, httpx.AsyncClient], broker: Broker
) -> None:
    app, client = service
    token = issue_dev_token(SECRET, sub="u-1", tenant="acme", roles=["pmo"])
    auth = {"Authorization": f"Bearer {token}"}
    await eventually(ready_with(client, lambda kafka: kafka == "ok"), what="ready")

    broker.run("kill")
    await eventually(
        ready_with(client, lambda kafka: kafka.startswith("degraded: ")),
        timeout=30,
        what="ready with Kafka degraded",
    )
    counter = uuid.uuid4()
    answers = [(await client.post(f"/v1/counters/{counter}", headers=auth)) for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[-1].json() == {"total": 3}
    assert await outbox_size(app.state.engine) == 3
    assert (await client.get("/readyz")).status_code == 200
