"""The history file of `pmoctl import`: a CSV of finished projects, one per row.

The header row names the columns, in any order (`COLUMN_DOCS` says what each means; `pmoctl
import --help` shows it); only `REQUIRED_COLUMNS` must be there, and an unknown column is an
error, so a misspelt one is never silently ignored. Rows are numbered as in a spreadsheet: the
header is row 1, the first project row 2.

Every date is a business date (YYYY-MM-DD): not in the future, and in the order project-svc
requires: the costs, the progress and a re-baseline between the beginning of the work (the
actual start, or the approval for a project cancelled before it started) and its end (the
actual finish, or the cancellation date); the end not before the beginning; the closing not
before the end. Amounts have at most the currency's ISO 4217 minor unit of decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from pmo_shared.cli.cells import FileProblem

METHODOLOGIES: Final = ("waterfall", "agile", "hybrid")
OUTCOMES: Final = ("completed", "cancelled")
DEFAULT_COST_CATEGORY: Final = "actuals"
RISK_OUTCOMES: Final = ("materialised", "avoided", "mitigated", "expired", "unrecorded", "open")
REQUIRED_COLUMNS: Final = (
    "code",
    "name",
    "methodology",
    "currency",
    "manager",
    "sponsor",
    "bac",
    "planned_start",
    "planned_finish",
    "outcome",
)
OPTIONAL_COLUMNS: Final = (
    "description",
    "flagged_large",
    "approved_on",
    "rebaseline_bac",
    "rebaseline_planned_finish",
    "rebaseline_on",
    "rebaseline_reason",
    "actual_start",
    "percent_complete",
    "as_of",
    "costs",
    "cost_category",
    "actual_finish",
    "cancelled_on",
    "cancel_reason",
    "closed_on",
    "lesson_category",
    "lesson_what_happened",
    "lesson_recommendation",
    "no_lessons_reason",
    "risks",
)
COLUMNS: Final = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
COLUMN_DOCS: Final[tuple[tuple[str, str], ...]] = (
    (
        "code*",
        "the project's code, unique in the tenant (1 to 40 letters, digits, '.', '_', '-'): "
        "how a re-run finds the project",
    ),
    ("name*", "its name (200 characters at most)"),
    ("description", "what it was for (10,000 characters at most)"),
    ("methodology*", f"one of {', '.join(METHODOLOGIES)}"),
    ("currency*", "an ISO 4217 code with a minor unit (EUR, USD, JPY ...)"),
    ("manager*, sponsor*", "user ids"),
    ("flagged_large", "true or false (yes/no, 1/0; empty: false)"),
    ("bac*", "the first baseline's budget at completion"),
    ("planned_start*, planned_finish*", "the first baseline's schedule"),
    (
        "approved_on",
        "the day the first baseline was set and approved (default: the earliest of "
        "planned_start, actual_start and the end)",
    ),
    (
        "rebaseline_bac, rebaseline_planned_finish, rebaseline_on, rebaseline_reason",
        "a second baseline: all four or none; needs actual_start",
    ),
    ("actual_start", "when the work started (empty: cancelled before it started)"),
    (
        "percent_complete, as_of",
        "the last progress report, both or neither (a completed project "
        "without one reports 100 on its actual_finish)",
    ),
    (
        "costs",
        "the actual costs: one total (dated on the end), or amount@YYYY-MM-DD entries "
        "separated by ';'",
    ),
    ("cost_category", f"what the costs are recorded as (default {DEFAULT_COST_CATEGORY!r})"),
    ("outcome*", f"one of {', '.join(OUTCOMES)}"),
    ("actual_finish", "when a completed project finished (required when completed)"),
    (
        "cancelled_on, cancel_reason",
        "when and why a cancelled project stopped (required when cancelled)",
    ),
    ("closed_on", "when the finished project was closed (default: the end)"),
    (
        "lesson_category, lesson_what_happened, lesson_recommendation",
        "the lesson learned: all three or none",
    ),
    ("no_lessons_reason", "why there is no lesson (required without one: closing needs either)"),
    (
        "risks",
        "title|probability|impact[|outcome[|resolution]] entries separated by ';': raised "
        "at the beginning; an outcome (materialised, avoided, mitigated, expired, unrecorded) "
        "closes the risk at the end, open (the default) leaves it open",
    ),
)
"""What each column means (a starred one is required), for the help of `pmoctl import`."""


class HistoryFileError(Exception):
    """The file cannot be imported: every problem found in it, in file order."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the history file")
        self.problems = sorted(problems)


@dataclass(frozen=True, slots=True)
class Cost:
    """An actual cost: an amount incurred on a day."""

    amount: Decimal
    incurred_on: date


@dataclass(frozen=True, slots=True)
class Risk:
    """A risk raised at the start; `outcome` None while it stays open."""

    title: str
    probability: Decimal
    impact: Decimal
    outcome: str | None
    resolution: str


@dataclass(frozen=True, slots=True)
class Rebaseline:
    """The second baseline: a new budget and finish, in force from `on`, and why."""

    budget_at_completion: Decimal
    planned_finish: date
    on: date
    reason: str


@dataclass(frozen=True, slots=True)
class Lesson:
    """The lesson learned a closed project leaves for the next ones."""

    category: str
    what_happened: str
    recommendation: str


@dataclass(frozen=True, slots=True)
class Progress:
    """The last progress report: percent complete as of a day."""

    percent_complete: Decimal
    as_of: date


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One finished project of the file, valid and complete: every date the commands need."""

    row: int
    code: str
    name: str
    description: str
    methodology: str
    currency: str
    manager: str
    sponsor: str
    flagged_large: bool
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date
    approved_on: date
    rebaseline: Rebaseline | None
    actual_start: date | None
    progress: Progress | None
    costs: tuple[Cost, ...]
    cost_category: str
    outcome: str
    ended_on: date  # the actual finish, or the cancellation date
    cancel_reason: str | None
    closed_on: date
    lesson: Lesson | None
    no_lessons_reason: str | None
    risks: tuple[Risk, ...]
