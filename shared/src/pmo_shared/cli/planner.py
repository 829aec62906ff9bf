"""From a history row and what project-svc already holds of its project, the commands still to
send, in the order project-svc's lifecycle takes them.

The full sequence of a row is: propose, baseline, approve (by the approver: the proposer never
approves), start, re-baseline, raise each risk, record each cost, report progress, complete or
cancel, close each risk that has an outcome, record the lesson, close. A step the project
already shows is left out, so a re-run sends nothing and an interrupted import resumes where
it stopped. A missing step the project's status no longer admits (a cost the file adds to a
project closed since) is a `PlanConflictError`: the row fails with that sentence, nothing is sent.

Each step is named ("record cost 2") and keyed: `idempotency_key` hashes the tenant, the code,
the name and the body, so a retry of the same step is the same request to the service (it takes
effect once) and a changed file gives a new one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import orjson

from pmo_shared.cli.bodies import Bodies
from pmo_shared.cli.history import HistoryRow
from pmo_shared.cli.snapshot import ABSENT, Snapshot

OPEN: Final = frozenset({"proposed", "approved", "active", "on_hold"})
UNDERWAY: Final = frozenset({"active", "on_hold"})
NOT_CLOSED: Final = OPEN | {"completed", "cancelled"}
COSTS_TAKEN: Final = frozenset({"approved", "active", "on_hold", "completed"})


class PlanConflictError(Exception):
    """The project in the service and the row disagree in a way no command can mend."""


@dataclass(frozen=True, slots=True)
class Step:
    """One command for a project: `path` below `/v1/projects/{id}/` (empty: the proposal,
    `POST /v1/projects`); `keeps` names the risk whose id its answer gives, `risk` the risk a
    close needs the id of (when it is raised in the same run)."""

    name: str
    path: str
    body: Mapping[str, Any]
    approver: bool = False
    keeps: str | None = None
    risk: str | None = None


@dataclass(frozen=True, slots=True)
class _Candidate:
    step: Step
    done: bool
    allowed: frozenset[str]
    becomes: str | None = None


def plan(row: HistoryRow, seen: Snapshot | None) -> list[Step]:
    """The steps `row` still needs, given the project as the service holds it (None: no
    project of that code yet); `PlanConflictError` when they cannot be sent."""
    if seen is not None:
        _same_project(row, seen)
    status = seen.status if seen is not None else ABSENT
    steps = []
    for candidate in _candidates(row, seen):
        if candidate.done:
            continue
        if status not in candidate.allowed:
            raise PlanConflictError(
                f"{candidate.step.name} is missing, but project {row.code} is {status}: "
                f"project-svc takes it only from {', '.join(sorted(candidate.allowed))}"
            )
        steps.append(candidate.step)
        status = candidate.becomes or status
    return steps


def idempotency_key(tenant: str, code: str, step: Step) -> str:
    """The Idempotency-Key of a step: the same for the same tenant, project code, step and
    body, in every run and process."""
    content = orjson.dumps([tenant, code, step.name, step.body], option=orjson.OPT_SORT_KEYS)
    return "pmoctl-import-" + hashlib.sha256(content).hexdigest()[:40]


def _same_project(row: HistoryRow, seen: Snapshot) -> None:
    for what, ours, theirs in (
        ("currency", row.currency, seen.currency),
        ("methodology", row.methodology, seen.methodology),
    ):
        if ours != theirs:
            raise PlanConflictError(
                f"project {row.code} exists with {what} {theirs}, the file says {ours}"
            )


def _candidates(row: HistoryRow, seen: Snapshot | None) -> Iterator[_Candidate]:
    """Every step of the row in lifecycle order, each marked done or not."""
    s, to = seen or Snapshot.empty(), Bodies(row)
    yield _Candidate(
        Step("propose", "", to.proposal()), seen is not None, frozenset({ABSENT}), "proposed"
    )
    yield _Candidate(Step("baseline", "baseline", to.baseline()), s.baselines >= 1, OPEN)
    approve = Step("approve", "approve", to.approval(), approver=True)
    yield _Candidate(approve, s.approved, frozenset({"proposed"}), "approved")
    if row.actual_start is not None:
        yield _Candidate(
            Step("start", "start", to.start()), s.started, frozenset({"approved"}), "active"
        )
    if row.rebaseline is not None:
        yield _Candidate(Step("re-baseline", "baseline", to.rebaseline()), s.baselines >= 2, OPEN)
    risks = _risk_ids(row, s)
    for number, risk_id in enumerate(risks, start=1):
        step = Step(f"raise risk {number}", "risks", to.risk(number), keeps=f"risk {number}")
        yield _Candidate(step, risk_id is not None, OPEN)
    yield from _costs(row, s, to)
    if row.progress is not None:
        done = (row.progress.percent_complete, row.progress.as_of) in s.progress
        yield _Candidate(Step("report progress", "progress", to.progress()), done, UNDERWAY)
    yield _ending(row, s, to)
    yield from _risk_closes(row, s, risks, to)
    if row.lesson is not None:
        done = (row.lesson.category, row.lesson.what_happened) in s.lessons
        yield _Candidate(Step("record lesson", "lessons", to.lesson()), done, NOT_CLOSED)
    ended = frozenset({"completed", "cancelled"})
    yield _Candidate(Step("close", "close", to.closing()), s.status == "closed", ended, "closed")


def _ending(row: HistoryRow, s: Snapshot, to: Bodies) -> _Candidate:
    if row.outcome == "completed":
        complete = Step("complete", "complete", to.completion())
        return _Candidate(complete, s.finished, frozenset({"active"}), "completed")
    return _Candidate(Step("cancel", "cancel", to.cancellation()), s.cancelled, OPEN, "cancelled")


def _costs(row: HistoryRow, s: Snapshot, to: Bodies) -> Iterator[_Candidate]:
    """Each cost of the row is done when the project has as many costs of that amount on
    that day as the row has up to it."""
    counted: Counter[tuple[Decimal, date]] = Counter()
    for number, cost in enumerate(row.costs, start=1):
        same = (cost.amount, cost.incurred_on)
        counted[same] += 1
        done = s.costs[same] >= counted[same]
        yield _Candidate(Step(f"record cost {number}", "costs", to.cost(number)), done, COSTS_TAKEN)


def _risk_ids(row: HistoryRow, s: Snapshot) -> list[str | None]:
    """The id of each risk of the row in the project (None: not raised yet): the n-th risk of
    a title is the project's n-th risk of that title."""
    by_title: dict[str, list[str]] = {}
    for seen in s.risks:
        by_title.setdefault(seen.title, []).append(seen.risk_id)
    counted: Counter[str] = Counter()
    ids: list[str | None] = []
    for risk in row.risks:
        counted[risk.title] += 1
        known = by_title.get(risk.title, [])
        ids.append(known[counted[risk.title] - 1] if len(known) >= counted[risk.title] else None)
    return ids


def _risk_closes(
    row: HistoryRow, s: Snapshot, ids: list[str | None], to: Bodies
) -> Iterator[_Candidate]:
    closed = {risk.risk_id for risk in s.risks if not risk.open}
    for number, (risk, risk_id) in enumerate(zip(row.risks, ids, strict=True), start=1):
        if risk.outcome is None:
            continue
        name, body = f"close risk {number}", to.risk_closing(number)
        if risk_id is None:
            step = Step(name, "risks/{risk}/close", body, risk=f"risk {number}")
        else:
            step = Step(name, f"risks/{risk_id}/close", body)
        yield _Candidate(step, risk_id in closed, NOT_CLOSED)
