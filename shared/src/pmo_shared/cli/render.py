"""What `pmoctl import` shows: a progress bar per project while it runs, the plan of a dry run,
the summary table, and the problems of a file it refused."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from pmo_shared.cli.cells import FileProblem
from pmo_shared.cli.importer import ImportReport, Outcome, ProjectResult
from pmo_shared.cli.planner import Step

STYLES = {
    Outcome.CREATED: "green",
    Outcome.COMPLETED: "green",
    Outcome.UNCHANGED: "dim",
    Outcome.FAILED: "bold red",
    Outcome.WOULD_CREATE: "cyan",
    Outcome.WOULD_COMPLETE: "cyan",
}


class ProgressBars:
    """A rich progress bar per project (a `Tracker`), shown while used as a context manager."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.fields[code]:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressBars:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def planned(self, code: str, steps: int) -> None:
        """A bar of `steps` steps for the project."""
        self._tasks[code] = self._progress.add_task("", total=max(steps, 1), code=code)

    def sent(self, code: str, step: str) -> None:
        """One step further."""
        self._progress.update(self._tasks[code], advance=1, description=step)

    def done(self, code: str, outcome: Outcome) -> None:
        """The bar full, with how the project ended."""
        task = self._tasks.get(code)
        if task is None:
            task = self._tasks[code] = self._progress.add_task("", total=1, code=code)
        completed = None if outcome is Outcome.FAILED else self._progress.tasks[task].total
        self._progress.update(task, completed=completed, description=outcome.value)


def show_plan(console: Console, report: ImportReport) -> None:
    """Every command a dry run would send, project by project."""
    for result in report.results:
        if not result.planned:
            continue
        target = result.project_id or "<new>"
        console.print(f"[bold]{result.code}[/] (row {result.row}): {len(result.planned)} commands")
        for step in result.planned:
            line = _request_line(step, target)
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


def _request_line(step: Step, project: str) -> str:
    path = step.path.format(risk=f"<id of {step.risk}>") if step.risk else step.path
    path = f"/v1/projects/{project}/{path}" if path else "/v1/projects"
    body = json.dumps(step.body, ensure_ascii=False, sort_keys=True)
    who = " (as the approver)" if step.approver else ""
    return f"{step.name}: POST {path}{who} {body}"


def summary_table(report: ImportReport, *, dry_run: bool) -> Table:
    """A row per project and the totals: created, completed, unchanged, failed."""
    title = "pmoctl import (dry run: nothing sent)" if dry_run else "pmoctl import"
    table = Table(title=title, show_lines=False)
    for column in ("row", "code", "outcome", "commands" if dry_run else "sent", "detail"):
        table.add_column(column, overflow="fold")
    for result in report.results:
        table.add_row(*_cells(result, dry_run=dry_run))
    return table


def summary_line(report: ImportReport, *, dry_run: bool) -> str:
    """The totals: how many projects ended each way, how many commands were (or would be)
    sent."""
    counts = ", ".join(f"{report.count(outcome)} {outcome.value}" for outcome in _shown(dry_run))
    if dry_run:
        planned = sum(len(result.planned) for result in report.results)
        return f"{len(report.results)} projects: {counts}; {planned} commands to send"
    return f"{len(report.results)} projects: {counts}; {report.commands_sent} sent"


def _shown(dry_run: bool) -> Sequence[Outcome]:
    if dry_run:
        return (Outcome.WOULD_CREATE, Outcome.WOULD_COMPLETE, Outcome.UNCHANGED, Outcome.FAILED)
    return (Outcome.CREATED, Outcome.COMPLETED, Outcome.UNCHANGED, Outcome.FAILED)


def _cells(result: ProjectResult, *, dry_run: bool) -> tuple[str, ...]:
    style = STYLES[result.outcome]
    count = len(result.planned) if dry_run else len(result.sent)
    return (
        str(result.row),
        result.code,
        f"[{style}]{result.outcome.value}[/]",
        str(count),
        escape(result.detail),
    )


def show_file_problems(console: Console, problems: Sequence[FileProblem]) -> None:
    """The problems that make the file invalid, one a line."""
    console.print(f"[bold red]the history file is invalid[/]: {len(problems)} problem(s)")
    for problem in problems:
        console.print(f"  {problem}", markup=False, highlight=False)
