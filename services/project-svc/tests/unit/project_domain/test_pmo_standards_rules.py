"""The PMO's standards in the domain: what makes a project large in its currency, and when an
approval needs the portfolio's "approve" decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from pmo_shared.domain.errors import InvalidTransitionError, RuleViolationError
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.standards import (
    PortfolioDecision,
    PortfolioDecisionRequiredError,
    Standards,
)

from .given import DEFAULTS, PROJECT_ID, TODAY, approved, baselined, given, proposed, recorded

SET = Standards(
    large_project_threshold={"EUR": Decimal("500000.00")},
    portfolio_approval_threshold={"EUR": Decimal("2000000.00"), "JPY": Decimal(300000000)},
    required_gates=frozenset({"rebaseline_active_needs_pmo"}),
    effective_on=date(2026, 1, 1),
)


def _decision(decision: str, *, kind: str = "project") -> PortfolioDecision:
    return PortfolioDecision(
        decision=decision, decided_on=date(2026, 6, 1), component_id=uuid4(), kind=kind
    )


def _approve(project_bac: str, currency: str, decision: PortfolioDecision | None) -> list[object]:
    project = given(proposed(currency=currency), baselined(project_bac))
    project.approve(
        approved_by="pmo-carol", effective_on=TODAY, today=TODAY, standards=SET, decision=decision
    )
    return [e["type"] for e in recorded(project)]


# -- large ----------------------------------------------------------------------------------
def test_the_defaults_hold_one_threshold_for_every_currency() -> None:
    assert DEFAULTS.large_threshold("EUR") == DEFAULTS.large_threshold("JPY") == Decimal(1000000)
    assert DEFAULTS.approval_threshold("EUR") is None
    assert not DEFAULTS.requires("rebaseline_active_needs_pmo")
    assert DEFAULTS.effective_on is None


def test_a_set_holds_its_thresholds_per_currency_and_none_for_the_others() -> None:
    assert SET.large_threshold("EUR") == Decimal(500000)
    assert SET.large_threshold("JPY") is None
    assert SET.approval_threshold("JPY") == Decimal(300000000)
    assert SET.approval_threshold("USD") is None
    assert SET.requires("rebaseline_active_needs_pmo")


def test_without_a_threshold_for_its_currency_only_the_flag_makes_a_project_large() -> None:
    assert not given(proposed(currency="JPY"), baselined("900000000")).is_large(None)
    assert given(proposed(currency="JPY", flagged_large=True)).is_large(None)


def test_an_office_needs_a_project_large_by_the_threshold_it_is_given() -> None:
    project = given(proposed(), baselined("600000"), approved())

    def establish(threshold: Decimal | None) -> ProjectOffice:
        return ProjectOffice.establish(
            uuid4(),
            project=project,
            large_threshold=threshold,
            lead="po-lead",
            reporting_cadence_days=14,
            charter="",
            established_on=TODAY,
            today=TODAY,
        )

    assert establish(SET.large_threshold("EUR")).project_id == PROJECT_ID
    with pytest.raises(RuleViolationError, match="at least 1000000 EUR"):
        establish(DEFAULTS.large_threshold("EUR"))
    with pytest.raises(RuleViolationError, match="no large-project threshold for EUR"):
        establish(None)


# -- approval -------------------------------------------------------------------------------
def test_at_the_approval_threshold_an_approval_needs_the_portfolios_approve() -> None:
    with pytest.raises(PortfolioDecisionRequiredError, match="there is none") as refused:
        _approve("2000000", "EUR", None)
    assert refused.value.found is None
    assert (refused.value.threshold, refused.value.currency) == (Decimal(2000000), "EUR")

    for other in ("defer", "terminate", "a verdict of tomorrow"):
        with pytest.raises(PortfolioDecisionRequiredError, match=f"is '{other}'"):
            _approve("2000000", "EUR", _decision(other))

    assert _approve("2000000", "EUR", _decision("approve")) == ["ProjectApproved"]
    assert _approve("2000000", "EUR", _decision("approve", kind="program")) == ["ProjectApproved"]


def test_below_the_threshold_or_without_one_no_decision_is_needed() -> None:
    assert _approve("1999999.99", "EUR", None) == ["ProjectApproved"]
    assert _approve("299999999", "JPY", _decision("defer")) == ["ProjectApproved"]
    assert _approve("900000000", "USD", None) == ["ProjectApproved"]


def test_the_refusal_is_a_409_naming_what_is_missing() -> None:
    found = _decision("defer", kind="program")
    with pytest.raises(PortfolioDecisionRequiredError) as refused:
        _approve("300000000", "JPY", found)

    error = refused.value
    assert isinstance(error, RuleViolationError)
    assert (error.status, error.code) == (409, "portfolio-decision-required")
    assert error.problem_extra() == {
        "project_id": str(PROJECT_ID),
        "budget_at_completion": "300000000",
        "threshold": "300000000",
        "currency": "JPY",
        "approval_date": "2026-06-15",
        "required_decision": "approve",
        "decision": "defer",
        "decided_on": "2026-06-01",
        "decided_on_component": {"component_id": str(found.component_id), "kind": "program"},
    }
    assert "300000000 JPY" in error.problem_detail()


def test_the_lifecycle_rules_come_before_the_portfolios() -> None:
    """An approval the lifecycle refuses is refused for that, not for a missing decision."""
    project = given(proposed(), baselined("9000000"), approved())
    with pytest.raises(InvalidTransitionError):
        project.approve(
            approved_by="pmo-carol", effective_on=TODAY, today=TODAY, standards=SET, decision=None
        )
    with pytest.raises(RuleViolationError, match="needs a baseline"):
        given(proposed()).approve(
            approved_by="pmo-carol", effective_on=TODAY, today=TODAY, standards=SET, decision=None
        )
