"""A reference-class forecast worked by hand on ten closed projects.

Every first baseline: BAC 500,000 (size class M), planned 1 January to 11 April 2025
(100 days); actual start 1 January unless said. The ten:

| project | methodology | size | closed    | AC      | cost ratio | days | schedule ratio |
|---------|-------------|------|-----------|---------|-----------:|-----:|---------------:|
| A1      | agile       | M    | completed | 450,000 | 0.90       |   90 | 0.9            |
| A2      | agile       | M    | completed | 500,000 | 1.00       |  100 | 1.0 (a)        |
| A3      | agile       | M    | completed | 600,000 | 1.20       |  120 | 1.2            |
| A4      | agile       | M    | completed | 700,000 | 1.40       |  150 | 1.5            |
| W1      | waterfall   | M    | completed | 525,000 | 1.05       |  110 | 1.1            |
| W2      | waterfall   | M    | completed | 550,000 | 1.10       |  130 | 1.3 (b)        |
| W3      | waterfall   | M    | completed | 650,000 | 1.30       |  140 | 1.4            |
| W4      | waterfall   | M    | completed | 800,000 | 1.60       |  200 | 2.0            |
| C1      | agile       | M    | cancelled | 100,000 | (left out) |      |                |
| S1      | agile       | S    | completed | 400,000 | 2.00 (c)   |  100 | 1.0            |

(a) no actual start: counted from the planned one; (b) started 11 January; (c) its first BAC
is 200,000: size class S, another class.

The project forecast: agile, size M, current BAC 480,000, planned 5 January to 23 July 2026
(199 days), SPI 0.8. With the minimum of 5: agile M has 4 completed, fewer than 5, so the size
class M alone: 8 members (C1 left out and counted, S1 is of S).
- cost ratios sorted 0.90 1.00 1.05 1.10 1.20 1.30 1.40 1.60: P50 at h = 7 x 0.5 = 3.5:
  1.10 + 0.5 x 0.10 = 1.15; P80 at h = 5.6: 1.30 + 0.6 x 0.10 = 1.36. Cost at completion P50
  480,000 x 1.15 = 552,000.00, P80 480,000 x 1.36 = 652,800.00.
- schedule ratios sorted 0.9 1.0 1.1 1.2 1.3 1.4 1.5 2.0: P50 1.2 + 0.5 x 0.1 = 1.25; P80
  1.4 + 0.6 x 0.1 = 1.46. Finish P50: 199 x 1.25 = 248.75, up to 249 days after 5 January:
  11 September 2026; P80: 199 x 1.46 = 290.54, up to 291 days: 23 October 2026.
- EVM: 199 / 0.8 = 248.75, up to 249 days: 11 September 2026.
With a minimum of 4, agile M itself (A1-A4): cost P50 at h = 1.5: 1.00 + 0.5 x 0.20 = 1.10, P80
at h = 2.4: 1.20 + 0.4 x 0.20 = 1.28; schedule P50 1.0 + 0.5 x 0.2 = 1.1, P80 1.2 + 0.4 x 0.3 =
1.32."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from reporting_svc.domain.benchmarks import ClosedProject, Outcome
from reporting_svc.domain.forecast import (
    Candidate,
    days_after,
    evm_finish,
    forecast,
    reference_class,
)

D = Decimal
ON = date.fromisoformat
START, FINISH = ON("2025-01-01"), ON("2025-04-11")
CENT = D("0.01")


def candidate(
    methodology: str,
    size: str,
    ac: str,
    days: int,
    *,
    outcome: Outcome = "completed",
    bac: str = "500000",
    start: date | None = START,
) -> Candidate:
    begun = start or START
    project = ClosedProject(
        project_id=uuid.uuid4(),
        outcome=outcome,
        closed_on=begun + timedelta(days=days),
        ac=D(ac),
        first_bac=D(bac),
        first_planned_start=START,
        first_planned_finish=FINISH,
        actual_start=start,
    )
    return Candidate(project, methodology, size)


A1 = candidate("agile", "M", "450000", 90)
A2 = candidate("agile", "M", "500000", 100, start=None)
A3 = candidate("agile", "M", "600000", 120)
A4 = candidate("agile", "M", "700000", 150)
W1 = candidate("waterfall", "M", "525000", 110)
W2 = candidate("waterfall", "M", "550000", 130, start=ON("2025-01-11"))
W3 = candidate("waterfall", "M", "650000", 140)
W4 = candidate("waterfall", "M", "800000", 200)
C1 = candidate("agile", "M", "100000", 30, outcome="cancelled")
S1 = candidate("agile", "S", "400000", 100, bac="200000")
TEN = [A1, A2, A3, A4, W1, W2, W3, W4, C1, S1]
PLANNED_START, PLANNED_FINISH = ON("2026-01-05"), ON("2026-07-23")


def test_the_ten_are_what_the_table_says() -> None:
    assert len(TEN) == 10
    assert (PLANNED_FINISH - PLANNED_START).days == 199
    m = [c.project for c in TEN if c.size_class == "M" and c.project.outcome == "completed"]
    assert sorted(p.cost_ratio or 0 for p in m) == [
        D(x) for x in ("0.9", "1", "1.05", "1.1", "1.2", "1.3", "1.4", "1.6")
    ]
    assert sorted(p.schedule_ratio or 0 for p in m) == [
        D(x) for x in ("0.9", "1", "1.1", "1.2", "1.3", "1.4", "1.5", "2")
    ]


def test_too_few_of_its_methodology_falls_back_to_the_size_class() -> None:
    chosen = reference_class(TEN, methodology="agile", size_class="M", minimum=5)
    assert (chosen.used, chosen.fallback, chosen.size, chosen.minimum) == ("size class", True, 8, 5)
    assert (chosen.preferred_size, chosen.cancelled_excluded, chosen.below_minimum) == (4, 1, False)
    assert {p.project_id for p in chosen.members} == {
        c.project.project_id for c in (A1, A2, A3, A4, W1, W2, W3, W4)
    }
    f = forecast(
        chosen.members,
        bac=D(480000),
        planned_start=PLANNED_START,
        planned_finish=PLANNED_FINISH,
        money=CENT,
    )
    assert f is not None
    assert (f.cost_ratios, f.cost_ratio_p50, f.cost_ratio_p80) == (8, D("1.1500"), D("1.3600"))
    assert (f.cost_p50, f.cost_p80) == (D("552000.00"), D("652800.00"))
    assert (f.schedule_ratios, f.schedule_ratio_p50, f.schedule_ratio_p80) == (
        8,
        D("1.2500"),
        D("1.4600"),
    )
    assert (f.finish_p50, f.finish_p80) == (ON("2026-09-11"), ON("2026-10-23"))
    assert evm_finish(PLANNED_START, PLANNED_FINISH, D("0.8")) == ON("2026-09-11")


def test_enough_of_its_methodology_keeps_the_preferred_class() -> None:
    chosen = reference_class(TEN, methodology="agile", size_class="M", minimum=4)
    assert (chosen.used, chosen.fallback, chosen.size) == ("methodology and size class", False, 4)
    assert chosen.cancelled_excluded == 1  # C1 is agile M too
    f = forecast(
        chosen.members,
        bac=D(480000),
        planned_start=PLANNED_START,
        planned_finish=PLANNED_FINISH,
        money=CENT,
    )
    assert f is not None
    assert (f.cost_ratio_p50, f.cost_ratio_p80) == (D("1.1000"), D("1.2800"))
    assert (f.cost_p50, f.cost_p80) == (D("528000.00"), D("614400.00"))
    assert (f.schedule_ratio_p50, f.schedule_ratio_p80) == (D("1.1000"), D("1.3200"))
    # 199 x 1.1 = 218.9: 219 days; 199 x 1.32 = 262.68: 263 days.
    assert f.finish_p50 == PLANNED_START + timedelta(days=219)
    assert f.finish_p80 == PLANNED_START + timedelta(days=263)


def test_the_project_is_never_in_its_own_class() -> None:
    chosen = reference_class(
        TEN, methodology="agile", size_class="M", minimum=4, exclude=A1.project.project_id
    )
    assert (chosen.fallback, chosen.size, chosen.preferred_size) == (True, 7, 3)


def test_a_class_below_the_minimum_even_after_falling_back_says_so() -> None:
    chosen = reference_class(TEN, methodology="agile", size_class="S", minimum=5)
    assert (chosen.used, chosen.size, chosen.below_minimum) == ("size class", 1, True)


def test_an_empty_class_gives_no_numbers() -> None:
    chosen = reference_class(TEN, methodology="agile", size_class="L", minimum=5)
    assert (chosen.size, chosen.fallback, chosen.cancelled_excluded) == (0, True, 0)
    empty = forecast(
        chosen.members,
        bac=D(1),
        planned_start=PLANNED_START,
        planned_finish=PLANNED_FINISH,
        money=CENT,
    )
    assert empty is None
    only_cancelled = reference_class([C1], methodology="agile", size_class="M", minimum=1)
    assert (only_cancelled.size, only_cancelled.cancelled_excluded) == (0, 1)


def test_undefined_ratios_leave_out_only_their_figures() -> None:
    free = candidate("agile", "M", "100", 100, bac="0")  # no cost ratio at a first BAC of 0
    f = forecast([free.project], bac=D(10), planned_start=START, planned_finish=FINISH, money=CENT)
    assert f is not None
    assert (f.cost_ratios, f.cost_p50, f.cost_ratio_p80) == (0, None, None)
    assert (f.schedule_ratios, f.finish_p50) == (1, FINISH)


def test_whole_days_and_the_calendars_end() -> None:
    assert days_after(START, D("0.01")) == START + timedelta(days=1)  # rounded up
    assert days_after(START, D(-1.5)) == START - timedelta(days=1)  # up is towards later
    assert days_after(ON("9999-12-30"), D(5)) is None
    assert evm_finish(START, FINISH, None) is None
    assert evm_finish(START, FINISH, D(0)) is None
    assert evm_finish(START, FINISH, D(2)) == START + timedelta(days=50)
