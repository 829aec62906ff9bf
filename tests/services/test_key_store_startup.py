"""A write service refuses to start when its key store does not fit its events: lost (events
name subjects the store lacks) or wrapped by another master key. Starting would show every
person as erased when nobody was; a clear startup error is the only safe answer."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import EventMetadata
from pmo_shared.eventstore import store
from pmo_shared.eventstore.ddl import CONSUMER_DDL, EVENT_STORE_DDL
from pmo_shared.privacy.crypto import MasterKey
from pmo_shared.privacy.keystore import KeyStore, KeyStoreError
from pmo_shared.testing import required_env
from project_svc.api.app import create_app
from project_svc.domain.events import ProjectProposed
from project_svc.settings import ProjectSettings

pytestmark = pytest.mark.integration

KEY = base64.b64encode(os.urandom(32)).decode()
OTHER_KEY = base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
async def schema() -> AsyncIterator[tuple[str, AsyncEngine]]:
    url = required_env("DATABASE_URL")
    name = f"t_keys_{uuid.uuid4().hex[:10]}"
    admin = create_engine_for(url, schema="public", pool_size=1)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {name}"))
    engine = create_engine_for(url, schema=name, pool_size=2)
    async with engine.begin() as conn:
        for statement in (*EVENT_STORE_DDL, *CONSUMER_DDL):
            await conn.execute(text(statement))
    try:
        yield name, engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        await admin.dispose()


async def _one_sealed_event(engine: AsyncEngine) -> None:
    keys = KeyStore(engine, MasterKey(KEY))
    event = ProjectProposed(
        project_id=uuid.uuid4(),
        code="KS-1",
        name="Key store",
        description="",
        manager="ann",
        sponsor="bea",
        methodology="agile",
        currency="EUR",
        flagged_large=False,
    )
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="project",
            stream_id=event.project_id,
            expected_version=0,
            events=[event],
            metadata=EventMetadata(tenant_id="acme", actor="cid", correlation_id="c"),
            keys=keys,
        )


async def _start(schema_name: str, master_key: str) -> None:
    settings = ProjectSettings(
        environment="test",
        database_url=required_env("DATABASE_URL"),
        db_schema=schema_name,
        kafka_bootstrap_servers=required_env("KAFKA_BOOTSTRAP_SERVERS"),
        jwt_secret="key-store-startup-secret-of-at-least-32-chars",
        personal_data_master_key=master_key,
        run_relay=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass


async def test_a_store_that_fits_starts(schema: tuple[str, AsyncEngine]) -> None:
    name, engine = schema
    await _one_sealed_event(engine)
    await _start(name, KEY)


async def test_a_lost_key_store_is_a_startup_error(schema: tuple[str, AsyncEngine]) -> None:
    name, engine = schema
    await _one_sealed_event(engine)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM data_subjects"))  # e.g. restored apart from events

    with pytest.raises(KeyStoreError, match="lost or restored apart from the events"):
        await _start(name, KEY)


async def test_another_master_key_is_a_startup_error(schema: tuple[str, AsyncEngine]) -> None:
    name, engine = schema
    await _one_sealed_event(engine)

    with pytest.raises(KeyStoreError, match="wrapped by master key"):
        await _start(name, OTHER_KEY)


async def test_the_service_process_exits_non_zero_and_says_why(
    schema: tuple[str, AsyncEngine],
) -> None:
    name, engine = schema
    await _one_sealed_event(engine)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM data_subjects"))
    env = {
        **os.environ,
        "DB_SCHEMA": name,
        "PORT": "18998",
        "WEB_CONCURRENCY": "2",
        "RUN_RELAY": "false",
        "PERSONAL_DATA_MASTER_KEY": KEY,
        "JWT_SECRET": "key-store-startup-secret-of-at-least-32-chars",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "project_svc"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert "key store was lost" in done.stdout + done.stderr
