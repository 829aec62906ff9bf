"""The README's newcomer path holds: its first requests work as written against the running
test stack, the token lifetime it states is the real one, and no document points outside the
repository for the design."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import jwt
import pytest

from pmo_shared.devtoken import main as dev_token
from pmo_shared.testing import TokenFor, required_env

from .support import REPO

README = REPO / "README.md"
POLL_SECONDS = 30.0

# Every curl of a snippet also writes its HTTP status to $CODES (stdout stays the README's own).
CURL_RECORDING_STATUS = 'curl() { command curl -w \'%{stderr}%{http_code}\\n\' "$@" 2>>"$CODES"; }'
# `make -s token` (a token of the dev stack) gives one of the test stack, in the test's tenant,
# honouring TOKEN_SUB and TOKEN_ROLES as the Makefile does.
TEST_STACK_TOKEN = (
    'make() { [ "$*" = "-s token" ] || return 2; "$DEV_TOKEN" --secret-file "$JWT_SECRET_FILE" '
    '--tenant "$TOKEN_TENANT" --roles "${TOKEN_ROLES:-pmo}" --sub "${TOKEN_SUB:-dev-user}"; }'
)


def first_requests_snippets() -> list[str]:
    """The shell snippets of the README's "First requests" section, in order."""
    section = README.read_text(encoding="utf-8").split("\n## First requests\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def run_snippets(snippets: list[str], *, env: dict[str, str], codes: Path) -> str:
    """Run snippets in one bash, each curl's status appended to `codes`; their stdout."""
    script = "\n".join(["set -u", CURL_RECORDING_STATUS, TEST_STACK_TOKEN, *snippets])
    result = subprocess.run(
        ["bash", "-c", script],
        env={**env, "CODES": str(codes)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_setup_snippet_defines_what_the_others_use() -> None:
    setup = first_requests_snippets()[0]

    assert re.findall(r"^(\w+)=", setup, flags=re.MULTILINE) == ["TOKEN", "P", "R"]
    assert "TOKEN=$(make -s token)" in setup


@pytest.mark.integration
def test_the_first_requests_work_as_written_on_the_test_stack(
    token_for: TokenFor, tenant: str, tmp_path: Path
) -> None:
    _setup, *commands, stale, metrics = first_requests_snippets()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TOKEN": token_for(tenant, "pmo", sub="dev-user"),
        "P": required_env("PROJECT_URL") + "/v1/projects",
        "R": required_env("REPORTING_URL") + "/v1/reports",
        "DEV_TOKEN": str(REPO / ".venv" / "bin" / "pmo-dev-token"),
        "JWT_SECRET_FILE": required_env("JWT_SECRET_FILE"),
        "TOKEN_TENANT": tenant,
    }
    codes = tmp_path / "codes"
    output = run_snippets(commands, env=env, codes=codes)
    proposed = re.search(r"^project ([0-9a-f-]{36})$", output, flags=re.MULTILINE)
    assert proposed is not None, output
    env["ID"] = proposed.group(1)
    # propose, baseline, approve, start, progress, cost
    assert codes.read_text().split() == ["201", "200", "200", "200", "200", "201"]

    codes.write_text("")
    run_snippets([stale], env=env, codes=codes)
    assert codes.read_text().split() == ["412"]

    figures = poll_metrics(metrics, env=env, codes=codes)
    assert figures["bac"] == "1200000.00"
    assert (figures["percent_complete"], figures["ev"]) == ("35.00", "420000.00")
    assert figures["ac"] == "462500.00"


def poll_metrics(snippet: str, *, env: dict[str, str], codes: Path) -> dict[str, str]:
    """The metrics snippet's answer once reporting-svc has caught up (at most POLL_SECONDS)."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        codes.write_text("")
        body = run_snippets([snippet], env=env, codes=codes)
        if codes.read_text().split() == ["200"]:
            figures: dict[str, str] = json.loads(body)
            if figures["ac"] == "462500.00":
                return figures
        assert time.monotonic() < deadline, f"no metrics within {POLL_SECONDS}s: {body}"
        time.sleep(0.1)


def test_the_readme_states_the_real_dev_token_lifetime(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JWT_SECRET", "readme-check-secret-of-at-least-32-chars")
    monkeypatch.delenv("JWT_ISSUER", raising=False)
    monkeypatch.delenv("JWT_AUDIENCE", raising=False)
    assert dev_token(["--tenant", "readme", "--roles", "pmo"]) == 0

    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})

    assert claims["exp"] - claims["iat"] == 3600
    assert "Development tokens expire after an hour" in README.read_text(encoding="utf-8")


def tracked_text_files() -> list[Path]:
    """The repository's tracked documents, scripts and sources."""
    listed = subprocess.run(
        ["git", "ls-files", "*.md", "*.py", "*.sh", "Makefile", "*.toml", "*.ini"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [REPO / name for name in listed if (REPO / name).is_file()]


def test_no_file_points_outside_the_repository_for_the_design() -> None:
    outside = re.compile(r"\.\./shared/docs|\bDESIGN\.md\b")
    offenders = [
        str(path.relative_to(REPO))
        for path in tracked_text_files()
        if outside.search(path.read_text(encoding="utf-8", errors="replace"))
    ]

    assert offenders == []
    assert "`docs/design.md`" in README.read_text(encoding="utf-8")
