"""The PMO's verdicts on suggested lessons on the running service: a verdict may begin the
tenant's PMO stream (GET /v1/pmo/standards stays a 404 until a set is in force), a later one on
the same project and lesson replaces it from its date, the PMO alone judges, an Idempotency-Key
records once, and bad input is a precise problem."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .portfolio_flows import STANDARDS, as_user, put

pytestmark = pytest.mark.integration
PATH = "/v1/pmo/lesson-verdicts"


def verdict(**fields: Any) -> dict[str, Any]:
    return {"project_id": str(uuid.uuid4()), "lesson_id": str(uuid.uuid4()), **fields}


async def test_a_verdict_before_any_standards_keeps_them_a_404(api: httpx.AsyncClient) -> None:
    body = verdict(useful=True, note="the vendor checklist saved a month", judged_on="2026-03-01")

    judged = await api.post(PATH, json=body)
    standards = await api.get("/v1/pmo/standards")
    history = await api.get("/v1/pmo/standards/history")

    assert judged.status_code == 201, judged.text
    assert judged.headers["etag"] == '"1"'
    assert judged.json() == {
        **body,
        "version": 1,
        "judged_by": "pmo-carol",
        "replaces": None,
    }
    assert standards.status_code == 404, standards.text
    assert standards.headers["content-type"] == "application/problem+json"
    assert history.json() == {"items": []}
    first_set = await put(api, "/v1/pmo/standards", {**STANDARDS, "effective_on": "2026-02-01"})
    assert first_set["version"] == 2
    assert (await api.get("/v1/pmo/standards")).json()["version"] == 2


async def test_a_later_verdict_replaces_the_earlier_from_its_date(api: httpx.AsyncClient) -> None:
    first = verdict(useful=True, judged_on="2026-03-01")
    await api.post(PATH, json=first)

    later = await api.post(PATH, json={**first, "useful": False, "judged_on": "2026-04-01"})
    backdated = await api.post(PATH, json={**first, "judged_on": "2026-03-15"})

    assert later.status_code == 201, later.text
    assert (later.json()["useful"], later.json()["note"], later.json()["replaces"]) == (
        False,
        "",
        "2026-03-01",
    )
    assert backdated.status_code == 422, backdated.text
    assert backdated.json()["earliest"] == "2026-04-01"


async def test_only_the_pmo_judges(api: httpx.AsyncClient) -> None:
    for who in ("portfolio_manager", "viewer", "project_manager", "program_manager"):
        refused = await api.post(
            PATH, json=verdict(useful=True), headers=as_user(api, "someone", who)
        )
        assert refused.status_code == 403, refused.text
    assert (await api.get("/v1/pmo/standards/history")).json() == {"items": []}


async def test_an_idempotency_key_records_once(api: httpx.AsyncClient) -> None:
    body, key = verdict(useful=True), {"Idempotency-Key": f"verdict-{uuid.uuid4().hex[:8]}"}

    first = await api.post(PATH, json=body, headers=key)
    again = await api.post(PATH, json=body, headers=key)
    other = await api.post(PATH, json={**body, "useful": False}, headers=key)

    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert other.status_code == 422, other.text  # the key was used for another request
    assert (await api.post(PATH, json=verdict(useful=True))).json()["version"] == 2


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"lesson_id": str(uuid.uuid4()), "useful": True}, "project_id"),
        (verdict(useful="perhaps"), "useful"),
        (verdict(useful=True, note="x" * 2001), "note"),
        (verdict(useful=True, judged_on="2999-01-01"), "judged_on"),
        (verdict(useful=True, judged_by="someone-else"), "judged_by"),
    ],
)
async def test_bad_input_is_a_precise_problem(
    api: httpx.AsyncClient, body: dict[str, Any], where: str
) -> None:
    refused = await api.post(PATH, json=body)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert where in refused.text
