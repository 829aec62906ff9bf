"""`make demo` (deploy/local/demo.sh): with the stack down, one clear line and a non-zero exit,
never a traceback; with the test stack up, a whole project life."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import REPO, Run

NOT_RUNNING = "the dev stack is not running"


def assert_refused_clearly(result: subprocess.CompletedProcess[str]) -> None:
    """The demo stopped with the not-running message, before sending any command."""
    assert result.returncode != 0
    assert NOT_RUNNING in result.stderr
    assert "run make up" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "$ propose" not in result.stdout


def test_the_demo_without_a_stack_says_run_make_up(run: Run) -> None:
    result = run("deploy/local/demo.sh")

    assert result.returncode == 1
    assert_refused_clearly(result)


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port bound but not listening: connections to it are refused for as long as
    the test holds it, and nothing else can take it meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def stopped_dev_stack(scripts_tree: Path, refusing_port: int) -> Path:
    """What a dev stack that ran once leaves behind (its env file and secret, the installed
    tools), its services now stopped."""
    data = scripts_tree / ".data" / "dev"
    data.mkdir(parents=True)
    secret = "0123456789abcdef0123456789abcdef"
    (data / "jwt_secret").write_text(secret + "\n")
    url = f"http://127.0.0.1:{refusing_port}"
    (data / "env").write_text(
        f"export PROJECT_URL={url}\nexport REPORTING_URL={url}\nexport JWT_SECRET={secret}\n"
    )
    (scripts_tree / ".venv").symlink_to(REPO / ".venv")
    return data / "env"


def test_the_demo_on_a_stopped_stack_says_run_make_up(run: Run, stopped_dev_stack: Path) -> None:
    result = run("deploy/local/demo.sh")

    assert result.returncode == 1
    assert_refused_clearly(result)


def test_make_demo_on_a_stopped_stack_says_run_make_up(run: Run, stopped_dev_stack: Path) -> None:
    assert_refused_clearly(run("make", "demo"))


@pytest.mark.integration
def test_the_demo_drives_a_project_life_on_the_test_stack() -> None:
    result = subprocess.run(
        ["deploy/local/demo.sh", "test"],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "412 If-Match names version 3" in result.stdout
    assert "closed version 14" in result.stdout
    assert "disbanded project completed automatic" in result.stdout
    assert "S-curve chart: .data/test/evm-chart.svg" in result.stdout
