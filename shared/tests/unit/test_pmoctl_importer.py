"""The import's orchestration against a small fake of project-svc's HTTP API (the e2e test
`tests/e2e/test_pmoctl_import.py` runs the same against the real service): a re-run sends
nothing, a project changed meanwhile (412) is read and planned again, a refusal fails only its
row with the service's detail, a dry run sends nothing."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import httpx

from pmo_shared.cli.client import ProjectService, Retries
from pmo_shared.cli.history import HistoryRow
from pmo_shared.cli.importer import Outcome, import_history
from pmo_shared.cli.reading import parse_history

TODAY = date(2026, 6, 30)
HEADER = (
    "code,name,methodology,currency,manager,sponsor,bac,planned_start,planned_finish,"
    "actual_start,costs,outcome,actual_finish,cancelled_on,cancel_reason,no_lessons_reason"
)
ROWS = (
    "A-1,Alpha,agile,EUR,pm-a,cfo,1000,2024-01-01,2024-03-31,2024-01-02,900,completed,"
    "2024-03-29,,,Too small\n"
    "B-2,Beta,hybrid,EUR,pm-b,cfo,2000,2024-02-01,2024-05-31,2024-02-01,"
    "500@2024-03-01;700@2024-04-30,completed,2024-05-30,,,Too small\n"
    "C-3,Gamma,waterfall,EUR,pm-c,cfo,3000,2024-02-01,2024-09-30,,,cancelled,,2024-03-01,"
    "Cut,Stopped early\n"
)
BECOMES = {
    "approve": "approved",
    "start": "active",
    "complete": "completed",
    "cancel": "cancelled",
    "close": "closed",
}


class FakeProjectService:
    """project-svc's import-facing API, in memory: versions, If-Match, statuses, events."""

    def __init__(self) -> None:
        self.projects: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.posts: list[str] = []
        self.refuse: dict[str, httpx.Response] = {}  # action -> the answer instead

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")[2:]
        if request.method == "GET":
            return self._get(parts)
        self.posts.append(request.url.path)
        body = json.loads(request.content)
        if not parts:
            return self._propose(body)
        project = self.projects[parts[0]]
        if request.headers.get("If-Match") != f'"{project["version"]}"':
            return httpx.Response(412, json={"title": "Precondition Failed"})
        if parts[1] in self.refuse:
            return self.refuse[parts[1]]
        return self._apply(project, parts[1], body)

    def _get(self, parts: list[str]) -> httpx.Response:
        if not parts:
            items = [{"code": p["code"], "project_id": i} for i, p in self.projects.items()]
            return httpx.Response(200, json={"items": items, "next_cursor": None})
        if parts[1:] == ["events"]:
            return httpx.Response(200, json=self.events[parts[0]])
        return httpx.Response(200, json=self.projects[parts[0]])

    def _propose(self, body: dict[str, Any]) -> httpx.Response:
        project_id = str(uuid.uuid4())
        self.projects[project_id] = {
            **body,
            "project_id": project_id,
            "version": 1,
            "status": "proposed",
            "baselines": [],
            "approved_on": None,
            "actual_start": None,
            "actual_finish": None,
            "cancel_reason": None,
            "risks": [],
        }
        self.events[project_id] = []
        return httpx.Response(201, json=self.projects[project_id])

    def _apply(self, project: dict[str, Any], action: str, body: dict[str, Any]) -> httpx.Response:
        project["version"] += 1
        project["status"] = BECOMES.get(action, project["status"])
        if action == "baseline":
            project["baselines"].append(body)
        fields = {"approve": "approved_on", "start": "actual_start", "complete": "actual_finish"}
        if action in fields:
            project[fields[action]] = next(iter(body.values()))
        if action == "cancel":
            project["cancel_reason"] = body["reason"]
        kinds = {"costs": "CostRecorded", "progress": "ProgressReported"}
        if action in kinds:
            self.events[project["project_id"]].append(
                {"event_type": kinds[action], "payload": body}
            )
        return httpx.Response(200, json={**project, "id": str(uuid.uuid4())})


def rows() -> list[HistoryRow]:
    return parse_history(f"{HEADER}\n{ROWS}", today=TODAY)


def service_of(fake: FakeProjectService) -> ProjectService:
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake), base_url="http://svc")
    return ProjectService(http, token="t", approver_token="a", retries=Retries(attempts=1))


class Recorder:
    """A tracker that notes what it is told."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def planned(self, code: str, steps: int) -> None:
        self.lines.append(f"{code} planned {steps}")

    def sent(self, code: str, step: str) -> None:
        self.lines.append(f"{code} sent {step}")

    def done(self, code: str, outcome: Outcome) -> None:
        self.lines.append(f"{code} {outcome.value}")


async def test_an_import_then_its_rerun_sends_nothing() -> None:
    fake = FakeProjectService()
    tracker = Recorder()

    first = await import_history(rows(), service=service_of(fake), tenant="t1", tracker=tracker)

    assert [r.outcome for r in first.results] == [Outcome.CREATED] * 3
    assert first.exit_code == 0
    assert {p["status"] for p in fake.projects.values()} == {"closed"}
    assert first.commands_sent == len(fake.posts) == 8 + 9 + 5
    assert "A-1 planned 8" in tracker.lines
    assert "C-3 sent cancel" in tracker.lines
    versions = {i: p["version"] for i, p in fake.projects.items()}

    again = await import_history(rows(), service=service_of(fake), tenant="t1")

    assert [r.outcome for r in again.results] == [Outcome.UNCHANGED] * 3
    assert again.commands_sent == 0
    assert len(fake.posts) == first.commands_sent
    assert {i: p["version"] for i, p in fake.projects.items()} == versions


async def test_a_project_changed_meanwhile_is_read_and_planned_again() -> None:
    fake = FakeProjectService()
    (alpha, *_) = rows()
    original = fake._apply

    def approved_by_someone_else(
        project: dict[str, Any], action: str, body: dict[str, Any]
    ) -> httpx.Response:
        answer = original(project, action, body)
        if action == "baseline":  # another client approves right after our baseline
            original(project, "approve", {"effective_on": "2024-01-01"})
        return answer

    fake._apply = approved_by_someone_else  # type: ignore[method-assign]

    report = await import_history([alpha], service=service_of(fake), tenant="t1")

    (result,) = report.results
    assert result.outcome is Outcome.CREATED
    assert "approve" not in result.sent
    assert result.sent[:3] == ["propose", "baseline", "start"]
    assert sum(path.endswith("/approve") for path in fake.posts) == 1  # ours, refused with 412


async def test_a_refused_command_fails_its_row_only_with_the_problem_detail() -> None:
    fake = FakeProjectService()
    fake.refuse["approve"] = httpx.Response(
        409,
        json={"title": "Conflict", "detail": "a portfolio approve decision is required"},
    )

    report = await import_history(rows(), service=service_of(fake), tenant="t1")

    assert [r.outcome for r in report.results] == [Outcome.FAILED] * 3
    assert report.exit_code == 1
    first = report.results[0]
    assert first.sent == ["propose", "baseline"]
    assert first.detail == "approve: 409 Conflict: a portfolio approve decision is required"

    fake.refuse.clear()
    resumed = await import_history(rows(), service=service_of(fake), tenant="t1")

    assert [r.outcome for r in resumed.results] == [Outcome.COMPLETED] * 3
    assert resumed.results[0].sent[0] == "approve"


async def test_a_dry_run_reads_and_sends_nothing() -> None:
    fake = FakeProjectService()
    alpha = rows()[0]
    await import_history([alpha], service=service_of(fake), tenant="t1")
    posts = len(fake.posts)

    report = await import_history(rows(), service=service_of(fake), tenant="t1", dry_run=True)

    assert len(fake.posts) == posts
    assert [r.outcome for r in report.results] == [
        Outcome.UNCHANGED,
        Outcome.WOULD_CREATE,
        Outcome.WOULD_CREATE,
    ]
    assert report.commands_sent == 0
    assert [step.name for step in report.results[2].planned] == [
        "propose",
        "baseline",
        "approve",
        "cancel",
        "close",
    ]


async def test_a_dry_run_without_a_service_plans_every_row() -> None:
    report = await import_history(rows(), service=None, tenant="", dry_run=True)

    assert [r.outcome for r in report.results] == [Outcome.WOULD_CREATE] * 3
