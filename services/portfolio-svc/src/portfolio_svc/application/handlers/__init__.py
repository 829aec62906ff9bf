"""The handler of every portfolio-svc command, found through one map (`HANDLERS`). Each runs in
one unit of work: load, authorise, decide, append (with the outbox) and refresh the query rows.
A business date a command leaves out is the tenant's today (`ctx.today`).
"""

from portfolio_svc.application.handlers import components, portfolios, standards
from portfolio_svc.application.handlers.base import HANDLERS, Context

__all__ = ["HANDLERS", "Context", "components", "portfolios", "standards"]
