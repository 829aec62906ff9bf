"""`pmoctl` on the command line: its help documents the columns, an invalid file exits 2 with
every problem and sends nothing, a dry run without a token plans offline, a real run needs the
approver's token besides the proposer's, and `pmoctl token` prints a token the services accept."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmo_shared.cli.app import app
from pmo_shared.web.auth import Role, TokenVerifier, issue_dev_token

SECRET = "pmoctl-test-secret-of-at-least-32-characters"
REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "deploy/local/history-sample.csv"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PMOCTL_TOKEN", "PMOCTL_APPROVER_TOKEN", "JWT_SECRET_FILE", "JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("JWT_ISSUER", raising=False)
    monkeypatch.delenv("JWT_AUDIENCE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


def test_the_help_documents_every_column() -> None:
    result = runner.invoke(app, ["import", "--help"])

    assert result.exit_code == 0
    for column in ("code*", "rebaseline_reason", "amount@YYYY-MM-DD", "no_lessons_reason", "risks"):
        assert column in result.output


def test_an_invalid_file_exits_2_with_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = SAMPLE.read_text(encoding="utf-8").replace("2019-02-11", "2019-02-31", 1)
    bad.write_text(text.replace(",agile,", ",scrum,", 1), encoding="utf-8")

    result = runner.invoke(app, ["import", str(bad), "--dry-run"])

    assert result.exit_code == 2
    assert "the history file is invalid: 2 problem(s)" in result.output
    assert "row 2, column actual_start: '2019-02-31' is not a date of the calendar" in result.output
    assert "row 3, column methodology: is 'scrum': expected one of waterfall, agile, hybrid" in (
        result.output
    )


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "none.csv"), "--dry-run"])

    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_a_dry_run_without_a_token_plans_offline() -> None:
    result = runner.invoke(app, ["import", str(SAMPLE), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "PAY-2019 (row 2): 16 commands" in result.output
    assert (
        'approve: POST /v1/projects/<new>/approve (as the approver) {"effective_on": "2019-01-21"}'
        in (result.output)
    )
    assert "15 would create" in result.output
    assert "nothing sent" in result.output


def test_a_real_run_needs_the_approvers_token() -> None:
    token = issue_dev_token(SECRET, sub="importer", tenant="t", roles=[Role.PMO])

    result = runner.invoke(app, ["import", str(SAMPLE), "--token", token])

    assert result.exit_code == 2
    assert "pass --approver-token too" in result.output


def test_tokens_of_two_tenants_are_refused() -> None:
    one = issue_dev_token(SECRET, sub="importer", tenant="t1", roles=[Role.PMO])
    other = issue_dev_token(SECRET, sub="approver", tenant="t2", roles=[Role.PMO])

    result = runner.invoke(app, ["import", str(SAMPLE), "--token", one, "--approver-token", other])

    assert result.exit_code == 2
    assert "different tenants" in result.output


def test_an_unreachable_service_exits_1() -> None:
    one = issue_dev_token(SECRET, sub="importer", tenant="t1", roles=[Role.PMO])
    other = issue_dev_token(SECRET, sub="approver", tenant="t1", roles=[Role.PMO])
    args = ["import", str(SAMPLE), "--token", one, "--approver-token", other]

    result = runner.invoke(app, [*args, "--url", "http://127.0.0.1:1", "--attempts", "1"])

    assert result.exit_code == 1
    assert "ConnectError" in result.output


async def test_the_token_command_prints_a_token_the_services_accept(tmp_path: Path) -> None:
    secret_file = tmp_path / "jwt_secret"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    args = ["token", "--tenant", "t9", "--roles", "pmo,viewer", "--sub", "ops"]

    result = runner.invoke(app, [*args, "--jwt-secret-file", str(secret_file)])

    assert result.exit_code == 0, result.output
    principal = await TokenVerifier(hs256_secret=SECRET).verify(result.output.strip())
    assert (principal.subject, principal.tenant) == ("ops", "t9")
    assert principal.roles == frozenset({Role.PMO, Role.VIEWER})


def test_the_token_command_refuses_an_unknown_role() -> None:
    result = runner.invoke(
        app, ["token", "--tenant", "t", "--roles", "boss"], env={"JWT_SECRET": SECRET}
    )

    assert result.exit_code == 2
    assert "'boss' is not a valid Role" in result.output
