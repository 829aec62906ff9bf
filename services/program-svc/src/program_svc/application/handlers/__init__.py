"""The handler of every program-svc command, found through one map (`HANDLERS`). Each runs in
one unit of work: load, authorise, decide, append (with the outbox) and refresh the query rows.
A business date a command leaves out is the tenant's today (`ctx.today`).
"""

from program_svc.application.handlers import benefits, members, programs, resources
from program_svc.application.handlers.base import HANDLERS, Context

__all__ = ["HANDLERS", "Context", "benefits", "members", "programs", "resources"]
