"""Benefits: planned with a measure, unit, target and owner; realisation reported as of dates.
Per benefit: latest value / target * 100, exact; per program: the share of benefits at or
above target and the mean of the per-benefit percentages (units are never summed)."""

from __future__ import annotations

from datetime import date

import pytest

from pmo_shared.domain.errors import InvalidValueError, NotFoundError
from program_svc.domain import events as ev
from program_svc.domain.errors import AlreadyExistsError
from program_svc.domain.parts import BenefitsRealisation

from .given import ACTIVE, ON, D, given, recorded, uid

TARGET_DATE = date(2027, 6, 30)


def planned(n: int, target: str, unit: str = "hours") -> ev.BenefitPlanned:
    return ev.BenefitPlanned(
        benefit_id=uid(n),
        name=f"benefit {n}",
        measure="payroll run time",
        unit=unit,
        target_value=D(target),
        target_date=TARGET_DATE,
        owner="hr-hana",
        effective_on=ON,
    )


def reported(n: int, value: str, as_of: date) -> ev.BenefitRealisationReported:
    return ev.BenefitRealisationReported(benefit_id=uid(n), value=D(value), as_of=as_of)


def test_a_benefit_is_planned() -> None:
    program = given(*ACTIVE)
    program.plan_benefit(
        uid(1),
        name="Faster payroll",
        measure="hours saved per run",
        unit="hours",
        target_value=D(200),
        target_date=TARGET_DATE,
        owner="hr-hana",
        on=ON,
    )
    assert recorded(program) == [
        {
            "type": "BenefitPlanned",
            "benefit_id": uid(1),
            "name": "Faster payroll",
            "measure": "hours saved per run",
            "unit": "hours",
            "target_value": D(200),
            "target_date": TARGET_DATE,
            "owner": "hr-hana",
            "effective_on": ON,
        }
    ]
    benefit = program.benefits[uid(1)]
    assert (benefit.latest, benefit.realisation_percent, benefit.reached) == (None, None, False)


def test_realisation_is_the_latest_value_over_the_target() -> None:
    program = given(*ACTIVE, planned(1, "200"))
    program.report_benefit(uid(1), value=D(150), as_of=date(2026, 9, 30))
    assert recorded(program) == [
        {
            "type": "BenefitRealisationReported",
            "benefit_id": uid(1),
            "value": D(150),
            "as_of": date(2026, 9, 30),
        }
    ]
    assert program.benefits[uid(1)].realisation_percent == D(75)


def test_the_latest_as_of_counts_not_the_latest_recorded() -> None:
    program = given(
        *ACTIVE,
        planned(1, "200"),
        reported(1, "180", date(2026, 12, 31)),
        reported(1, "50", date(2026, 6, 30)),  # a late report of an earlier date
    )
    benefit = program.benefits[uid(1)]
    assert benefit.latest is not None
    assert (benefit.latest.value, benefit.latest.as_of) == (D(180), date(2026, 12, 31))
    assert benefit.realisation_percent == D(90)


def test_of_two_reports_of_one_date_the_later_recorded_counts() -> None:
    program = given(*ACTIVE, planned(1, "200"), reported(1, "10", ON), reported(1, "20", ON))
    assert program.benefits[uid(1)].realisation_percent == D(10)


def test_realisation_is_exact_and_may_pass_the_target() -> None:
    program = given(
        *ACTIVE,
        planned(1, "3"),
        reported(1, "1", ON),
        planned(2, "0.8"),
        reported(2, "1", ON),
    )
    assert program.benefits[uid(1)].realisation_percent == D("33.33333333333333333333333333")
    assert program.benefits[uid(2)].realisation_percent == D(125)
    assert program.benefits[uid(2)].reached


def test_program_realisation_counts_benefits_and_averages_percentages_never_units() -> None:
    program = given(
        *ACTIVE,
        planned(1, "200", unit="hours"),
        reported(1, "200", ON),  # 100 %, at target
        planned(2, "1000000", unit="EUR"),
        reported(2, "500000", ON),  # 50 %
        planned(3, "10", unit="%"),
        reported(3, "12", ON),  # 120 %, above target
        planned(4, "5", unit="complaints"),  # not reported yet
    )
    assert program.benefits_realisation == BenefitsRealisation(
        planned=4,
        reported=3,
        at_or_above_target=2,
        share_at_target_percent=D(50),
        mean_percent=D(90),
    )


def test_a_program_without_benefits_has_no_realisation_figures() -> None:
    assert given(*ACTIVE).benefits_realisation == BenefitsRealisation(0, 0, 0, None, None)


def test_planned_but_unreported_benefits_have_a_share_but_no_mean() -> None:
    realisation = given(*ACTIVE, planned(1, "5"), planned(2, "5")).benefits_realisation
    assert (realisation.share_at_target_percent, realisation.mean_percent) == (D(0), None)


def test_a_benefit_id_is_used_once_and_reports_are_of_known_benefits() -> None:
    program = given(*ACTIVE, planned(1, "5"))
    with pytest.raises(AlreadyExistsError):
        program.plan_benefit(
            uid(1),
            name="n",
            measure="m",
            unit="u",
            target_value=D(1),
            target_date=TARGET_DATE,
            owner="o",
            on=ON,
        )
    with pytest.raises(NotFoundError) as refused:
        program.report_benefit(uid(2), value=D(1), as_of=ON)
    assert refused.value.status == 404


@pytest.mark.parametrize("target", ["0", "-1"])
def test_a_target_is_positive(target: str) -> None:
    with pytest.raises(InvalidValueError, match="target value"):
        given(*ACTIVE).plan_benefit(
            uid(1),
            name="n",
            measure="m",
            unit="u",
            target_value=D(target),
            target_date=TARGET_DATE,
            owner="o",
            on=ON,
        )


def test_a_realised_value_is_not_negative() -> None:
    program = given(*ACTIVE, planned(1, "5"))
    with pytest.raises(InvalidValueError, match="zero or more"):
        program.report_benefit(uid(1), value=D("-0.1"), as_of=ON)
    program.report_benefit(uid(1), value=D(0), as_of=ON)
    assert program.benefits[uid(1)].realisation_percent == 0
