"""`pmoctl projections status|rebuild`: reporting-svc's projections through its operator API
(`GET /v1/projections`, `POST /v1/projections/{name}/rebuild`), with a platform operator's
token. `rebuild --wait` follows the new generation with a progress bar until it is live, for at
most `--timeout` seconds. Exit codes: 0 done, 1 refused, unreachable or timed out, 2 the command
line is invalid."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pmo_shared.cli import tokens
from pmo_shared.web.auth import Role

app = typer.Typer(
    name="projections",
    help="reporting-svc's projections: status and rebuilds (platform operators).",
    no_args_is_help=True,
)

Url = Annotated[str, typer.Option(envvar="REPORTING_URL", help="reporting-svc's address")]
Token = Annotated[
    str | None,
    typer.Option(envvar="PMOCTL_OPERATOR_TOKEN", help="a platform_operator's bearer token"),
]
SecretFile = Annotated[
    Path | None,
    typer.Option(envvar="JWT_SECRET_FILE", help="development: mint the operator's token with it"),
]
DEFAULT_URL = "http://127.0.0.1:8004"
OPERATOR_SUB = "pmoctl-operator"

Sleep = Callable[[float], None]


class ProjectionsError(Exception):
    """reporting-svc refused or could not be reached (the sentence says which)."""


def operator_token(token: str | None, secret_file: Path | None) -> str:
    """The token given, else (development) one minted for a platform operator."""
    if token is not None:
        return token
    try:
        secret = tokens.read_secret(secret_file)
    except tokens.CredentialsError as exc:
        raise typer.BadParameter(f"pass --token, or (development) {exc}") from None
    return tokens.mint(
        secret, tenant="platform", sub=OPERATOR_SUB, roles=[Role.PLATFORM_OPERATOR], ttl_seconds=900
    )


class ReportingOperator:
    """The operator API of reporting-svc."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def projections(self) -> list[dict[str, Any]]:
        """Every projection with its generations."""
        body: list[dict[str, Any]] = self._call("GET", "/v1/projections").json()
        return body

    def rebuild(self, name: str) -> dict[str, Any]:
        """Start a rebuild; the projection as it is right after."""
        body: dict[str, Any] = self._call("POST", f"/v1/projections/{name}/rebuild").json()
        return body

    def _call(self, method: str, path: str) -> httpx.Response:
        try:
            response = self._http.request(method, path)
        except httpx.HTTPError as exc:
            raise ProjectionsError(f"reporting-svc is not reachable: {exc}") from None
        if response.status_code >= 400:
            raise ProjectionsError(f"{method} {path}: {response.status_code} {_detail(response)}")
        return response


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("detail") or body.get("title") or body) if isinstance(body, dict) else ""


def _client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=15)


@app.command("status")
def status_command(
    url: Url = DEFAULT_URL, token: Token = None, jwt_secret_file: SecretFile = None
) -> None:
    """Each projection's generations: status, consumed offsets, lag, events, dead letters."""
    bearer = operator_token(token, jwt_secret_file)
    with _client(url, bearer) as http:
        found = _or_exit("status", lambda: ReportingOperator(http).projections())
    Console().print(status_table(found))


@app.command("rebuild")
def rebuild_command(
    name: Annotated[str, typer.Argument(help="the projection (e.g. project-reports)")],
    url: Url = DEFAULT_URL,
    token: Token = None,
    jwt_secret_file: SecretFile = None,
    wait: Annotated[bool, typer.Option("--wait", help="follow it until it is live")] = False,
    timeout: Annotated[float, typer.Option(min=1, help="seconds --wait waits at most")] = 600,
    interval: Annotated[float, typer.Option(min=0.05, help="seconds between looks")] = 0.5,
) -> None:
    """Rebuild a projection from the beginning of its topics into a new generation."""
    bearer = operator_token(token, jwt_secret_file)
    out = Console()
    with _client(url, bearer) as http:
        api = ReportingOperator(http)
        started = _or_exit("rebuild", lambda: api.rebuild(name))
        generation = max(g["generation"] for g in started["generations"])
        out.print(f"rebuilding {escape(name)}: generation {generation}", highlight=False)
        if not wait:
            return
        live = _or_exit(
            "rebuild",
            lambda: wait_until_live(
                api, name, generation, timeout=timeout, interval=interval, console=out
            ),
        )
    out.print(
        f"generation {generation} of {escape(name)} is live: {live['events_applied']} events, "
        f"{live['dead_letters']} dead letter(s)",
        highlight=False,
    )


def wait_until_live(
    api: ReportingOperator,
    name: str,
    generation: int,
    *,
    timeout: float,
    interval: float,
    console: Console,
    sleep: Sleep = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll until `generation` of `name` is live (a progress bar meanwhile); its status then."""
    deadline = clock() + timeout
    with Progress(
        TextColumn(f"{name} g{generation}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[lag]} behind"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=1.0, lag="?")
        while True:
            found = _generation(api.projections(), name, generation)
            if found is None:
                raise ProjectionsError(f"generation {generation} of {name} is gone (retired?)")
            if found["status"] == "live":
                progress.update(task, completed=1.0, lag=0)
                return found
            done = float(found.get("progress") or 0)
            progress.update(task, completed=done, lag=found.get("lag", "?"))
            if clock() >= deadline:
                raise ProjectionsError(
                    f"generation {generation} of {name} is not live after {timeout:g} s "
                    f"({done:.0%} consumed); it goes on building: look with `pmoctl projections "
                    "status`"
                )
            sleep(interval)


def _generation(found: list[dict[str, Any]], name: str, number: int) -> dict[str, Any] | None:
    for projection in found:
        if projection["name"] == name:
            for g in projection["generations"]:
                if g["generation"] == number:
                    return dict(g)
    return None


def _or_exit(what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ProjectionsError as exc:
        Console(stderr=True).print(
            f"[bold red]pmoctl projections {what}: {escape(str(exc))}[/]", highlight=False
        )
        raise typer.Exit(1) from None


def _per_topic(generation: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Consumed and end offsets summed over each topic's partitions."""
    sums: dict[str, tuple[int, int]] = {}
    for p in generation["partitions"]:
        consumed, end = sums.get(p["topic"], (0, 0))
        sums[p["topic"]] = (consumed + p["consumed_offset"], end + p["end_offset"])
    return sums


def status_table(found: list[dict[str, Any]]) -> Table:
    """A row per generation of each projection."""
    table = Table(title="projections")
    for column in ("projection", "generation", "status", "offsets", "lag", "events", "dead"):
        table.add_column(column, overflow="fold")
    table.add_column("last event / requested by", overflow="fold")
    for projection in found:
        for g in projection["generations"]:
            offsets = "\n".join(
                f"{topic} {consumed}/{end}" for topic, (consumed, end) in _per_topic(g).items()
            )
            status = g["status"]
            if g.get("progress") is not None:
                status += f" {float(g['progress']):.0%}"
            table.add_row(
                escape(projection["name"]),
                str(g["generation"]),
                status,
                offsets or "-",
                str(g["lag"]),
                str(g["events_applied"]),
                str(g["dead_letters"]),
                f"{g['last_event_applied_at'] or '-'} / {escape(g['requested_by'])}",
            )
    return table
