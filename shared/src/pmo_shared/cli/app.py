"""`pmoctl`: the PMO's operator tools on the command line (Typer + rich).

Each tool is a command of `app` (`pmoctl import`, `pmoctl token`); a family of them is a Typer
of its own added with `app.add_typer(...)` (e.g. `pmoctl dlq list|show|replay`). Exit codes of
`pmoctl import`: 0 every row went through, 1 some rows failed (or the service could not be
used), 2 the file (or the command line) is invalid and nothing was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from pmo_shared.cli import dlq, outbox, projections, tokens
from pmo_shared.cli.client import (
    CommandRefusedError,
    ProjectService,
    Retries,
    ServiceUnavailableError,
)
from pmo_shared.cli.history import COLUMN_DOCS, HistoryFileError, HistoryRow
from pmo_shared.cli.importer import ImportReport, import_history
from pmo_shared.cli.reading import read_history
from pmo_shared.cli.render import (
    ProgressBars,
    show_file_problems,
    show_plan,
    summary_line,
    summary_table,
)
from pmo_shared.web.auth import Role

app = typer.Typer(
    name="pmoctl",
    help="The PMO's operator tools.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

app.add_typer(dlq.app)
app.add_typer(projections.app)
app.add_typer(outbox.app)

IMPORT_HELP = (
    "Import finished projects from a history CSV into project-svc.\n\n"
    "Through the same commands as any client, each with its back-dated business date (the "
    "lesson has none in the API): propose, baseline, approve (by the approver: the "
    "proposer never approves), start, re-baseline, risks, costs, progress, complete or cancel, "
    "lesson, close.\n\n"
    "Idempotent and resumable: a project is found by its code and only the steps it lacks are "
    "sent, each with a deterministic Idempotency-Key; a re-run of the same file sends nothing."
    "\n\nColumns (* required; dates YYYY-MM-DD; the header is row 1):\n\n"
    + "\n\n".join(f"[bold]{columns}[/]: {escape(meaning)}" for columns, meaning in COLUMN_DOCS)
    + "\n\nExit codes: 0 all went through, 1 some rows failed, 2 the file is invalid."
)


@app.command("import", help=IMPORT_HELP)
def import_command(
    file: Annotated[Path, typer.Argument(help="the history CSV (UTF-8)", dir_okay=False)],
    url: Annotated[
        str, typer.Option(envvar="PROJECT_URL", help="project-svc's address")
    ] = "http://127.0.0.1:8001",
    token: Annotated[
        str | None, typer.Option(envvar="PMOCTL_TOKEN", help="the proposer's bearer token")
    ] = None,
    approver_token: Annotated[
        str | None,
        typer.Option(
            envvar="PMOCTL_APPROVER_TOKEN",
            help="the approver's token: another pmo user of the tenant (never the proposer)",
        ),
    ] = None,
    jwt_secret_file: Annotated[
        Path | None,
        typer.Option(envvar="JWT_SECRET_FILE", help="development: mint both tokens with it"),
    ] = None,
    tenant: Annotated[
        str | None, typer.Option(help="development: the tenant of the minted tokens")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="validate and show what would be sent; send nothing")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=16, help="projects at a time")] = 4,
    timeout: Annotated[float, typer.Option(min=0.1, help="seconds per request")] = 10.0,
    attempts: Annotated[int, typer.Option(min=1, max=20, help="tries per request")] = 5,
) -> None:
    """Import finished projects from a history CSV (`IMPORT_HELP` says how)."""
    out, err = Console(), Console(stderr=True)
    try:
        rows = read_history(file, today=datetime.now(UTC).date())
    except HistoryFileError as exc:
        show_file_problems(out, exc.problems)
        raise typer.Exit(2) from None
    credentials = _credentials(token, approver_token, jwt_secret_file, tenant, dry_run=dry_run)
    settings = _Settings(url, concurrency, timeout, Retries(attempts=attempts))
    try:
        report = asyncio.run(_run(rows, credentials, settings, dry_run=dry_run, err=err))
    except (ServiceUnavailableError, CommandRefusedError) as exc:
        err.print(f"[bold red]pmoctl import: {escape(str(exc))}[/]", highlight=False)
        raise typer.Exit(1) from None
    if dry_run:
        show_plan(out, report)
    out.print(summary_table(report, dry_run=dry_run))
    out.print(summary_line(report, dry_run=dry_run), soft_wrap=True, highlight=False)
    raise typer.Exit(report.exit_code)


@dataclass(frozen=True, slots=True)
class _Settings:
    url: str
    concurrency: int
    timeout: float
    retries: Retries


def _credentials(
    token: str | None,
    approver_token: str | None,
    secret_file: Path | None,
    tenant: str | None,
    *,
    dry_run: bool,
) -> tokens.Credentials | None:
    """The callers: given, minted for development, or none (a dry run that reads nothing)."""
    try:
        if token is not None:
            if approver_token is None and not dry_run:
                raise tokens.CredentialsError(
                    "pass --approver-token too: the proposer never approves its own projects"
                )
            return tokens.given(token, approver_token)
        if tenant is not None:
            return tokens.minted(tokens.read_secret(secret_file), tenant=tenant)
        if dry_run:
            return None
        raise tokens.CredentialsError(
            "pass --token and --approver-token, or (development) --tenant with --jwt-secret-file"
        )
    except tokens.CredentialsError as exc:
        raise typer.BadParameter(str(exc)) from None


async def _run(
    rows: Sequence[HistoryRow],
    credentials: tokens.Credentials | None,
    settings: _Settings,
    *,
    dry_run: bool,
    err: Console,
) -> ImportReport:
    if credentials is None:
        return await import_history(rows, service=None, tenant="", dry_run=True)
    async with httpx.AsyncClient(base_url=settings.url, timeout=settings.timeout) as http:
        service = ProjectService(
            http,
            token=credentials.token,
            approver_token=credentials.approver_token,
            retries=settings.retries,
        )
        tenant, concurrency = credentials.tenant, settings.concurrency
        if dry_run:
            return await import_history(rows, service=service, tenant=tenant, dry_run=True)
        with ProgressBars(err) as bars:
            return await import_history(
                rows, service=service, tenant=tenant, concurrency=concurrency, tracker=bars
            )


@app.command("token")
def token_command(
    tenant: Annotated[str, typer.Option(help="the tenant the token is scoped to")],
    roles: Annotated[
        str, typer.Option(help=f"comma-separated, out of: {', '.join(r.value for r in Role)}")
    ] = Role.VIEWER.value,
    sub: Annotated[str, typer.Option(help="the subject (user id) of the caller")] = "dev-user",
    ttl: Annotated[int, typer.Option(min=1, help="lifetime in seconds")] = 3600,
    jwt_secret_file: Annotated[
        Path | None, typer.Option(envvar="JWT_SECRET_FILE", help="file holding the secret")
    ] = None,
) -> None:
    """Print a development token (HS256, signed with the services' shared secret)."""
    try:
        chosen = [Role(name.strip()) for name in roles.split(",") if name.strip()]
        secret = tokens.read_secret(jwt_secret_file)
    except (ValueError, tokens.CredentialsError) as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(tokens.mint(secret, tenant=tenant, sub=sub, roles=chosen, ttl_seconds=ttl))


def main() -> None:
    """The `pmoctl` console script."""
    app()
