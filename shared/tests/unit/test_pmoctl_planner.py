"""The import's planner: given a row and the project as project-svc shows it, only the missing
steps, in lifecycle order, each with a deterministic Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from pmo_shared.cli.history import HistoryRow
from pmo_shared.cli.planner import PlanConflictError, Step, idempotency_key, plan
from pmo_shared.cli.reading import parse_history
from pmo_shared.cli.snapshot import Snapshot

TODAY = date(2026, 6, 30)
HEADER = (
    "code,name,methodology,currency,manager,sponsor,bac,planned_start,planned_finish,"
    "rebaseline_bac,rebaseline_planned_finish,rebaseline_on,rebaseline_reason,"
    "actual_start,costs,outcome,actual_finish,cancelled_on,cancel_reason,"
    "lesson_category,lesson_what_happened,lesson_recommendation,risks"
)
COMPLETED = (
    "CRM-1,CRM rollout,agile,EUR,pm-bruno,coo,100000,2024-01-01,2024-06-30,"
    "120000,2024-08-30,2024-03-01,Scope added,2024-01-08,"
    "40000@2024-03-31;40000@2024-03-31;45000@2024-08-20,completed,2024-08-20,,,"
    "Data migration,Duplicates slowed the cut-over,De-duplicate first,"
    "Key user leaves|0.2|5000|materialised;Vendor late|0.1|1000"
)
CANCELLED = (
    "ERP-1,ERP upgrade,waterfall,EUR,pm-anna,cfo,900000,2024-01-01,2024-12-31,,,,,"
    ",,cancelled,,2024-02-15,Vendor ended support,Vendors,Release retired,Track the roadmap,"
)
LESSON_SEEN = {"category": "Data migration", "what_happened": "Duplicates slowed the cut-over"}
FULL = [
    "propose",
    "baseline",
    "approve",
    "start",
    "re-baseline",
    "raise risk 1",
    "raise risk 2",
    "record cost 1",
    "record cost 2",
    "record cost 3",
    "report progress",
    "complete",
    "close risk 1",
    "record lesson",
    "close",
]


def row_of(line: str) -> HistoryRow:
    (row,) = parse_history(f"{HEADER}\n{line}\n", today=TODAY)
    return row


def names(steps: list[Step]) -> list[str]:
    return [step.name for step in steps]


def snapshot(
    status: str, *, events: tuple[tuple[str, dict[str, Any]], ...] = (), **project: Any
) -> Snapshot:
    """The project as `GET /v1/projects/{id}` and its `/events` show it."""
    body = {
        "project_id": "0b5c5d2e-0000-4000-8000-000000000001",
        "version": 7,
        "status": status,
        "currency": "EUR",
        "methodology": "agile",
        "baselines": [],
        "approved_on": None,
        "actual_start": None,
        "actual_finish": None,
        "cancel_reason": None,
        "risks": [],
    } | project
    return Snapshot.read(body, [{"event_type": t, "payload": p} for t, p in events])


def test_a_new_project_gets_every_step_in_lifecycle_order() -> None:
    steps = plan(row_of(COMPLETED), None)

    assert names(steps) == FULL
    by_name = {step.name: step for step in steps}
    assert by_name["approve"].approver
    assert not any(step.approver for step in steps if step.name != "approve")
    assert by_name["baseline"].body == {
        "budget_at_completion": "100000.00",
        "planned_start": "2024-01-01",
        "planned_finish": "2024-06-30",
        "effective_on": "2024-01-01",
    }
    assert by_name["re-baseline"].body["reason"] == "Scope added"
    assert by_name["close risk 1"].path == "risks/{risk}/close"
    assert by_name["close risk 1"].risk == by_name["raise risk 1"].keeps == "risk 1"
    assert by_name["close risk 1"].body == {
        "resolution": "materialised (from the project's history)",
        "outcome": "materialised",
        "closed_on": "2024-08-20",
    }
    assert by_name["report progress"].body == {"percent_complete": "100", "as_of": "2024-08-20"}


def test_a_project_stopped_after_its_baseline_resumes_with_the_approval() -> None:
    seen = snapshot("proposed", baselines=[{"number": 1}])

    assert names(plan(row_of(COMPLETED), seen)) == FULL[2:]


def test_a_closed_project_with_everything_needs_nothing() -> None:
    seen = snapshot(
        "closed",
        baselines=[{"number": 1}, {"number": 2}],
        approved_on="2024-01-01",
        actual_start="2024-01-08",
        actual_finish="2024-08-20",
        risks=[
            {"risk_id": "r1", "title": "Key user leaves", "open": False},
            {"risk_id": "r2", "title": "Vendor late", "open": True},
        ],
        events=(
            ("CostRecorded", {"amount": "40000.00", "incurred_on": "2024-03-31"}),
            ("CostRecorded", {"amount": "40000", "incurred_on": "2024-03-31"}),
            ("CostRecorded", {"amount": "45000.00", "incurred_on": "2024-08-20"}),
            ("ProgressReported", {"percent_complete": "100.0000", "as_of": "2024-08-20"}),
            ("LessonLearned", LESSON_SEEN),
            ("ProjectUnknownToTheImporter", {}),
        ),
    )

    assert plan(row_of(COMPLETED), seen) == []


def test_equal_costs_count_one_by_one_and_a_known_risk_is_closed_by_its_id() -> None:
    seen = snapshot(
        "active",
        baselines=[{"number": 1}, {"number": 2}],
        approved_on="2024-01-01",
        actual_start="2024-01-08",
        risks=[{"risk_id": "r1", "title": "Key user leaves", "open": True}],
        events=(("CostRecorded", {"amount": "40000.00", "incurred_on": "2024-03-31"}),),
    )

    steps = plan(row_of(COMPLETED), seen)

    assert names(steps) == [
        "raise risk 2",
        "record cost 2",
        "record cost 3",
        "report progress",
        "complete",
        "close risk 1",
        "record lesson",
        "close",
    ]
    close = next(step for step in steps if step.name == "close risk 1")
    assert (close.path, close.risk) == ("risks/r1/close", None)


def test_a_project_cancelled_before_it_started_is_never_started() -> None:
    assert names(plan(row_of(CANCELLED), None)) == [
        "propose",
        "baseline",
        "approve",
        "cancel",
        "record lesson",
        "close",
    ]


def test_a_step_the_status_no_longer_admits_is_a_conflict() -> None:
    seen = snapshot(
        "closed",
        baselines=[{"number": 1}, {"number": 2}],
        approved_on="2024-01-01",
        actual_start="2024-01-08",
        actual_finish="2024-08-20",
    )

    with pytest.raises(
        PlanConflictError, match=r"raise risk 1 is missing, but project CRM-1 is closed"
    ):
        plan(row_of(COMPLETED), seen)


def test_a_project_of_another_currency_is_not_this_row() -> None:
    with pytest.raises(PlanConflictError, match="exists with currency USD, the file says EUR"):
        plan(row_of(COMPLETED), snapshot("proposed", currency="USD"))


def test_keys_are_deterministic_and_tell_tenants_projects_steps_and_bodies_apart() -> None:
    step = plan(row_of(COMPLETED), None)[1]
    key = idempotency_key("tenant-a", "CRM-1", step)

    assert key == idempotency_key("tenant-a", "CRM-1", plan(row_of(COMPLETED), None)[1])
    assert key.startswith("pmoctl-import-")
    assert len(key) <= 200  # the API's limit
    others = {
        idempotency_key("tenant-b", "CRM-1", step),
        idempotency_key("tenant-a", "CRM-2", step),
        idempotency_key("tenant-a", "CRM-1", Step("approve", step.path, step.body)),
        idempotency_key("tenant-a", "CRM-1", Step(step.name, step.path, {"other": 1})),
    }
    assert key not in others
    assert len(others) == 4


def test_a_key_is_the_same_in_every_process() -> None:
    """The scheme, pinned: a re-run by a later pmoctl must send the keys a crashed run sent
    (SHA-256 of the compact JSON of tenant, code, step name and body, keys sorted)."""
    body = {"incurred_on": "2024-01-02", "amount": "10.00"}
    content = json.dumps(["t", "P-1", "record cost 1", body], sort_keys=True, separators=(",", ":"))

    key = idempotency_key("t", "P-1", Step("record cost 1", "costs", body))

    assert key == "pmoctl-import-" + hashlib.sha256(content.encode()).hexdigest()[:40]
    assert key == "pmoctl-import-6dd78b28b5f3b30226d9912865e8c64c204eb8e5"
