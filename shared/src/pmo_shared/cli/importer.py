"""`pmoctl import`'s work: every row of a history file brought into project-svc through its
commands, a bounded number of projects at a time, each project's steps in order.

A project is found by its code in the tenant; only the steps its state lacks are sent
(`pmo_shared.cli.planner`), so a re-run of the same file sends nothing and an interrupted one
resumes. A command refused with 412 (the project changed meanwhile) makes the project be read
and planned again, a bounded number of times. Each project ends as:

- created: it did not exist, and every step was sent;
- completed: it existed (a run interrupted, or made by hand), and its missing steps were sent;
- unchanged: nothing was missing, nothing was sent;
- failed: a step was refused (with the service's problem detail) or the row conflicts with the
  project; the steps before it stay sent, and a re-run resumes from there.

A dry run reads (when it has a token) but sends no command: it reports what would be sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pmo_shared.cli.client import CommandRefusedError, ProjectService, ServiceUnavailableError
from pmo_shared.cli.history import HistoryRow
from pmo_shared.cli.planner import PlanConflictError, Step, idempotency_key, plan
from pmo_shared.cli.snapshot import Snapshot

REPLANS = 3  # how often a project changed by someone else is read and planned again


class Outcome(StrEnum):
    """How a project's import ended."""

    CREATED = "created"
    COMPLETED = "completed"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    WOULD_CREATE = "would create"
    WOULD_COMPLETE = "would complete"


@dataclass(slots=True)
class ProjectResult:
    """One row's result: what was (or would be) sent, and why it failed if it did."""

    row: int
    code: str
    outcome: Outcome = Outcome.UNCHANGED
    project_id: str | None = None
    sent: list[str] = field(default_factory=list)
    planned: list[Step] = field(default_factory=list)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Every row's result, in file order."""

    results: Sequence[ProjectResult]

    @property
    def commands_sent(self) -> int:
        """The commands that took effect (a retry of one counts once)."""
        return sum(len(result.sent) for result in self.results)

    def count(self, outcome: Outcome) -> int:
        """How many projects ended so."""
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def exit_code(self) -> int:
        """0 when every row went through, 1 when some failed."""
        return 1 if self.count(Outcome.FAILED) else 0


class Tracker(Protocol):
    """Follows the import project by project (a progress bar, or nothing)."""

    def planned(self, code: str, steps: int) -> None:
        """The project has `steps` steps to send."""

    def sent(self, code: str, step: str) -> None:
        """A step of the project took effect."""

    def done(self, code: str, outcome: Outcome) -> None:
        """The project's import ended so."""


class Silent:
    """A tracker that shows nothing."""

    def planned(self, code: str, steps: int) -> None:
        """Nothing to show."""

    def sent(self, code: str, step: str) -> None:
        """Nothing to show."""

    def done(self, code: str, outcome: Outcome) -> None:
        """Nothing to show."""


async def import_history(
    rows: Sequence[HistoryRow],
    *,
    service: ProjectService | None,
    tenant: str,
    dry_run: bool = False,
    concurrency: int = 4,
    tracker: Tracker | None = None,
) -> ImportReport:
    """Import `rows` into the tenant of `service`'s tokens, `concurrency` projects at a time
    (a dry run without a service plans every row as if the tenant had none of them)."""
    if service is None and not dry_run:
        raise ValueError("only a dry run goes without the service")
    codes = await service.codes() if service is not None else {}
    gate = asyncio.Semaphore(concurrency)
    run = _Run(service=service, tenant=tenant, dry_run=dry_run, tracker=tracker or Silent())

    async def one(row: HistoryRow) -> ProjectResult:
        async with gate:
            return await run.project(row, codes.get(row.code))

    return ImportReport(await asyncio.gather(*(one(row) for row in rows)))


@dataclass(frozen=True, slots=True)
class _Run:
    service: ProjectService | None
    tenant: str
    dry_run: bool
    tracker: Tracker

    async def project(self, row: HistoryRow, project_id: str | None) -> ProjectResult:
        """Plan and send one row's steps; never raises for the row's own problems."""
        result = ProjectResult(row.row, row.code, project_id=project_id)
        try:
            seen = await self._read(project_id)
            result.planned = plan(row, seen)
            self.tracker.planned(row.code, len(result.planned))
            if self.dry_run:
                result.outcome = _would(result.planned, seen)
            else:
                await self._send_all(row, seen, result)
                result.outcome = _outcome(result, existed=seen is not None)
        except (PlanConflictError, CommandRefusedError, ServiceUnavailableError) as exc:
            result.outcome, result.detail = Outcome.FAILED, str(exc)
        self.tracker.done(row.code, result.outcome)
        return result

    async def _read(self, project_id: str | None) -> Snapshot | None:
        if project_id is None or self.service is None:
            return None
        return await self.service.snapshot(project_id)

    async def _send_all(
        self, row: HistoryRow, seen: Snapshot | None, result: ProjectResult
    ) -> None:
        """Send the planned steps; after a 412, read the project and plan again."""
        for replan in range(REPLANS + 1):
            sender = _Sender(self, row, result, seen)
            try:
                for step in result.planned:
                    await sender.send(step)
                return
            except CommandRefusedError as exc:
                if exc.status != 412 or replan == REPLANS or result.project_id is None:
                    raise
            seen = await self._read(result.project_id)
            result.planned = plan(row, seen)


@dataclass(slots=True)
class _Sender:
    """Sends one project's steps in order, carrying its id, version and the risks' ids."""

    run: _Run
    row: HistoryRow
    result: ProjectResult
    seen: Snapshot | None
    version: int | None = None
    risk_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.version = self.seen.version if self.seen is not None else None

    async def send(self, step: Step) -> None:
        assert self.run.service is not None
        answer = await self.run.service.command(
            self._path(step),
            step.body,
            key=idempotency_key(self.run.tenant, self.row.code, step),
            if_match=self.version if step.path else None,
            approver=step.approver,
            what=step.name,
        )
        self._remember(step, answer)
        self.result.sent.append(step.name)
        self.run.tracker.sent(self.row.code, step.name)

    def _path(self, step: Step) -> str:
        if not step.path:
            return "/v1/projects"
        path = step.path.format(risk=self.risk_ids[step.risk]) if step.risk else step.path
        return f"/v1/projects/{self.result.project_id}/{path}"

    def _remember(self, step: Step, answer: Any) -> None:
        if not step.path:
            self.result.project_id = str(answer["project_id"])
        if step.keeps:
            self.risk_ids[step.keeps] = str(answer["id"])
        self.version = int(answer["version"])


def _outcome(result: ProjectResult, *, existed: bool) -> Outcome:
    if not result.sent:
        return Outcome.UNCHANGED
    return Outcome.COMPLETED if existed else Outcome.CREATED


def _would(steps: list[Step], seen: Snapshot | None) -> Outcome:
    if not steps:
        return Outcome.UNCHANGED
    return Outcome.WOULD_CREATE if seen is None else Outcome.WOULD_COMPLETE
