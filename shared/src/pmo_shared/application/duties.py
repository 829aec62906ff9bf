"""Segregation of duties: the one rule every write service applies before an approval.

A caller never approves what they proposed, what they manage, or what they both sponsor and
manage, whatever their roles (the `pmo` role included). Beyond that, approving needs authority:
the `pmo` role, or being the thing's named sponsor when the sponsor is not its manager. A sponsor
approves as someone who may act in the tenant: they must hold one of `SPONSOR_ROLES` (every
tenant role but `viewer`, which only reads, and `platform_operator`, which grants nothing inside
a tenant).

Extension point: a service that needs more than the caller's standing (portfolio-svc's decision
on a project or program, once it exists) passes its own `ApprovalCondition`s as `conditions`;
each names what is missing, or None when it holds, and any that is missing refuses the approval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pmo_shared.application.caller import Caller, Role
from pmo_shared.application.errors import ForbiddenError

SPONSOR_ROLES = frozenset(
    {Role.PMO, Role.PORTFOLIO_MANAGER, Role.PROGRAM_MANAGER, Role.PROJECT_MANAGER}
)
"""The roles a named sponsor must hold (one of) to approve."""


@dataclass(frozen=True, slots=True)
class Parties:
    """Who stands behind the thing to approve: its proposer (the actor of the event that
    created it), its manager and its sponsor (user ids)."""

    proposer: str
    manager: str
    sponsor: str


ApprovalCondition = Callable[[Caller, Parties], str | None]
"""A further condition of an approval: why it does not hold yet (a sentence), or None."""


def require_may_approve(
    caller: Caller,
    parties: Parties,
    *,
    what: str,
    conditions: Sequence[ApprovalCondition] = (),
) -> None:
    """Refuse (403, `ForbiddenError` saying why) unless `caller` may approve `what` (e.g.
    "project PAY-1"): never its proposer, manager or sponsor-and-manager; the PMO, or its
    named sponsor (not also its manager) holding one of `SPONSOR_ROLES`; and every one of
    `conditions` holds."""
    conflict = conflict_of_duties(caller.subject, parties)
    if conflict is not None:
        raise ForbiddenError(f"{caller.subject} may not approve {what}: they {conflict}")
    if not _has_authority(caller, parties):
        raise ForbiddenError(
            f"approving {what} needs the pmo role, or being its sponsor ({parties.sponsor}) "
            f"with one of the roles: {', '.join(sorted(r.value for r in SPONSOR_ROLES))}"
        )
    for condition in conditions:
        missing = condition(caller, parties)
        if missing is not None:
            raise ForbiddenError(f"{what} cannot be approved yet: {missing}")


def conflict_of_duties(subject: str, parties: Parties) -> str | None:
    """How `subject` is too close to the thing to approve it ("proposed it", "manage it",
    "sponsor and manage it"), or None when they are not."""
    if subject == parties.manager:
        return "sponsor and manage it" if subject == parties.sponsor else "manage it"
    if subject == parties.proposer:
        return "proposed it"
    return None


def _has_authority(caller: Caller, parties: Parties) -> bool:
    if caller.has_role(Role.PMO):
        return True
    is_sponsor = caller.subject == parties.sponsor != parties.manager
    return is_sponsor and caller.has_role(*SPONSOR_ROLES)
