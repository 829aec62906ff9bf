"""The handler of every project-svc command, found through one map (`HANDLERS`). Each runs in
one unit of work: load, authorise, decide, append (with the outbox) and refresh the query rows.
A business date a command leaves out is the tenant's today (`ctx.today`).
"""

from project_svc.application.handlers import offices, projects
from project_svc.application.handlers.base import (
    HANDLERS,
    Context,
    ProjectPolicy,
    latest_office_of,
    project_of,
)

__all__ = [
    "HANDLERS",
    "Context",
    "ProjectPolicy",
    "latest_office_of",
    "offices",
    "project_of",
    "projects",
]
