"""`pmoctl import` reads a history CSV into valid rows, or refuses it with every problem, each
naming its row and column."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pmo_shared.cli.history import METHODOLOGIES, HistoryFileError, HistoryRow
from pmo_shared.cli.reading import parse_history, read_history

TODAY = date(2026, 6, 30)
REPO = Path(__file__).resolve().parents[3]
HEADER = (
    "code,name,methodology,currency,manager,sponsor,bac,planned_start,planned_finish,"
    "actual_start,costs,outcome,actual_finish,cancelled_on,cancel_reason,"
    "lesson_category,lesson_what_happened,lesson_recommendation"
)
GOOD = (
    "PAY-1,Payroll,waterfall,EUR,pm-anna,cfo,100000,2024-01-01,2024-06-30,"
    "2024-01-08,40000@2024-03-31;65000.50@2024-07-12,completed,2024-07-12,,,"
    "Testing,Parallel runs found errors late,Plan two parallel runs"
)


def problems_of(text: str) -> list[str]:
    with pytest.raises(HistoryFileError) as refused:
        parse_history(text, today=TODAY)
    return [str(problem) for problem in refused.value.problems]


def one_row(text: str) -> HistoryRow:
    (row,) = parse_history(text, today=TODAY)
    return row


def with_cells(**cells: str) -> str:
    """The good row with some cells replaced."""
    names = HEADER.split(",")
    values = dict(zip(names, GOOD.split(","), strict=True))
    values.update(cells)
    extra = [name for name in cells if name not in names]
    header = ",".join(names + extra)
    row = ",".join(f'"{values[name]}"' for name in names + extra)
    return f"{header}\n{row}\n"


def test_a_completed_row_gets_its_defaults() -> None:
    row = one_row(f"{HEADER}\n{GOOD}\n")

    assert row.row == 2
    assert row.code == "PAY-1"
    assert row.approved_on == date(2024, 1, 1)  # the earliest of planned and actual start
    assert row.closed_on == row.ended_on == date(2024, 7, 12)
    assert [(c.amount, c.incurred_on) for c in row.costs] == [
        (Decimal("40000.00"), date(2024, 3, 31)),
        (Decimal("65000.50"), date(2024, 7, 12)),
    ]
    assert row.progress is not None
    assert (row.progress.percent_complete, row.progress.as_of) == (Decimal(100), row.ended_on)
    assert row.lesson is not None
    assert row.lesson.category == "Testing"
    assert row.no_lessons_reason is None
    assert row.cost_category == "actuals"
    assert not row.flagged_large


def test_one_undated_total_is_dated_on_the_end() -> None:
    row = one_row(with_cells(costs="105000.50"))

    assert [(c.amount, c.incurred_on) for c in row.costs] == [
        (Decimal("105000.50"), date(2024, 7, 12))
    ]


def test_a_cancelled_row_before_the_start_begins_on_its_approval() -> None:
    text = with_cells(
        actual_start="",
        costs="",
        outcome="cancelled",
        actual_finish="",
        cancelled_on="2023-12-15",
        cancel_reason="Budget cut",
        approved_on="2023-11-01",
    )
    row = one_row(text)

    assert row.outcome == "cancelled"
    assert row.actual_start is None
    assert row.approved_on == date(2023, 11, 1)
    assert row.ended_on == date(2023, 12, 15)
    assert row.cancel_reason == "Budget cut"
    assert row.progress is None  # a cancelled row reports only the progress it gives


def test_risks_and_a_rebaseline_are_read() -> None:
    text = with_cells(
        risks="Key user leaves|0.25|5000|materialised|It happened in May;Vendor late|0.1|0",
        rebaseline_bac="120000",
        rebaseline_planned_finish="2024-07-31",
        rebaseline_on="2024-04-02",
        rebaseline_reason="Scope added",
    )
    row = one_row(text)

    first, second = row.risks
    assert (first.title, first.probability, first.impact) == (
        "Key user leaves",
        Decimal("0.25"),
        Decimal("5000.00"),
    )
    assert (first.outcome, first.resolution) == ("materialised", "It happened in May")
    assert (second.outcome, second.impact) == (None, Decimal("0.00"))  # open
    assert row.rebaseline is not None
    assert row.rebaseline.budget_at_completion == Decimal("120000.00")
    assert row.rebaseline.on == date(2024, 4, 2)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"planned_start": "2024-13-01"},
            "row 2, column planned_start: '2024-13-01' is not a date of the calendar",
        ),
        (
            {"planned_start": "01/02/2024"},
            "row 2, column planned_start: '01/02/2024' is not a date written YYYY-MM-DD",
        ),
        (
            {"actual_finish": "2026-07-01"},
            "row 2, column actual_finish: 2026-07-01 is in the future (today is 2026-06-30)",
        ),
        ({"bac": "1,000"}, "row 2, column bac: '1,000' is not a decimal number such as 1250000.50"),
        ({"bac": "100.005"}, "row 2, column bac: amount 100.005 has 3 decimal places"),
        ({"bac": "0"}, "row 2, column bac: 0 must be above zero"),
        ({"currency": "EURO"}, "row 2, column currency: 'EURO' is not an ISO 4217 currency code"),
        ({"currency": "XAU"}, "row 2, column currency: XAU has no ISO 4217 minor unit"),
        (
            {"methodology": "scrum"},
            "row 2, column methodology: is 'scrum': expected one of waterfall, agile, hybrid",
        ),
        (
            {"outcome": "done"},
            "row 2, column outcome: is 'done': expected one of completed, cancelled",
        ),
        ({"code": "PAY 1"}, "row 2, column code: 'PAY 1' is not a project code"),
        ({"name": " "}, "row 2, column name: is required and empty"),
        ({"name": "x" * 201}, "row 2, column name: has 201 characters, at most 200 are allowed"),
        (
            {"manager": "[erased]"},
            "row 2, column manager: [erased] is what an erased person reads as",
        ),
        (
            {"flagged_large": "maybe"},
            "row 2, column flagged_large: is 'maybe': expected true or false",
        ),
        (
            {"cancel_reason": "why"},
            "row 2, column cancel_reason: must be empty: the outcome is completed",
        ),
        (
            {"costs": "100@2024-01-02"},
            "row 2, column costs: 2024-01-02 is outside the project's run from 2024-01-08 to "
            "2024-07-12",
        ),
        ({"costs": "100;200"}, "row 2, column costs: '100' is not amount@YYYY-MM-DD"),
        (
            {"actual_finish": "2024-01-07"},
            "row 2, column actual_finish: 2024-01-07 is before actual_start 2024-01-08",
        ),
        (
            {"planned_finish": "2023-12-31"},
            "row 2, column planned_finish: 2023-12-31 is not after planned_start 2024-01-01",
        ),
        (
            {"lesson_recommendation": ""},
            "row 2, column lesson_recommendation: is empty, but a lesson needs all of",
        ),
        (
            {"percent_complete": "101", "as_of": "2024-05-31"},
            "row 2, column percent_complete: 101 is not between 0 and 100",
        ),
        (
            {"percent_complete": "50"},
            "row 2, column as_of: is empty, but a progress report needs all of "
            "percent_complete, as_of",
        ),
        ({"risks": "Late|1.5|100"}, "row 2, column risks: 1.5 is not between 0 and 1"),
        (
            {"risks": "Late|0.5|100|happened"},
            "row 2, column risks: the outcome 'happened' of 'Late' is not one of",
        ),
        (
            {"risks": "Late only"},
            "row 2, column risks: 'Late only' is not title|probability|impact",
        ),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column(cells: dict[str, str], expected: str) -> None:
    problems = problems_of(with_cells(**cells))

    assert any(problem.startswith(expected) for problem in problems), problems


def test_every_problem_of_the_file_is_reported_at_once() -> None:
    bad_row = GOOD.replace("PAY-1", "PAY-2").replace("2024-01-08", "2024-02-30")
    problems = problems_of(f"{HEADER}\n{GOOD}\n{bad_row}\n{GOOD}\n")

    assert problems == [
        "row 3, column actual_start: '2024-02-30' is not a date of the calendar",
        "row 4, column code: PAY-1 is already the code of row 2",
    ]


def test_the_header_must_name_known_and_required_columns() -> None:
    header = HEADER.replace("bac,", "budget,").replace("sponsor,", "sponsor,sponsor,")
    problems = problems_of(f"{header}\n")

    assert any(
        p.startswith("row 1, column budget: is no column of a history file") for p in problems
    )
    assert "row 1, column bac: is a required column and missing from the header" in problems
    assert "row 1, column sponsor: appears twice in the header" in problems


def test_a_row_without_a_lesson_needs_a_reason() -> None:
    text = with_cells(lesson_category="", lesson_what_happened="", lesson_recommendation="")
    assert problems_of(text) == [
        "row 2, column no_lessons_reason: is required without a lesson: closing needs one of them"
    ]
    row = one_row(text.replace("\n", ",no_lessons_reason\n", 1).rstrip("\n") + ",Small job\n")
    assert (row.lesson, row.no_lessons_reason) == (None, "Small job")


def test_an_empty_file_and_extra_cells_are_refused() -> None:
    assert problems_of("") == ["row 1: the file is empty: its first row must name the columns"]
    assert problems_of(f"{HEADER}\n") == ["row 2: the file has no project rows"]
    assert problems_of(f"{HEADER}\n{GOOD},surplus\n") == [
        "row 2: has more cells than the header has columns"
    ]


def test_blank_rows_are_skipped_but_counted(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(f"\ufeff{HEADER}\n\n{GOOD}\n", encoding="utf-8")

    (row,) = read_history(path, today=TODAY)

    assert row.row == 3


def test_the_sample_of_the_demo_is_valid() -> None:
    rows = read_history(REPO / "deploy/local/history-sample.csv", today=TODAY)

    assert 10 <= len(rows) <= 15
    assert {row.methodology for row in rows} == set(METHODOLOGIES)
    assert [row.outcome for row in rows].count("cancelled") == 1
    over_budget = [r for r in rows if sum(c.amount for c in r.costs) > r.budget_at_completion]
    late = [r for r in rows if r.outcome == "completed" and r.ended_on > r.planned_finish]
    assert len(over_budget) >= 3
    assert len(late) >= 3


def test_the_methodologies_are_project_svcs() -> None:
    schema = json.loads(
        (REPO / "services/project-svc/events/schemas/ProjectProposed.v1.json").read_text()
    )
    enum = schema["$defs"]["Methodology"]["enum"]

    assert tuple(enum) == METHODOLOGIES
