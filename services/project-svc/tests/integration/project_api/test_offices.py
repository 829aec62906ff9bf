"""Which office a project's office routes address, and ids of one kind of stream used as another."""

from __future__ import annotations

import httpx
import pytest

from pmo_shared.testing import TokenFor

from .flows import active_large_project, post

pytestmark = pytest.mark.integration


async def test_the_office_shown_is_the_live_one_else_the_one_disbanded_last(
    api: httpx.AsyncClient,
) -> None:
    p = f"/v1/projects/{await active_large_project(api, flagged_large=True)}"
    first = await post(api, f"{p}/office", {"lead": "lead-a", "reporting_cadence_days": 7})
    await post(api, f"{p}/office/disband", {"reason": "reorganised"})
    second = await post(api, f"{p}/office", {"lead": "lead-b", "reporting_cadence_days": 7})
    assert (await api.get(f"{p}/office")).json()["office_id"] == second["office_id"]
    for analyst in ("an-1", "an-2", "an-3"):  # the later office reaches the higher version
        await post(api, f"{p}/office/staff", {"user_id": analyst, "role": "analyst"})

    await post(api, f"{p}/office/disband", {"reason": "no longer needed"})

    shown = (await api.get(f"{p}/office")).json()
    assert shown["office_id"] == second["office_id"] != first["office_id"]
    assert shown["state"] == "disbanded"


async def test_an_office_id_is_no_project(api: httpx.AsyncClient) -> None:
    p = f"/v1/projects/{await active_large_project(api, flagged_large=True)}"
    office = await post(api, f"{p}/office", {"lead": "lead-a", "reporting_cadence_days": 7})
    as_project = f"/v1/projects/{office['office_id']}"

    read = await api.get(as_project)
    history = await api.get(f"{as_project}/events")
    command = await api.post(f"{as_project}/hold", json={"reason": "x"})

    assert [read.status_code, history.status_code, command.status_code] == [404, 404, 404]
    assert read.headers["content-type"] == "application/problem+json"


async def test_the_office_audit_trail_is_the_latest_offices_events(
    api: httpx.AsyncClient, token_for: TokenFor, tenant: str, project_url: str
) -> None:
    p = f"/v1/projects/{await active_large_project(api, flagged_large=True)}"
    assert (await api.get(f"{p}/office/events")).status_code == 404  # no office yet
    first = await post(api, f"{p}/office", {"lead": "lead-a", "reporting_cadence_days": 7})
    await post(api, f"{p}/office/staff", {"user_id": "an-1", "role": "analyst"})
    await post(api, f"{p}/office/disband", {"reason": "reorganised"})

    trail = (await api.get(f"{p}/office/events")).json()

    assert [(e["event_type"], e["stream_version"]) for e in trail] == [
        ("ProjectOfficeEstablished", 1),
        ("OfficeStaffAssigned", 2),
        ("ProjectOfficeDisbanded", 3),
    ]
    assert {e["stream_id"] for e in trail} == {first["office_id"]}
    second = await post(api, f"{p}/office", {"lead": "lead-b", "reporting_cadence_days": 7})
    latest = (await api.get(f"{p}/office/events")).json()
    assert [(e["event_type"], e["stream_id"]) for e in latest] == [
        ("ProjectOfficeEstablished", second["office_id"])
    ]
    other = {"Authorization": f"Bearer {token_for(f'{tenant}-other', 'pmo')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=other) as outsider:
        assert (await outsider.get(f"{p}/office/events")).status_code == 404
