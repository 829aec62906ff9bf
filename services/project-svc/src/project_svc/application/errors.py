"""What the application layer refuses beyond the domain's rules."""

from __future__ import annotations

from uuid import UUID


class ProjectNotFoundError(LookupError):
    """No such project for this tenant (another tenant's project is not found either)."""

    def __init__(self, project_id: UUID, what: str = "project") -> None:
        super().__init__(f"{what} {project_id} not found")
        self.project_id = project_id


class OfficeNotFoundError(ProjectNotFoundError):
    """The project has no Project Office (or no live one where a live one is needed)."""

    def __init__(self, project_id: UUID) -> None:
        super().__init__(project_id, "Project Office of project")


class StaleVersionError(Exception):
    """The client's If-Match names a version the stream has moved past (412)."""

    def __init__(self, *, expected: int, actual: int) -> None:
        super().__init__(f"If-Match names version {expected}, the current version is {actual}")
        self.expected = expected
        self.actual = actual


class ForbiddenError(PermissionError):
    """The caller may read this but not change it (403)."""


class IdempotencyKeyReuseError(Exception):
    """The Idempotency-Key was used before with a different request (422)."""
