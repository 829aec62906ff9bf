"""Lessons that find new projects, end to end: lessons recorded in project-svc on projects that
complete or are cancelled reach reporting-svc by events, which suggests them to a new project
ranked by relevance with the reason shown; the PMO judges a suggestion through portfolio-svc's
command (`POST /v1/pmo/lesson-verdicts`), whose event reaches reporting-svc on
`pmo.portfolio.events` and changes the ranking from its date, on both time axes; who judged is
opened with portfolio-svc's key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from pmo_shared.testing import TokenFor, required_env

from .steps import command, new_project, poll

pytestmark = pytest.mark.integration

PLAN = {
    "budget_at_completion": "100000",
    "planned_start": "2026-01-01",
    "planned_finish": "2026-04-11",
}


@pytest.fixture
async def portfolios(token_for: TokenFor, tenant: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo')}"}
    url = required_env("PORTFOLIO_URL")
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        yield client


async def _underway(projects: httpx.AsyncClient, **details: Any) -> str:
    project_id = await new_project(projects, **details)
    p = f"/v1/projects/{project_id}"
    await command(projects, f"{p}/baseline", PLAN)
    await command(projects, f"{p}/approve", {"effective_on": "2026-01-02"})
    await command(projects, f"{p}/start", {"actual_start": "2026-01-05"})
    return project_id


async def _lesson(projects: httpx.AsyncClient, project_id: str, *lesson: str) -> str:
    category, what, recommendation = lesson
    body = {"category": category, "what_happened": what, "recommendation": recommendation}
    created = await command(projects, f"/v1/projects/{project_id}/lessons", body)
    lesson_id: str = created["id"]
    return lesson_id


def _ids(response: httpx.Response) -> list[str]:
    return [i["lesson_id"] for i in response.json()["items"]]


async def test_lessons_find_a_new_project_and_the_pmos_verdicts_rerank_them(
    projects: httpx.AsyncClient, reports: httpx.AsyncClient, portfolios: httpx.AsyncClient
) -> None:
    done = await _underway(projects, name="Payroll outsourcing", methodology="agile")
    related = await _lesson(
        projects,
        done,
        "Vendor management",
        "The payroll vendor missed the data migration deadline twice",
        "Put migration milestones and penalties in the vendor contract",
    )
    await _lesson(
        projects,
        done,
        "Testing",
        "Performance tests of the web server cluster came too late",
        "Load test the cluster early",
    )
    await command(projects, f"/v1/projects/{done}/complete", {"actual_finish": "2026-04-30"})
    dropped = await _underway(projects, name="Time tracking", methodology="waterfall")
    press = await _lesson(
        projects,
        dropped,
        "Communication",
        "Employees learned of the payroll change from the press",
        "Tell staff before any public announcement",
    )
    cancel = {"reason": "merged into payroll", "effective_on": "2026-04-15"}
    await command(projects, f"/v1/projects/{dropped}/cancel", cancel)
    target = await new_project(
        projects,
        name="Payroll vendor switch",
        methodology="agile",
        description="Move payroll to a new SaaS vendor and migrate the employee records.",
    )
    url = f"/v1/reports/projects/{target}/suggested-lessons"

    first = await poll(reports, url, lambda r: r.status_code == 200 and len(_ids(r)) == 2)
    assert _ids(first) == [related, press]  # the obviously related one first; never the tests'
    top = first.json()["items"][0]
    assert top["reason"].startswith("shares the words payroll, vendor, migrate")
    assert "same methodology (agile)" in top["reason"]
    assert top["project"]["project_id"] == done
    assert first.json()["considered"] == 3

    before_verdicts = datetime.now(UTC).isoformat()
    today = date.fromisoformat(first.json()["as_of"])
    not_useful = {"project_id": target, "lesson_id": related, "useful": False, "note": "done"}
    judged = await portfolios.post("/v1/pmo/lesson-verdicts", json=not_useful)
    assert judged.status_code == 201, judged.text
    useful = {"project_id": target, "lesson_id": press, "useful": True, "note": "tell them"}
    assert (await portfolios.post("/v1/pmo/lesson-verdicts", json=useful)).status_code == 201

    def both_judged(r: httpx.Response) -> bool:
        return _ids(r) == [press] and r.json()["items"][0]["verdict"] is not None

    after = await poll(reports, url, both_judged)
    [item] = after.json()["items"]
    assert item["verdict"]["useful"] is True
    assert item["verdict"]["judged_by"] == "pmo-carol"  # opened with portfolio-svc's key
    assert f"marked useful for this project on {today.isoformat()}" in item["reason"]
    known_before = await reports.get(url, params={"known_at": before_verdicts})
    judged_later = await reports.get(url, params={"as_of": (today - timedelta(days=1)).isoformat()})
    assert _ids(known_before) == [related, press]
    assert _ids(judged_later) == [related, press]
    # The standards stay none: the verdicts began the tenant's PMO stream.
    assert (await portfolios.get("/v1/pmo/standards")).status_code == 404
