"""Who asks: the authenticated principal, its roles, and what it appends as event metadata.

The web layer makes a `Caller` from a verified token; a consumer that runs commands in reaction
to other services' events (a process manager) makes one for its service with `Caller.system`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pmo_shared.application.errors import ForbiddenError
from pmo_shared.domain.events import EventMetadata


class Role(StrEnum):
    """What a caller may be allowed to do, as carried in the token's `roles` claim."""

    PROJECT_MANAGER = "project_manager"
    PROGRAM_MANAGER = "program_manager"
    PORTFOLIO_MANAGER = "portfolio_manager"
    PMO = "pmo"
    VIEWER = "viewer"
    # Operates the platform across tenants (e.g. rebuilding the shared read models); it grants
    # nothing inside a tenant.
    PLATFORM_OPERATOR = "platform_operator"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    subject: str
    tenant: str
    roles: frozenset[Role]

    def has_any_role(self, *roles: Role) -> bool:
        """Whether the caller holds at least one of `roles`."""
        return not self.roles.isdisjoint(roles)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sends a command, the correlation id it travels with, and (for a command caused by
    another event) the id of that event."""

    principal: Principal
    correlation_id: str
    causation_id: str | None = None

    @classmethod
    def system(
        cls,
        service: str,
        *,
        tenant: str,
        roles: frozenset[Role],
        correlation_id: str,
        causation_id: str | None = None,
    ) -> Caller:
        """A service acting on its own in a tenant, e.g. in reaction to another's event."""
        return cls(Principal(f"system:{service}", tenant, roles), correlation_id, causation_id)

    @property
    def tenant(self) -> str:
        """The caller's tenant: every read and write is scoped to it."""
        return self.principal.tenant

    @property
    def subject(self) -> str:
        """The caller's user id."""
        return self.principal.subject

    def has_role(self, *roles: Role) -> bool:
        """Whether the caller holds at least one of `roles`."""
        return self.principal.has_any_role(*roles)

    def require_role(self, *roles: Role) -> None:
        """Refuse (403) unless the caller holds one of `roles`."""
        if not self.principal.has_any_role(*roles):
            names = ", ".join(r.value for r in roles)
            raise ForbiddenError(f"this needs one of the roles: {names}")

    def metadata(self) -> EventMetadata:
        """Event metadata for what this caller appends."""
        return EventMetadata(
            tenant_id=self.tenant,
            actor=self.principal.subject,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )
