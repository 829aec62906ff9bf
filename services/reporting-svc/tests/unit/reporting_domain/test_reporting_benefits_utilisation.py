"""Benefits and utilisation by hand: a benefit's realised share of its own target (units never
summed), the program's share at target and mean percentage; hours assigned over capacity per
resource and ISO week, with the changes an assignment had by the status date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from reporting_svc.domain.benefits import progress, summary
from reporting_svc.domain.utilisation import (
    Assignment,
    Change,
    Resource,
    ended_with,
    in_force,
    is_week,
    monday,
    span,
    utilisation,
    week_of,
    weeks_from,
)

D = Decimal


def test_each_benefit_is_measured_against_its_own_target() -> None:
    hours = progress(uuid4(), target=D("100"), realised=D("80"))  # hours saved
    tickets = progress(uuid4(), target=D("3"), realised=D("1"))  # tickets a week
    euros = progress(uuid4(), target=D("100"), realised=D("120"))  # beyond target
    pending = progress(uuid4(), target=D("50"), realised=None)
    assert (hours.percent, hours.at_target) == (D("80.00"), False)
    assert (tickets.percent, tickets.at_target) == (D("33.33"), False)
    assert (euros.percent, euros.at_target) == (D("120.00"), True)
    assert (pending.percent, pending.at_target) == (None, False)
    exactly = progress(uuid4(), target=D("7.5"), realised=D("7.50"))
    assert (exactly.percent, exactly.at_target) == (D("100.00"), True)

    result = summary([hours, tickets, euros, pending])
    assert (result.planned, result.reported, result.at_target) == (4, 3, 1)
    assert result.at_target_share == D("0.2500")  # 1 of the 4 planned
    assert result.mean_percent == D("77.78")  # (80.00 + 33.33 + 120.00) / 3 = 77.776...


def test_without_benefits_or_reports_the_summary_has_no_ratios() -> None:
    assert summary([]).at_target_share is None
    assert summary([]).mean_percent is None
    only_planned = summary([progress(uuid4(), target=D(1), realised=None)])
    assert (only_planned.at_target_share, only_planned.mean_percent) == (D("0.0000"), None)


def test_iso_weeks() -> None:
    assert monday("2026-W01") == date(2025, 12, 29)
    assert week_of(date(2027, 1, 3)) == "2026-W53"  # 2026 has 53 ISO weeks
    assert weeks_from("2026-W52", count=3) == ["2026-W52", "2026-W53", "2027-W01"]
    assert is_week("2026-W53")
    for wrong in ("2027-W53", "2026-W00", "2026W01", "26-W01", "2026-W1", "2026-Wxx", ""):
        assert not is_week(wrong), wrong
    with pytest.raises(ValueError, match="no ISO week"):
        monday("2026-13")


RESOURCE, OTHER, PROJECT = uuid4(), uuid4(), uuid4()


def _assigned(hours: str, first: str, last: str, resource: UUID = RESOURCE) -> Assignment:
    return Assignment(uuid4(), resource, PROJECT, D(hours), first, last)


def test_utilisation_is_assigned_over_capacity_and_overbooked_beyond_it() -> None:
    weeks = weeks_from("2026-W01", count=6)
    loads = utilisation(
        [Resource(RESOURCE, D(40)), Resource(OTHER, D("37.5"))],
        [
            _assigned("24", "2026-W01", "2026-W04"),
            _assigned("24", "2026-W03", "2026-W05"),
            _assigned("37.5", "2026-W02", "2026-W02", OTHER),
            _assigned("8", "2026-W09", "2026-W10"),  # outside the weeks asked
        ],
        weeks=weeks,
    )
    ann, role = loads
    assert [(w.week, w.assigned, w.utilisation, w.overbooked) for w in ann.weeks] == [
        ("2026-W01", D(24), D("0.6000"), False),
        ("2026-W02", D(24), D("0.6000"), False),
        ("2026-W03", D(48), D("1.2000"), True),
        ("2026-W04", D(48), D("1.2000"), True),
        ("2026-W05", D(24), D("0.6000"), False),
        ("2026-W06", D(0), D("0.0000"), False),
    ]
    assert ann.overbooked_weeks == ("2026-W03", "2026-W04")
    assert [w.utilisation for w in role.weeks][:2] == [D("0.0000"), D("1.0000")]  # full, not over
    assert role.overbooked_weeks == ()


def test_an_assignment_in_force_has_its_changes_in_stream_order() -> None:
    base = _assigned("20", "2026-W10", "2026-W20")
    changed = in_force(
        base,
        [
            Change(9, "ended_early", last_week="2026-W15"),
            Change(7, "hours", hours=D("10")),
            Change(8, "hours", hours=D("16")),
        ],
    )
    assert changed is not None
    assert (changed.hours, changed.first_week, changed.last_week) == (D(16), "2026-W10", "2026-W15")
    assert in_force(base, [Change(7, "hours", hours=D(5)), Change(8, "released")]) is None
    assert in_force(base, []) == base


def test_an_assignment_ends_with_the_week_its_project_left() -> None:
    base = _assigned("20", "2026-W10", "2026-W20")
    left_in_week_12 = date(2026, 3, 18)  # a Wednesday of 2026-W12
    cut = ended_with(base, left_on=left_in_week_12)
    assert cut is not None
    assert (cut.first_week, cut.last_week) == ("2026-W10", "2026-W12")
    assert ended_with(base, left_on=date(2026, 3, 1)) is None  # 2026-W09: not begun
    assert ended_with(base, left_on=date(2026, 6, 1)) == base  # after it ended anyway


def test_the_span_covers_every_valid_assignment() -> None:
    assert span([]) is None
    found = span(
        [
            _assigned("1", "2026-W05", "2026-W07"),
            _assigned("1", "2025-W50", "2026-W02"),
            _assigned("1", "2026-W99", "2027-W01"),  # no ISO week: left out
        ]
    )
    assert found == ("2025-W50", "2026-W07")
