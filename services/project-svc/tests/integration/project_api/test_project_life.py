"""A project's whole life through the running service, each event on Kafka."""

from __future__ import annotations

import httpx
import pytest

from pmo_shared.messaging import cloudevents

from .conftest import EventLog
from .flows import BASELINE, post, propose

pytestmark = pytest.mark.integration


async def test_full_life_with_project_office_reaches_kafka(
    api: httpx.AsyncClient, project_events: EventLog, tenant: str
) -> None:
    project_id = (await propose(api))["project_id"]
    p = f"/v1/projects/{project_id}"
    await post(api, f"{p}/baseline", BASELINE)
    await post(api, f"{p}/approve")
    await post(api, f"{p}/start", {"actual_start": "2026-02-01"})
    office = await post(api, f"{p}/office", {"lead": "po-lead", "reporting_cadence_days": 14})
    await post(api, f"{p}/office/staff", {"user_id": "analyst-1", "role": "analyst"})
    await post(
        api,
        f"{p}/office/reports",
        {
            "kind": "financial",
            "period_end": "2026-03-01",
            "summary": "on budget",
            "metrics": {"cpi": "1.01"},
        },
    )
    await post(
        api,
        f"{p}/office/documents",
        {"title": "Charter", "kind": "charter", "link": "https://docs.example/c"},
    )
    await post(api, f"{p}/progress", {"percent_complete": "40", "as_of": "2026-03-01"})
    await post(
        api,
        f"{p}/costs",
        {"amount": "120000.50", "incurred_on": "2026-03-01", "category": "labour"},
    )
    milestone = await post(api, f"{p}/milestones", {"name": "Design", "due_date": "2026-03-15"})
    await post(api, f"{p}/milestones/{milestone['id']}/achieve", {"achieved_on": "2026-03-10"})
    risk = await post(
        api,
        f"{p}/risks",
        {"title": "Vendor late", "probability": "0.3", "impact": "50000", "owner": "pm-ann"},
    )
    await post(api, f"{p}/risks/{risk['id']}/close", {"resolution": "second vendor"})
    await post(
        api,
        f"{p}/status-reports",
        {"schedule": "green", "cost": "amber", "scope": "green", "summary": "fine"},
    )
    # Dated, as the back-dated completion must not precede them.
    await post(api, f"{p}/hold", {"reason": "vendor", "effective_on": "2026-04-01"})
    await post(api, f"{p}/resume", {"effective_on": "2026-05-01"})
    await post(api, f"{p}/complete", {"actual_finish": "2026-06-01"})
    await post(
        api,
        f"{p}/lessons",
        {"category": "vendors", "what_happened": "late", "recommendation": "dual source"},
    )
    closed = await post(api, f"{p}/close")

    assert closed["status"] == "closed"
    assert closed["actual_cost"] == "120000.50"
    office_now = (await api.get(f"{p}/office")).json()
    assert office_now["state"] == "disbanded"
    assert office_now["disbanded_automatically"] is True

    expected = [
        "ProjectProposed",
        "ProjectBaselined",
        "ProjectApproved",
        "ProjectStarted",
        "ProgressReported",
        "CostRecorded",
        "MilestoneAdded",
        "MilestoneAchieved",
        "RiskRaised",
        "RiskClosed",
        "StatusReportSubmitted",
        "ProjectPutOnHold",
        "ProjectResumed",
        "ProjectCompleted",
        "LessonLearned",
        "ProjectClosed",
    ]
    everything = await project_events.wait_for(project_id, len(expected) + 5)
    types = [dict(m.headers)["ce_type"].decode() for m in everything]
    messages = [m for m in everything if dict(m.headers)["ce_streamtype"] == b"project"]
    assert [dict(m.headers)["ce_type"].decode() for m in messages] == expected
    for version, message in enumerate(messages, start=1):
        envelope = cloudevents.decode(message.value, message.headers)
        assert message.key == project_id.encode()
        assert envelope.stream_version == version
        assert envelope.tenant_id == tenant
        assert dict(message.headers)["ce_source"] == b"/pmo/project"
        assert dict(message.headers)["content-type"] == b"application/json"
    # The office's events travel under its project's key, in one order with the project's.
    office_messages = [m for m in everything if m not in messages]
    assert all(m.key == project_id.encode() for m in office_messages)
    assert not project_events.by_key[office["office_id"].encode()]
    assert types.index("ProjectOfficeDisbanded") == types.index("ProjectCompleted") + 1
    assert [dict(m.headers)["ce_type"].decode() for m in office_messages] == [
        "ProjectOfficeEstablished",
        "OfficeStaffAssigned",
        "OfficeReportPublished",
        "OfficeDocumentFiled",
        "ProjectOfficeDisbanded",
    ]

    trail = (await api.get(f"{p}/events")).json()
    assert [e["event_type"] for e in trail] == expected


async def test_known_at_shows_the_project_as_it_was_known(api: httpx.AsyncClient) -> None:
    project_id = (await propose(api))["project_id"]
    p = f"/v1/projects/{project_id}"
    await post(api, f"{p}/baseline", BASELINE)
    events = (await api.get(f"{p}/events")).json()
    between = events[0]["occurred_at"]
    await post(api, f"{p}/approve")

    then = await api.get(p, params={"known_at": between})
    now = await api.get(p)

    assert then.json()["status"] == "proposed"
    assert then.json()["baseline"] is None
    assert now.json()["status"] == "approved"
    assert (await api.get(p, params={"known_at": "2000-01-01T00:00:00Z"})).status_code == 404


async def test_as_of_is_refused_naming_known_at(api: httpx.AsyncClient) -> None:
    project_id = (await propose(api))["project_id"]

    refused = await api.get(f"/v1/projects/{project_id}", params={"as_of": "2026-01-01T00:00Z"})

    assert refused.status_code == 400
    assert refused.json()["type"].endswith("/renamed-parameter")
    assert "known_at" in refused.json()["detail"]


async def test_known_at_needs_its_offset(api: httpx.AsyncClient) -> None:
    project_id = (await propose(api))["project_id"]

    naive = await api.get(f"/v1/projects/{project_id}", params={"known_at": "2026-01-01T00:00"})

    assert naive.status_code == 422


async def test_list_filters_and_cursor_pagination(api: httpx.AsyncClient) -> None:
    ids = [(await propose(api, manager=f"pm-{i % 2}"))["project_id"] for i in range(5)]
    await post(api, f"/v1/projects/{ids[0]}/cancel", {"reason": "dropped"})

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/projects", params=params)).json()
        seen += [item["project_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids

    by_manager = (await api.get("/v1/projects", params={"manager": "pm-1"})).json()["items"]
    assert [i["project_id"] for i in by_manager] == [ids[1], ids[3]]
    cancelled = (await api.get("/v1/projects", params={"status": "cancelled"})).json()["items"]
    assert [i["project_id"] for i in cancelled] == [ids[0]]
    assert (await api.get("/v1/projects", params={"large": "true"})).json()["items"] == []
    bad = await api.get("/v1/projects", params={"cursor": "nonsense!"})
    assert bad.status_code == 400
