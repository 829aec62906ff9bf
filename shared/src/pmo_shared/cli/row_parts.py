"""The optional parts of a history row (re-baseline, progress, costs, lesson, risks) and the
check of a whole row's dates against each other (`pmo_shared.cli.rows` reads the rest)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pmo_shared.cli.cells import NAME_MAX, PROSE_MAX, REASON_MAX, Cells
from pmo_shared.cli.history import RISK_OUTCOMES, HistoryRow, Lesson, Progress, Rebaseline, Risk

REBASELINE_COLUMNS = (
    "rebaseline_bac",
    "rebaseline_planned_finish",
    "rebaseline_on",
    "rebaseline_reason",
)
LESSON_COLUMNS = ("lesson_category", "lesson_what_happened", "lesson_recommendation")


def rebaseline_of(cells: Cells, currency: str | None, *, today: date) -> Rebaseline | None:
    """The second baseline: its four columns all given, or none of them."""
    if not _all_or_none(cells, REBASELINE_COLUMNS, what="a re-baseline"):
        return None
    bac = cells.money("rebaseline_bac", currency)
    finish = cells.day("rebaseline_planned_finish")
    on = cells.day("rebaseline_on", today=today)
    reason = cells.text("rebaseline_reason", max_length=REASON_MAX)
    if bac is None or finish is None or on is None or not reason:
        return None
    return Rebaseline(bac, finish, on, reason)


def progress_of(cells: Cells, *, today: date) -> Progress | None:
    """The last progress report: percent_complete and as_of, both or neither."""
    if not _all_or_none(cells, ("percent_complete", "as_of"), what="a progress report"):
        return None
    percent = cells.share("percent_complete", cells.raw("percent_complete"), upper=100)
    as_of = cells.day("as_of", today=today)
    return None if percent is None or as_of is None else Progress(percent, as_of)


def lesson_given(cells: Cells) -> bool:
    """Whether any of the lesson's columns is filled in."""
    return any(cells.raw(column) for column in LESSON_COLUMNS)


def lesson_of(cells: Cells) -> Lesson | None:
    """The lesson learned: its three columns all given, or none of them."""
    if not _all_or_none(cells, LESSON_COLUMNS, what="a lesson"):
        return None
    category = cells.text("lesson_category")
    what = cells.text("lesson_what_happened", max_length=PROSE_MAX)
    recommendation = cells.text("lesson_recommendation", max_length=PROSE_MAX)
    if not (category and what and recommendation) or len(category) > NAME_MAX:
        return None
    return Lesson(category, what, recommendation)


def _all_or_none(cells: Cells, columns: tuple[str, ...], *, what: str) -> bool:
    """True when every one of `columns` is filled in; a problem for each empty one when only
    some are."""
    empty = [column for column in columns if not cells.raw(column)]
    if len(empty) == len(columns):
        return False
    for column in empty:
        cells.fail(column, f"is empty, but {what} needs all of {', '.join(columns)}")
    return not empty


def costs_of(
    cells: Cells, currency: str | None, *, today: date
) -> list[tuple[Decimal, date | None]]:
    """The actual costs: one undated total (None: dated on the end), or `amount@YYYY-MM-DD`
    entries separated by `;`."""
    entries = [entry.strip() for entry in cells.raw("costs").split(";") if entry.strip()]
    if len(entries) == 1 and "@" not in entries[0]:
        amount = cells.amount_in("costs", entries[0], currency)
        return [] if amount is None else [(amount, None)]
    costs: list[tuple[Decimal, date | None]] = []
    for entry in entries:
        amount_text, _, day_text = (part.strip() for part in entry.partition("@"))
        if not day_text:
            cells.fail(
                "costs", f"{entry!r} is not amount@YYYY-MM-DD (each of several costs needs a date)"
            )
            continue
        amount = cells.amount_in("costs", amount_text, currency)
        when = cells.day_of("costs", day_text, today=today)
        if amount is not None and when is not None:
            costs.append((amount, when))
    return costs


def risks_of(cells: Cells, currency: str | None) -> tuple[Risk, ...]:
    """The risks: `title|probability|impact[|outcome[|resolution]]` entries separated by `;`."""
    risks = []
    for entry in (part.strip() for part in cells.raw("risks").split(";")):
        if not entry:
            continue
        parts = [part.strip() for part in entry.split("|")]
        if not 3 <= len(parts) <= 5 or not parts[0]:
            cells.fail("risks", f"{entry!r} is not title|probability|impact[|outcome[|resolution]]")
            continue
        risk = _risk(cells, parts, currency)
        if risk is not None:
            risks.append(risk)
    return tuple(risks)


def _risk(cells: Cells, parts: list[str], currency: str | None) -> Risk | None:
    title = parts[0]
    outcome = (parts[3] if len(parts) > 3 else "").lower() or "open"
    probability = cells.share("risks", parts[1], upper=1)
    impact = cells.amount_in("risks", parts[2], currency, positive=False)
    if len(title) > NAME_MAX:
        cells.fail("risks", f"the title {title[:40]!r}... is longer than {NAME_MAX} characters")
        return None
    if outcome not in RISK_OUTCOMES:
        allowed = ", ".join(RISK_OUTCOMES)
        cells.fail("risks", f"the outcome {outcome!r} of {title!r} is not one of {allowed}")
        return None
    if probability is None or impact is None:
        return None
    resolution = (parts[4] if len(parts) > 4 else "") or f"{outcome} (from the project's history)"
    return Risk(title, probability, impact, None if outcome == "open" else outcome, resolution)


def check_order(cells: Cells, row: HistoryRow) -> None:
    """A whole row's dates against each other, as project-svc's date rules order them: the
    work (costs, progress, re-baseline) between its beginning (the actual start, or the
    approval when it never started) and its end, the end not before the beginning, the
    closing not before the end."""
    if row.planned_finish <= row.planned_start:
        cells.fail(
            "planned_finish", f"{row.planned_finish} is not after planned_start {row.planned_start}"
        )
    begun = begun_of(row)
    begun_column = "actual_start" if row.actual_start else "approved_on"
    end_column = "actual_finish" if row.outcome == "completed" else "cancelled_on"
    if row.ended_on < begun:
        cells.fail(end_column, f"{row.ended_on} is before {begun_column} {begun}")
    if row.closed_on < row.ended_on:
        cells.fail("closed_on", f"{row.closed_on} is before {end_column} {row.ended_on}")
    for cost in row.costs:
        _within(cells, "costs", cost.incurred_on, begun, row.ended_on)
    if row.progress is not None and _started(cells, "as_of", row):
        _within(cells, "as_of", row.progress.as_of, begun, row.ended_on)
    if row.rebaseline is not None and _started(cells, "rebaseline_on", row):
        _check_rebaseline(cells, row, row.rebaseline)


def _check_rebaseline(cells: Cells, row: HistoryRow, rebaseline: Rebaseline) -> None:
    _within(
        cells, "rebaseline_on", rebaseline.on, max(begun_of(row), row.approved_on), row.ended_on
    )
    if rebaseline.planned_finish <= row.planned_start:
        cells.fail(
            "rebaseline_planned_finish",
            f"{rebaseline.planned_finish} is not after planned_start {row.planned_start}",
        )


def begun_of(row: HistoryRow) -> date:
    """When the project's work began: its actual start, or its approval if it never started."""
    return row.actual_start or row.approved_on


def _started(cells: Cells, column: str, row: HistoryRow) -> bool:
    if row.actual_start is None:
        cells.fail(column, "needs actual_start: it records work, and the work never started")
    return row.actual_start is not None


def _within(cells: Cells, column: str, day: date, first: date, last: date) -> None:
    if not first <= day <= last:
        cells.fail(column, f"{day} is outside the project's run from {first} to {last}")
