"""Risks through the running service: the day a risk was raised, the day it was closed and how
it ended, in the commands, the project read and the stored events (v2); bad dates and outcomes
are precise 422 problems."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from .flows import BASELINE, post, propose

pytestmark = pytest.mark.integration

RISK = {"title": "Vendor late", "probability": "0.3", "impact": "50000", "owner": "pm-ann"}
SOON = (date.today() + timedelta(days=2)).isoformat()
"""A day after the tenant's today in any time zone."""


async def _went_ahead(api: httpx.AsyncClient) -> str:
    """A project approved on 2026-01-10 and started on 2026-01-12: its path."""
    project_id = (await propose(api))["project_id"]
    p = f"/v1/projects/{project_id}"
    await post(api, f"{p}/baseline", {**BASELINE, "effective_on": "2026-01-01"})
    await post(api, f"{p}/approve", {"effective_on": "2026-01-10"})
    await post(api, f"{p}/start", {"actual_start": "2026-01-12"})
    return p


def _risk(read: dict[str, Any], risk_id: str) -> dict[str, Any]:
    (risk,) = [r for r in read["risks"] if r["risk_id"] == risk_id]
    return risk


def _problem(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def test_a_risk_keeps_its_days_and_outcome(api: httpx.AsyncClient) -> None:
    p = await _went_ahead(api)

    risk = await post(api, f"{p}/risks", {**RISK, "raised_on": "2026-02-01"})
    opened = _risk((await api.get(p)).json(), risk["id"])
    closed = await post(
        api,
        f"{p}/risks/{risk['id']}/close",
        {"resolution": "it happened", "outcome": "materialised", "closed_on": "2026-03-02"},
    )

    assert {k: opened[k] for k in ("raised_on", "open", "closed_on", "outcome")} == {
        "raised_on": "2026-02-01",
        "open": True,
        "closed_on": None,
        "outcome": None,
    }
    assert {k: _risk(closed, risk["id"])[k] for k in ("open", "closed_on", "outcome")} == {
        "open": False,
        "closed_on": "2026-03-02",
        "outcome": "materialised",
    }
    events = (await api.get(f"{p}/events")).json()
    stored = {e["event_type"]: e for e in events if e["event_type"].startswith("Risk")}
    assert (stored["RiskRaised"]["schema_version"], stored["RiskClosed"]["schema_version"]) == (
        2,
        2,
    )
    assert stored["RiskRaised"]["payload"]["raised_on"] == "2026-02-01"
    closure = stored["RiskClosed"]["payload"]
    assert (closure["closed_on"], closure["outcome"]) == ("2026-03-02", "materialised")


async def test_a_risk_left_undated_is_today_and_its_outcome_unrecorded(
    api: httpx.AsyncClient,
) -> None:
    p = await _went_ahead(api)
    risk = await post(api, f"{p}/risks", RISK)

    closed = await post(api, f"{p}/risks/{risk['id']}/close", {"resolution": "went away"})

    read = _risk(closed, risk["id"])
    assert read["outcome"] == "unrecorded"
    assert read["raised_on"] == read["closed_on"]
    assert abs(date.fromisoformat(read["raised_on"]) - date.today()) <= timedelta(days=1)


async def test_closing_a_risk_before_it_was_raised_is_422(api: httpx.AsyncClient) -> None:
    p = await _went_ahead(api)
    risk = await post(api, f"{p}/risks", {**RISK, "raised_on": "2026-02-01"})

    refused = await api.post(
        f"{p}/risks/{risk['id']}/close", json={"resolution": "x", "closed_on": "2026-01-31"}
    )

    detail = _problem(refused)["detail"]
    assert "2026-01-31 is before 2026-02-01, when the risk was raised" in detail
    assert _risk((await api.get(p)).json(), risk["id"])["open"] is True


@pytest.mark.parametrize(
    ("raised_on", "refusal"),
    [
        (SOON, "is in the future"),
        ("2026-01-09", "before 2026-01-10, when the project went ahead"),
    ],
)
async def test_a_risk_is_not_raised_in_the_future_nor_before_the_project_went_ahead(
    api: httpx.AsyncClient, raised_on: str, refusal: str
) -> None:
    p = await _went_ahead(api)

    refused = await api.post(f"{p}/risks", json={**RISK, "raised_on": raised_on})

    assert refusal in _problem(refused)["detail"]
    assert (await api.get(p)).json()["risks"] == []


async def test_a_risk_is_not_closed_in_the_future(api: httpx.AsyncClient) -> None:
    p = await _went_ahead(api)
    risk = await post(api, f"{p}/risks", RISK)

    refused = await api.post(
        f"{p}/risks/{risk['id']}/close", json={"resolution": "x", "closed_on": SOON}
    )

    assert "is in the future" in _problem(refused)["detail"]


async def test_a_proposed_projects_risk_may_be_back_dated(api: httpx.AsyncClient) -> None:
    project_id = (await propose(api))["project_id"]
    p = f"/v1/projects/{project_id}"

    risk = await post(api, f"{p}/risks", {**RISK, "raised_on": "2019-05-02"})

    assert _risk((await api.get(p)).json(), risk["id"])["raised_on"] == "2019-05-02"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("risks", {**RISK, "raised_on": "2026-02-30"}, "raised_on"),
        ("risks", {**RISK, "raised_on": "yesterday"}, "raised_on"),
        ("risks", {**RISK, "raised_on": "0001-01-01"}, "raised_on"),
        ("close", {"resolution": "x", "outcome": "happened"}, "outcome"),
        ("close", {"resolution": "x", "outcome": None}, "outcome"),
        ("close", {"resolution": "x", "closed_on": "2026-13-01"}, "closed_on"),
    ],
)
async def test_malformed_risk_dates_and_outcomes_are_422_naming_the_field(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    project_id = (await propose(api))["project_id"]
    p = f"/v1/projects/{project_id}"
    if path == "close":
        path = f"risks/{(await post(api, f'{p}/risks', RISK))['id']}/close"

    response = await api.post(f"{p}/{path}", json=body)

    assert [e["loc"][-1] for e in _problem(response)["errors"]] == [field]
