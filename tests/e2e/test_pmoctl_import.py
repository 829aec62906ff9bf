"""`pmoctl import` against the running project-svc: the demo's history sample imported twice
(the second run sends nothing and no project moves), an import interrupted after the baseline
completed by the re-run, a retry after a dropped connection taking effect once, and a dry run
sending nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from pmo_shared.cli import tokens
from pmo_shared.cli.app import app
from pmo_shared.cli.client import ProjectService, Retries
from pmo_shared.cli.history import HistoryRow
from pmo_shared.cli.importer import ImportReport, Outcome, import_history
from pmo_shared.cli.reading import read_history

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "deploy/local/history-sample.csv"


def sample_rows(*codes: str) -> list[HistoryRow]:
    rows = read_history(SAMPLE, today=datetime.now(UTC).date())
    return [row for row in rows if not codes or row.code in codes]


def trails(project_url: str, token: str) -> dict[str, list[dict[str, Any]]]:
    """Every project of the token's tenant: its code and its events."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=project_url, headers=headers, timeout=30) as http:
        page = http.get("/v1/projects", params={"limit": 200}).json()
        return {
            item["code"]: http.get(f"/v1/projects/{item['project_id']}/events").json()
            for item in page["items"]
        }


def run_cli(
    project_url: str, jwt_secret: str, tenant: str, *options: str, file: Path = SAMPLE
) -> str:
    """`pmoctl import FILE --tenant TENANT OPTIONS...` with development tokens; its output."""
    env = {"PROJECT_URL": project_url, "JWT_SECRET": jwt_secret, "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["import", str(file), "--tenant", tenant, *options], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_sample_imported_twice_changes_nothing_the_second_time(
    project_url: str, jwt_secret: str, tenant: str, token_for: Any
) -> None:
    rows = sample_rows()

    first = run_cli(project_url, jwt_secret, tenant)

    assert f"{len(rows)} projects: {len(rows)} created, 0 completed, 0 unchanged, 0 failed" in first
    token = token_for(tenant, "viewer")
    before = trails(project_url, token)
    assert set(before) == {row.code for row in rows}
    for code, events in before.items():
        assert events[-1]["event_type"] == "ProjectClosed", code

    second = run_cli(project_url, jwt_secret, tenant)

    assert (
        f"{len(rows)} projects: 0 created, 0 completed, {len(rows)} unchanged, 0 failed; 0 sent"
        in second
    )
    after = trails(project_url, token)
    assert {c: len(e) for c, e in after.items()} == {c: len(e) for c, e in before.items()}
    assert after == before


async def test_the_imported_facts_carry_their_business_dates(
    project_url: str, jwt_secret: str, tenant: str, projects: httpx.AsyncClient
) -> None:
    report = await _import(project_url, jwt_secret, tenant, sample_rows("PAY-2019", "ERP-2020"))
    assert [r.outcome for r in report.results] == [Outcome.CREATED, Outcome.CREATED]
    pay, erp = (r.project_id for r in report.results)

    payroll = (await projects.get(f"/v1/projects/{pay}")).json()
    assert payroll["status"] == "closed"
    assert [b["budget_at_completion"] for b in payroll["baselines"]] == ["850000.00", "980000.00"]
    assert [b["effective_on"] for b in payroll["baselines"]] == ["2019-01-21", "2019-09-16"]
    assert (payroll["approved_by"], payroll["approved_on"]) == (tokens.APPROVER, "2019-01-21")
    assert (payroll["actual_start"], payroll["actual_finish"]) == ("2019-02-11", "2020-04-24")
    assert payroll["actual_cost"] == "1015000.00"
    assert (payroll["percent_complete"], payroll["progress_as_of"]) == ("100", "2020-04-24")
    assert [(r["title"], r["outcome"], r["closed_on"]) for r in payroll["risks"]] == [
        ("New pay rules during the build", "materialised", "2020-04-24"),
        ("Payroll expert leaves", "avoided", "2020-04-24"),
    ]
    assert payroll["lessons_learned"] == 1
    assert payroll["status_since"] == "2020-05-29"

    cancelled = (await projects.get(f"/v1/projects/{erp}")).json()
    assert cancelled["cancel_reason"].startswith("The vendor ended support")
    assert cancelled["actual_cost"] == "1020000.00"
    assert cancelled["actual_finish"] is None
    trail = (await projects.get(f"/v1/projects/{erp}/events")).json()
    assert [e["actor"] for e in trail if e["event_type"] == "ProjectProposed"] == [tokens.IMPORTER]


async def test_an_import_stopped_after_the_baseline_is_completed_by_the_rerun(
    project_url: str, jwt_secret: str, tenant: str, token_for: Any
) -> None:
    rows = sample_rows("DWH-2019")
    posts = 0

    def stop_after_baseline(request: httpx.Request) -> None:
        nonlocal posts
        posts += request.method == "POST"
        if posts > 2:
            raise httpx.ConnectError("the importer's machine went away", request=request)

    stopped = await _import(project_url, jwt_secret, tenant, rows, before=stop_after_baseline)
    (result,) = stopped.results
    assert result.outcome is Outcome.FAILED
    assert result.sent == ["propose", "baseline"]
    assert "the importer's machine went away" in result.detail

    resumed = await _import(project_url, jwt_secret, tenant, rows)

    (result,) = resumed.results
    assert result.outcome is Outcome.COMPLETED
    assert result.sent[0] == "approve"
    assert len(result.sent) == len(result.planned) == 17 - 2
    resumed_trail = trails(project_url, token_for(tenant, "viewer"))["DWH-2019"]

    other = f"{tenant}-clean"
    clean = await _import(project_url, jwt_secret, other, rows)
    assert clean.results[0].outcome is Outcome.CREATED
    clean_trail = trails(project_url, token_for(other, "viewer"))["DWH-2019"]
    assert [e["event_type"] for e in resumed_trail] == [e["event_type"] for e in clean_trail]
    assert [e["payload"].get("effective_on") for e in resumed_trail] == [
        e["payload"].get("effective_on") for e in clean_trail
    ]


async def test_a_command_whose_answer_was_lost_takes_effect_once(
    project_url: str, jwt_secret: str, tenant: str, token_for: Any
) -> None:
    rows = sample_rows("WEB-2022")
    lost: list[str] = []

    async def lose_the_first_answer(response: httpx.Response) -> None:
        path = response.request.url.path
        post = response.request.method == "POST"
        if post and path.endswith(("/approve", "/costs")) and path not in lost:
            lost.append(path)
            raise httpx.ReadError("connection dropped after sending", request=response.request)

    report = await _import(project_url, jwt_secret, tenant, rows, after=lose_the_first_answer)

    (result,) = report.results
    assert result.outcome is Outcome.CREATED, result.detail
    assert len(lost) == 2
    trail = trails(project_url, token_for(tenant, "viewer"))["WEB-2022"]
    kinds = Counter(e["event_type"] for e in trail)
    assert (kinds["ProjectApproved"], kinds["CostRecorded"]) == (1, 1)
    assert len(trail) == len(result.sent)


def test_a_dry_run_sends_nothing(
    project_url: str, jwt_secret: str, tenant: str, token_for: Any, tmp_path: Path
) -> None:
    header, *lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    one = tmp_path / "one.csv"
    one.write_text("\n".join([header, *(line for line in lines if line.startswith("BI-2023,"))]))
    assert "1 projects: 1 created" in run_cli(project_url, jwt_secret, tenant, file=one)
    token = token_for(tenant, "viewer")
    before = trails(project_url, token)

    output = run_cli(project_url, jwt_secret, tenant, "--dry-run")

    assert trails(project_url, token) == before
    rows = len(sample_rows())
    assert f"{rows} projects: {rows - 1} would create, 0 would complete, 1 unchanged" in output
    assert "GDPR-2019 (row 14): 9 commands" in output
    assert "BI-2023 (row" not in output  # nothing to send for it


async def _import(
    project_url: str,
    jwt_secret: str,
    tenant: str,
    rows: list[HistoryRow],
    *,
    before: Any = None,
    after: Any = None,
) -> ImportReport:
    """An import with the development tokens, through hooks that can break the connection."""
    credentials = tokens.minted(jwt_secret, tenant=tenant)
    hooks = {"request": [_async(before)] if before else [], "response": [after] if after else []}
    async with httpx.AsyncClient(base_url=project_url, timeout=30, event_hooks=hooks) as http:
        service = ProjectService(
            http,
            token=credentials.token,
            approver_token=credentials.approver_token,
            retries=Retries(attempts=1 if before else 3, first_wait=0.05),
        )
        return await import_history(rows, service=service, tenant=tenant)


def _async(hook: Any) -> Any:
    async def run(request: httpx.Request) -> None:
        hook(request)

    return run
