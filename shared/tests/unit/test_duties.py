"""The kernel's segregation of duties: who may approve, and a service's further conditions."""

from __future__ import annotations

import pytest

from pmo_shared.application.caller import Caller, Principal, Role
from pmo_shared.application.duties import (
    SPONSOR_ROLES,
    Parties,
    conflict_of_duties,
    require_may_approve,
)
from pmo_shared.application.errors import ForbiddenError

PARTIES = Parties(proposer="pmo-paula", manager="pm-mia", sponsor="exec-sam")


def caller(subject: str, *roles: Role) -> Caller:
    return Caller(Principal(subject, "acme", frozenset(roles)), correlation_id="corr")


@pytest.mark.parametrize(
    ("subject", "conflict"),
    [
        ("pmo-paula", "proposed it"),
        ("pm-mia", "manage it"),
        ("exec-sam", None),
        ("someone", None),
    ],
)
def test_the_conflicts_of_duties(subject: str, conflict: str | None) -> None:
    assert conflict_of_duties(subject, PARTIES) == conflict


def test_the_sponsor_who_also_manages_is_in_conflict() -> None:
    both = Parties(proposer="pmo-paula", manager="boss", sponsor="boss")

    assert conflict_of_duties("boss", both) == "sponsor and manage it"
    with pytest.raises(ForbiddenError, match="they sponsor and manage it"):
        require_may_approve(caller("boss", Role.PMO), both, what="program X")


def test_the_pmo_role_does_not_lift_a_conflict() -> None:
    with pytest.raises(ForbiddenError, match="pmo-paula may not approve program X"):
        require_may_approve(caller("pmo-paula", Role.PMO), PARTIES, what="program X")


def test_a_sponsor_approves_with_a_role_that_acts_in_the_tenant() -> None:
    for role in SPONSOR_ROLES:
        require_may_approve(caller("exec-sam", role), PARTIES, what="program X")
    for role in set(Role) - SPONSOR_ROLES:
        with pytest.raises(ForbiddenError, match="needs the pmo role, or being its sponsor"):
            require_may_approve(caller("exec-sam", role), PARTIES, what="program X")
    assert set(Role) - SPONSOR_ROLES == {Role.VIEWER, Role.PLATFORM_OPERATOR}


def test_a_further_condition_refuses_until_it_holds() -> None:
    decided: set[str] = set()

    def portfolio_decided(who: Caller, parties: Parties) -> str | None:
        del who
        return None if parties.manager in decided else "the portfolio has not decided"

    pmo = caller("pmo-carol", Role.PMO)
    with pytest.raises(ForbiddenError, match="program X cannot be approved yet: the portfolio"):
        require_may_approve(pmo, PARTIES, what="program X", conditions=[portfolio_decided])
    decided.add("pm-mia")
    require_may_approve(pmo, PARTIES, what="program X", conditions=[portfolio_decided])
