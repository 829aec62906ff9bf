"""What project-svc knows of the PMO's standards and the portfolio's decisions: reference tables
fed by `pmo.portfolio.events` (never by reading portfolio-svc's database).

- `events`: tolerant readers of every event type on the topic (two with fields);
- `fold`: how an event changes the references (pure), with the tenant checks;
- `model`, `store`: the rows and the tables `pmo_standards` (each tenant's sets by date) and
  `portfolio_decisions` (each decision by project: a program's applies to each it covers);
- `projection`, `runner`: the kernel's consumer runner, group `project-svc.portfolio-refs`.

The handlers and reads take the values in force on the business date at hand from these tables
in their own unit of work (`project_svc.application.standards`). The project list computes
`large` as it is read, by the standards in force that day, rather than storing it when a
project changes: a set may take effect on a later date than it arrives, so the list changes
with no event at all, on the day it takes effect.

A set's `time_zone` is kept, not applied: a tenant's calendar (its "today" for commands, and the
recorded date the dated upcasters give old events) is the kernel's, a synchronous clock made
once from the settings (`TENANT_TIME_ZONES`, `DEFAULT_TIME_ZONE`). Following the standards
would make the date a stored event decodes to depend on when it is read.
"""
