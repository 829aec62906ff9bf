"""`pmoctl dlq`, `pmoctl projections` and `pmoctl outbox` without a stack: their command lines,
their refusals (exit 2), an unreachable database (exit 1, one line, no traceback), what they
show, and `projections rebuild --wait` following a rebuild to its switch or its timeout (against
reporting's operator API as a mock transport)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from pmo_shared.cli import projections
from pmo_shared.cli.app import app
from pmo_shared.cli.deadletters import DeadLetterRow, OriginalMessage
from pmo_shared.cli.dlq import headers_table, letters_table, payload_text
from pmo_shared.cli.options import asyncpg_url, schema_name, since
from pmo_shared.cli.outbox import OutboxStatus, status_table
from pmo_shared.web.auth import Role, TokenVerifier

SECRET = "pmoctl-test-secret-of-at-least-32-characters"
NOWHERE = "postgresql://postgres@127.0.0.1:1/pmo"  # nothing listens on port 1
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "REPORTING_URL", "JWT_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("PMOCTL_OPERATOR_TOKEN", "JWT_ISSUER", "JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("COLUMNS", "200")


def _text(renderable: object) -> str:
    console = Console(width=200, record=True)
    console.print(renderable)
    return console.export_text()


def test_since_takes_an_age_or_an_instant() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    assert since("15m", now=now) == now - timedelta(minutes=15)
    assert since("7d", now=now) == now - timedelta(days=7)
    assert since("2026-02-01T08:00", now=now) == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    assert since(None) is None
    with pytest.raises(typer.BadParameter, match="expected an age like 15m"):
        since("yesterday", now=now)


def test_schema_names_and_urls() -> None:
    assert schema_name("reporting_project_reports_g2") == "reporting_project_reports_g2"
    with pytest.raises(typer.BadParameter):
        schema_name('project"; DROP SCHEMA project; --')
    assert asyncpg_url("postgresql://u@h:1/d") == "postgresql+asyncpg://u@h:1/d"
    assert asyncpg_url("postgresql+asyncpg://u@h:1/d") == "postgresql+asyncpg://u@h:1/d"


def test_replay_needs_one_id_or_all_but_not_both() -> None:
    for args in ([], ["7", "--all"]):
        result = runner.invoke(
            app, ["dlq", "replay", *args, "--database-url", NOWHERE, "--schema", "project"]
        )
        assert result.exit_code == 2, result.output
        assert "give one dead letter's ID or --all" in result.output


def test_a_bad_schema_name_is_refused_before_connecting() -> None:
    result = runner.invoke(app, ["dlq", "list", "--database-url", NOWHERE, "--schema", "a-b"])

    assert result.exit_code == 2
    assert "is not a schema name" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["dlq", "list", "--schema", "project"],
        ["outbox", "status"],
    ],
)
def test_an_unreachable_database_exits_1_with_one_line(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--database-url", NOWHERE])

    assert result.exit_code == 1, result.output
    assert "the database is not reachable or refused" in result.output
    assert "Traceback" not in result.output


def test_the_dead_letter_table_says_what_is_open() -> None:
    letters = [
        _letter(1, reason="UnknownEventError: RiskRaised v9", resolved=False),
        _letter(2, reason="ValueError: [bold]refused[/]", resolved=True),
    ]

    shown = _text(letters_table(letters, schema="project"))

    assert "pmo.project.events[2]@41" in shown
    assert "UnknownEventError: RiskRaised v9" in shown
    assert "[bold]refused[/]" in shown  # markup in a reason is shown as it is
    assert "open" in shown
    assert "resolved" in shown


def test_a_message_shows_its_headers_and_its_payload() -> None:
    original = OriginalMessage(
        key=b"k-1", value=b'{"b": 1, "a": "x"}', headers=[("ce_type", b"RiskRaised")]
    )

    assert "RiskRaised" in _text(headers_table(original))
    assert json.loads(payload_text(original.value)) == {"a": "x", "b": 1}
    assert payload_text(b"\x00not json") == "\\x00not json"
    assert payload_text(None) == "(none)"


def test_the_outbox_table_shows_backlog_age_and_the_relay() -> None:
    shown = _text(
        status_table(
            [
                OutboxStatus("project", 12, timedelta(seconds=3.5), 4242, "pmo-project"),
                OutboxStatus("program", 0, None, None, None),
            ]
        )
    )

    assert "12" in shown
    assert "3.5 s" in shown
    assert "held by pid 4242 (pmo-project)" in shown
    assert "free: no relay is publishing" in shown


class FakeReporting:
    """reporting's operator API: a rebuild goes from 0 % through 50 % to live."""

    def __init__(self, *, finishes: bool = True) -> None:
        self.polls = 0
        self.finishes = finishes
        self.tokens: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.tokens.append(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if request.method == "POST":
            if request.url.path != "/v1/projections/project-reports/rebuild":
                return httpx.Response(404, json={"detail": "no projection named 'nope'"})
            return httpx.Response(202, json=self._projection(status="building", progress="0"))
        self.polls += 1
        if self.finishes and self.polls >= 3:
            return httpx.Response(200, json=[self._projection(status="live", progress=None)])
        return httpx.Response(200, json=[self._projection(status="building", progress="0.5")])

    @staticmethod
    def _projection(*, status: str, progress: str | None) -> dict[str, Any]:
        live = _generation(1, "live" if status == "building" else "retired", None)
        return {"name": "project-reports", "generations": [_generation(2, status, progress), live]}


def _generation(number: int, status: str, progress: str | None) -> dict[str, Any]:
    return {
        "generation": number,
        "status": status,
        "schema_name": f"reporting_project_reports_g{number}",
        "consumer_group": f"reporting.project-reports.g{number}",
        "requested_by": "platform/ops",
        "started_at": "2026-03-01T10:00:00Z",
        "switched_at": None,
        "partitions": [
            {"topic": "pmo.project.events", "partition": p, "consumed_offset": 5, "end_offset": 10}
            for p in range(2)
        ],
        "lag": 10,
        "events_applied": 10,
        "last_event_applied_at": None,
        "dead_letters": 0,
        "progress": progress,
    }


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeReporting:
    reporting = FakeReporting()

    def client(url: str, token: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.MockTransport(reporting.handle)
        return httpx.Client(base_url=url, headers=headers, transport=transport)

    monkeypatch.setattr(projections, "_client", client)
    return reporting


async def test_rebuild_wait_follows_the_new_generation_until_it_is_live(
    fake: FakeReporting,
) -> None:
    result = runner.invoke(
        app, ["projections", "rebuild", "project-reports", "--wait", "--interval", "0.05"]
    )

    assert result.exit_code == 0, result.output
    assert "rebuilding project-reports: generation 2" in result.output
    assert "generation 2 of project-reports is live: 10 events, 0 dead letter(s)" in result.output
    assert fake.polls == 3
    principal = await TokenVerifier(hs256_secret=SECRET).verify(fake.tokens[0])
    assert principal.roles == frozenset({Role.PLATFORM_OPERATOR})


def test_rebuild_wait_gives_up_after_its_timeout() -> None:
    reporting = FakeReporting(finishes=False)
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)

    api = projections.ReportingOperator(
        httpx.Client(base_url="http://reporting", transport=httpx.MockTransport(reporting.handle))
    )

    with pytest.raises(projections.ProjectionsError, match=r"not live after 0.2 s \(50% consumed"):
        projections.wait_until_live(
            api,
            "project-reports",
            2,
            timeout=0.2,
            interval=0.1,
            console=Console(quiet=True),
            sleep=nap,
            clock=lambda: sum(naps),
        )
    assert naps == [0.1, 0.1]  # looked at 0, 0.1 and 0.2 s: then it gave up


def test_a_refused_rebuild_exits_1_with_the_reason(fake: FakeReporting) -> None:
    result = runner.invoke(app, ["projections", "rebuild", "nope"])

    assert result.exit_code == 1
    assert "404 no projection named 'nope'" in result.output


def test_status_shows_each_generation(fake: FakeReporting) -> None:
    result = runner.invoke(app, ["projections", "status"])

    assert result.exit_code == 0, result.output
    assert "building 50%" in result.output
    assert "pmo.project.events 10/20" in result.output


def test_status_needs_a_token_or_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET")

    result = runner.invoke(app, ["projections", "status"])

    assert result.exit_code == 2
    assert "pass --token" in result.output


def _letter(letter_id: int, *, reason: str, resolved: bool) -> DeadLetterRow:
    return DeadLetterRow(
        id=letter_id,
        consumer="portfolio-refs",
        topic="pmo.project.events",
        partition=2,
        offset=41,
        event_id="3f2b8f0e-0000-4000-8000-000000000001",
        event_type="RiskRaised",
        reason=reason,
        recorded_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        resolved=resolved,
    )
