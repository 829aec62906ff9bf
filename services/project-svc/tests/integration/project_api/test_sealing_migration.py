"""Migration 0005 seals what a store kept in plain text before personal data was sealed: every
event's personal fields and actor, and the project list's manager; the events keep their ids,
versions and positions and read back exactly as they were, now erasable."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.eventstore import store
from pmo_shared.privacy.crypto import MasterKey
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.testing import required_env

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[3]
KEY = base64.b64encode(os.urandom(32)).decode()
PROJECT = uuid.uuid4()
PLAIN_EVENTS = [
    (
        "ProjectProposed",
        1,
        "paula",
        {
            "project_id": str(PROJECT),
            "code": "OLD-1",
            "name": "Old",
            "description": "",
            "manager": "ann.old",
            "sponsor": "bea.old",
            "methodology": "agile",
            "currency": "EUR",
            "flagged_large": False,
        },
    ),
    ("ProjectApproved", 1, "pmo-pat", {"approved_by": "pmo-pat"}),  # v1: upcast on read
    (
        "RiskRaised",
        1,
        "ann.old",
        {
            "risk_id": str(uuid.uuid4()),
            "title": "Vendor",
            "probability": "0.5",
            "impact": "10",
            "owner": "cid.old",
        },
    ),
]


def _alembic(schema: str, target: str, **env: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(SERVICE / "alembic.ini"), "upgrade", target],
        env={**os.environ, "DB_SCHEMA": schema, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture
async def old_store() -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A project-svc store at migration 0004 holding plain events and a plain list row."""
    url = required_env("DATABASE_URL")
    name = f"t_seal_{uuid.uuid4().hex[:10]}"
    admin = create_engine_for(url, schema="public", pool_size=1)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {name}"))
    _alembic(name, "0004")
    engine = create_engine_for(url, schema=name, pool_size=2)
    async with engine.begin() as conn:
        for version, (kind, schema_version, actor, payload) in enumerate(PLAIN_EVENTS, 1):
            await conn.execute(
                text(
                    "INSERT INTO events (event_id, stream_type, stream_id, stream_version, "
                    "event_type, schema_version, occurred_at, tenant_id, actor, correlation_id, "
                    "payload) VALUES (:id, 'project', :s, :v, :t, :sv, now(), 'acme', :a, 'c', "
                    "CAST(:p AS jsonb))"
                ),
                {
                    "id": uuid.uuid4(),
                    "s": PROJECT,
                    "v": version,
                    "t": kind,
                    "sv": schema_version,
                    "a": actor,
                    "p": json.dumps(payload),
                },
            )
        await conn.execute(
            text(
                "INSERT INTO projects (project_id, seq, tenant_id, code, name, status, manager, "
                "large, currency, version, updated_at) VALUES (:p, 1, 'acme', 'OLD-1', 'Old', "
                "'approved', 'ann.old', false, 'EUR', 3, now())"
            ),
            {"p": PROJECT},
        )
    try:
        yield name, engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        await admin.dispose()


async def test_the_migration_seals_stored_history_and_it_reads_as_before(
    old_store: tuple[str, AsyncEngine],
) -> None:
    name, engine = old_store
    async with engine.connect() as conn:
        before = (await conn.execute(text("SELECT position, event_id FROM events"))).all()

    _alembic(name, "head", PERSONAL_DATA_MASTER_KEY=KEY)

    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT position, event_id, actor, payload::text AS p FROM events")
            )
        ).all()
        listed = (await conn.execute(text("SELECT manager FROM projects"))).scalar_one()
        keys = KeyStore(engine, MasterKey(KEY))
        read = await store.read_stream(conn, stream_id=PROJECT, tenant_id="acme", keys=keys)
        ann = await keys.lookup(conn, "acme", "ann.old")
    stored = " ".join(f"{r.actor} {r.p}" for r in rows) + listed
    for person in ("paula", "pmo-pat", "ann.old", "bea.old", "cid.old"):
        assert person not in stored
    assert [(r.position, r.event_id) for r in rows] == [tuple(b) for b in before]
    assert listed == str(ann)
    plain = [(r.envelope.actor, r.envelope.payload) for r in read]
    assert plain == [(actor, payload) for _, _, actor, payload in PLAIN_EVENTS]


async def test_the_migration_refuses_without_the_master_key(
    old_store: tuple[str, AsyncEngine],
) -> None:
    name, _ = old_store
    env = {k: v for k, v in os.environ.items() if k != "PERSONAL_DATA_MASTER_KEY"}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(SERVICE / "alembic.ini"), "upgrade", "head"],
        env={**env, "DB_SCHEMA": name},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "PERSONAL_DATA_MASTER_KEY must be set" in done.stdout + done.stderr
