"""The handlers of the commands on a project's Project Office."""

from __future__ import annotations

from uuid import uuid4

from pmo_shared.application.handlers import Added
from project_svc.application import commands as c
from project_svc.application.handlers.base import (
    Context,
    changed_office,
    handles,
    office_added,
    project_of,
    require_manager,
)
from project_svc.application.standards import standards_on
from project_svc.domain.project_office import ProjectOffice


@handles(c.EstablishOffice)
async def establish_office(cmd: c.EstablishOffice, ctx: Context) -> ProjectOffice:
    """Set up the Project Office of a large project, large by the PMO's standards in force on
    the establishment date (today unless an earlier date is given)."""
    project = await project_of(ctx.uow, cmd.project_id)
    require_manager(ctx.caller, project)
    when = cmd.established_on or ctx.today
    standards = await standards_on(ctx.uow, defaults=ctx.config.defaults, on=when)
    office = ProjectOffice.establish(
        uuid4(),
        project=project,
        large_threshold=standards.large_threshold(project.currency),
        lead=cmd.lead,
        reporting_cadence_days=cmd.reporting_cadence_days,
        charter=cmd.charter,
        established_on=when,
        today=ctx.today,
    )
    await ctx.save(office)
    return office


@handles(c.AssignOfficeStaff)
async def assign_office_staff(cmd: c.AssignOfficeStaff, ctx: Context) -> ProjectOffice:
    """Assign someone to the office."""
    return await changed_office(
        cmd, ctx, lambda o: o.assign_staff(user_id=cmd.user_id, role=cmd.role)
    )


@handles(c.ReleaseOfficeStaff)
async def release_office_staff(cmd: c.ReleaseOfficeStaff, ctx: Context) -> ProjectOffice:
    """Release someone from the office."""
    return await changed_office(cmd, ctx, lambda o: o.release_staff(user_id=cmd.user_id))


@handles(c.PublishOfficeReport)
async def publish_office_report(cmd: c.PublishOfficeReport, ctx: Context) -> Added[ProjectOffice]:
    """Publish a status, financial, risk or metrics report."""
    return await office_added(
        cmd,
        ctx,
        lambda o: o.publish_report(
            kind=cmd.kind, period_end=cmd.period_end, summary=cmd.summary, metrics=cmd.metrics
        ),
    )


@handles(c.FileOfficeDocument)
async def file_office_document(cmd: c.FileOfficeDocument, ctx: Context) -> Added[ProjectOffice]:
    """File a document (title, kind, link)."""
    return await office_added(
        cmd, ctx, lambda o: o.file_document(title=cmd.title, kind=cmd.kind, link=cmd.link)
    )


@handles(c.DisbandOffice)
async def disband_office(cmd: c.DisbandOffice, ctx: Context) -> ProjectOffice:
    """Disband the office by hand (the PMO or the project's manager, not its lead), as of
    today unless an earlier date is given."""
    when, today = cmd.disbanded_on or ctx.today, ctx.today
    return await changed_office(
        cmd,
        ctx,
        lambda o: o.disband(reason=cmd.reason, disbanded_on=when, today=today),
        lead_may=False,
    )
