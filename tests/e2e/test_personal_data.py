"""Personal data end to end, on the test stack's real PostgreSQL and Kafka: a person's user id
is in no plain copy (event table, outbox, the broker's log segments, a pg_dump); one erasure
covers every service; reports and a full rebuild then show `[erased]`; a restore of a dump made
before the erasure keeps the person erased."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pmo_shared.testing import TokenFor, required_env

from .steps import as_user, command, new_project, poll
from .test_project_reports import started_project
from .test_projections import operator_client

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ERASED = "[erased]"


def _person(label: str) -> str:
    return f"zz.{label}.{uuid.uuid4().hex[:12]}@example.org"


@pytest.fixture
async def officer(
    reporting_url: str, token_for: TokenFor, tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The tenant's PMO, talking to reporting-svc (which fans an erasure out)."""
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    async with httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=60) as client:
        yield client


async def _everyone_named(projects: httpx.AsyncClient, person: str, other: str) -> str:
    """A large running project whose manager, a risk owner, the office lead and a staff member
    are `person` (and `person` records a lesson); `other` is its sponsor."""
    project_id = await started_project(projects, manager=person, sponsor=other, flagged_large=True)
    p = f"/v1/projects/{project_id}"
    await command(
        projects,
        f"{p}/risks",
        {
            "title": "Vendor",
            "probability": "0.2",
            "impact": "1000",
            "owner": person,
        },
    )
    await command(projects, f"{p}/office", {"lead": person, "reporting_cadence_days": 7})
    await command(projects, f"{p}/office/staff", {"user_id": person, "role": "analyst"})
    lesson = {"category": "vendors", "what_happened": "late", "recommendation": "earlier"}
    learned = await projects.post(
        f"{p}/lessons", json=lesson, headers=as_user(projects, person, "project_manager")
    )
    assert learned.is_success, learned.text
    return project_id


@asynccontextmanager
async def _programs(projects: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of program-svc with the same token as `projects`."""
    headers = {"Authorization": projects.headers["Authorization"]}
    async with httpx.AsyncClient(
        base_url=required_env("PROGRAM_URL"), headers=headers, timeout=30
    ) as client:
        yield client


async def _program_managed_by(projects: httpx.AsyncClient, person: str, sponsor: str) -> str:
    """A program in program-svc whose manager is `person`."""
    body = {
        "code": f"PRG-{uuid.uuid4().hex[:8]}",
        "name": "Payroll improvement",
        "area": "the Payroll application",
        "description": "",
        "manager": person,
        "sponsor": sponsor,
        "currency": "EUR",
    }
    async with _programs(projects) as programs:
        created = await programs.post("/v1/programs", json=body)
    assert created.status_code == 201, created.text
    program_id: str = created.json()["program_id"]
    return program_id


def _psql(sql: str) -> str:
    return subprocess.run(
        [
            _pg_bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            required_env("PG_PORT"),
            "-U",
            "postgres",
            "-d",
            "pmo",
            "-Atc",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


def _pg_bin(tool: str) -> str:
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / tool).exists():
            return str(d / tool)
    return tool


def _kafka_segments() -> list[Path]:
    """The broker's record files. Its offset and time indexes hold no record bytes (and are
    preallocated at 10 MB each per partition: read whole, the indexes of a suite's many test
    topics come to gigabytes)."""
    data = Path(required_env("KAFKA_DIR")) / "data"
    return sorted(p for p in data.rglob("*") if p.is_file() and p.suffix in {".log", ".snapshot"})


def _in_any(segments: list[Path], needle: bytes) -> bool:
    """Whether `needle` is in one of the files (a record never spans two), read one at a time."""
    return any(needle in path.read_bytes() for path in segments)


async def _published(projects: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 30
    while int(_psql("SELECT count(*) FROM project.outbox").strip()) > 0:
        assert time.monotonic() < deadline, "the relay did not drain the outbox"
        await asyncio.sleep(0.05)


async def test_a_persons_user_id_is_in_no_plain_copy(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient
) -> None:
    person, other = _person("plain"), _person("sponsor")
    project_id = await _everyone_named(projects, person, other)
    code = (await projects.get(f"/v1/projects/{project_id}")).json()["code"]
    # reporting has consumed it all, so it went through the outbox onto Kafka
    await poll(
        reports,
        "/v1/reports/project-offices/" + project_id,
        lambda r: r.status_code == 200 and r.json().get("staff_count", 0) >= 1,
    )
    await _published(projects)

    stored = _psql(
        "SELECT string_agg(actor || payload::text || subject_refs::text, '') FROM project.events"
    )
    assert code in stored  # the scan reads the rows
    assert person not in stored
    assert other not in stored
    queued = _psql("SELECT count(*) FROM project.outbox o JOIN project.events e USING (position)")
    assert queued.strip() == "0"

    segments = _kafka_segments()
    assert _in_any(segments, code.encode()), "the broker's segments were read"
    assert not _in_any(segments, person.encode())
    assert not _in_any(segments, other.encode())

    dump = subprocess.run(
        [
            _pg_bin("pg_dump"),
            "-h",
            "127.0.0.1",
            "-p",
            required_env("PG_PORT"),
            "-U",
            "postgres",
            "pmo",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    assert code.encode() in dump
    assert person.encode() not in dump
    assert other.encode() not in dump

    # ...and yet every reader that may see them does
    shown = (await projects.get(f"/v1/projects/{project_id}")).json()
    assert (shown["manager"], shown["sponsor"]) == (person, other)
    listed = (await reports.get("/v1/reports/projects", params={"manager": person})).json()
    assert [i["project_id"] for i in listed["items"]] == [project_id]
    assert listed["items"][0]["manager"] == person


async def test_one_erasure_covers_every_service_and_every_rebuild(
    projects: httpx.AsyncClient,
    reports: httpx.AsyncClient,
    officer: httpx.AsyncClient,
    reporting_url: str,
    token_for: TokenFor,
) -> None:
    person, other = _person("erase"), _person("keep")
    project_id = await _everyone_named(projects, person, other)
    program_id = await _program_managed_by(projects, person, other)
    office_url = f"/v1/reports/project-offices/{project_id}"
    await poll(reports, office_url, lambda r: r.status_code == 200 and r.json()["lead"] == person)
    before = (await projects.get(f"/v1/projects/{project_id}/events")).json()

    erased = await officer.post(f"/v1/data-subjects/{person}/erase")
    assert erased.status_code == 200, erased.text
    results = {s["service"]: s for s in erased.json()["services"]}
    assert results["project-svc"]["result"]["held"] is True
    assert results["project-svc"]["result"]["streams_marked"] == 2  # the project, its office
    assert results["program-svc"]["result"]["held"] is True  # one request, every service
    assert results["program-svc"]["result"]["streams_marked"] == 1
    async with _programs(projects) as programs:
        shown_program = (await programs.get(f"/v1/programs/{program_id}")).json()
    assert (shown_program["manager"], shown_program["sponsor"]) == (ERASED, other)

    shown = (await projects.get(f"/v1/projects/{project_id}")).json()
    assert (shown["manager"], shown["sponsor"]) == (ERASED, other)
    history = (await projects.get(f"/v1/projects/{project_id}/events")).json()
    assert len(history) == len(before) + 1
    assert history[-1]["event_type"] == "PersonalDataErased"
    assert person not in str(history)
    assert other in str(history)
    office = (await projects.get(f"/v1/projects/{project_id}/office")).json()
    assert office["lead"] == ERASED
    assert (await projects.get("/v1/projects", params={"manager": person})).json()["items"] == []

    await poll(reports, office_url, lambda r: r.json()["lead"] == ERASED)
    listed = (await reports.get("/v1/reports/projects", params={"manager": person})).json()
    assert listed["items"] == []
    row = next(
        i
        for i in (await reports.get("/v1/reports/projects", params={"limit": "200"})).json()[
            "items"
        ]
        if i["project_id"] == project_id
    )
    assert row["manager"] == ERASED

    async with operator_client(reporting_url, token_for) as admin:
        old = max(
            g["generation"] for g in (await admin.get("/v1/projections")).json()[0]["generations"]
        )
        started = await admin.post("/v1/projections/project-reports/rebuild")
        assert started.status_code == 202, started.text
        await poll(
            admin,
            "/v1/projections",
            lambda r: any(
                g["status"] == "live" and g["generation"] > old for g in r.json()[0]["generations"]
            ),
            timeout=120,
        )
    rebuilt = (await reports.get(office_url)).json()
    assert rebuilt["lead"] == ERASED
    assert (await reports.get(f"/v1/reports/projects/{project_id}/metrics")).status_code == 200

    again = await officer.post(f"/v1/data-subjects/{person}/erase")
    assert again.status_code == 200
    assert {s["service"]: s["result"]["held"] for s in again.json()["services"]} == {
        "project-svc": False,
        "program-svc": False,
        "portfolio-svc": False,
    }
    exported = await officer.get(f"/v1/data-subjects/{other}")
    assert exported.status_code == 200, exported.text
    mine = next(s for s in exported.json()["services"] if s["service"] == "project-svc")["result"]
    assert mine["held"] is True
    assert any("sponsor" in e["fields"] for e in mine["events"])
    assert person not in exported.text


async def test_a_restored_dump_made_before_an_erasure_keeps_the_person_erased(
    projects: httpx.AsyncClient, officer: httpx.AsyncClient
) -> None:
    person = _person("restore")
    project_id = await new_project(projects, manager=person)
    await _published(projects)
    dump = Path(required_env("PMO_DATA_DIR")) / f"project-{uuid.uuid4().hex[:8]}.dump"
    subprocess.run(
        [
            _pg_bin("pg_dump"),
            "-h",
            "127.0.0.1",
            "-p",
            required_env("PG_PORT"),
            "-U",
            "postgres",
            "-Fc",
            "-n",
            "project",
            "-f",
            str(dump),
            "pmo",
        ],
        check=True,
        timeout=120,
    )
    try:
        erased = await officer.post(f"/v1/data-subjects/{person}/erase")
        assert erased.status_code == 200, erased.text
        await _published(projects)

        await asyncio.to_thread(_restore_project_schema, dump)
    finally:
        dump.unlink(missing_ok=True)

    shown = (await projects.get(f"/v1/projects/{project_id}")).json()
    assert shown["manager"] == ERASED
    held = next(s for s in erased.json()["services"] if s["service"] == "project-svc")
    ref = uuid.UUID(held["result"]["subject_ref"])  # a UUID, no SQL
    audit = _psql(
        "SELECT payload->>'reapplied' FROM project.events "  # noqa: S608
        f"WHERE event_type = 'DataSubjectErased' AND stream_id = '{ref}' ORDER BY position"
    ).split()
    assert audit == ["true"]  # the restored store had none: the ledger re-applied it


def _restore_project_schema(dump: Path) -> None:
    """Stop project-svc, restore its schema from `dump`, start it again (until ready)."""
    data = Path(required_env("PMO_DATA_DIR"))
    pid = int((data / "run" / "project-svc.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _alive(pid):
        assert time.monotonic() < deadline, "project-svc did not stop"
        time.sleep(0.1)
    subprocess.run(
        [
            _pg_bin("pg_restore"),
            "-h",
            "127.0.0.1",
            "-p",
            required_env("PG_PORT"),
            "-U",
            "postgres",
            "-d",
            "pmo",
            "--clean",
            "--if-exists",
            "-n",
            "project",
            str(dump),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [str(REPO / "deploy" / "local" / "stack.sh"), "up", required_env("PMO_STACK_PROFILE")],
        check=True,
        capture_output=True,
        timeout=180,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
