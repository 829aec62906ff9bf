"""`stack.sh status` and `make status` on a stack that is not running, or only partly: what is
stopped, then what to run, without make's "Error 3"."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import Run, last_line

PARTS = ("project-svc", "program-svc", "portfolio-svc", "reporting-svc", "kafka", "postgres")


@pytest.mark.parametrize(
    ("profile", "command"), [("dev", "make up"), ("test", "make up PROFILE=test")]
)
def test_a_stopped_stack_says_what_is_stopped_and_to_run_make_up(
    run: Run, profile: str, command: str
) -> None:
    result = run("deploy/local/stack.sh", "status", profile)

    assert result.returncode == 3, result.stderr
    for part in PARTS:
        assert f"{part}: stopped" in result.stdout
    assert last_line(result.stdout) == f"The {profile} stack is not running: run {command}."


def test_make_status_on_a_stopped_stack_exits_0_without_error_noise(run: Run) -> None:
    result = run("make", "status")

    assert result.returncode == 0, result.stderr
    assert last_line(result.stdout) == "The dev stack is not running: run make up."
    assert "Error" not in result.stdout + result.stderr


@pytest.fixture
def running_project_svc(scripts_tree: Path) -> Iterator[int]:
    """A stand-in process the copied tree's stack.sh takes for its dev project-svc: the pid
    file and the stack marker in the environment are what it checks."""
    marker = str(scripts_tree / ".data" / "dev" / "project-svc")
    # Popen returns once sleep has been exec'd with this environment: stack.sh sees the marker.
    process = subprocess.Popen(
        ["sleep", "600"], env={"PATH": os.environ["PATH"], "PMO_STACK_SERVICE": marker}
    )
    run_dir = scripts_tree / ".data" / "dev" / "run"
    run_dir.mkdir(parents=True)
    (run_dir / "project-svc.pid").write_text(f"{process.pid}\n")
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait(timeout=10)


def test_a_partly_running_stack_names_the_stopped_parts(run: Run, running_project_svc: int) -> None:
    result = run("deploy/local/stack.sh", "status", "dev")

    assert result.returncode == 3, result.stderr
    assert f"project-svc: running (pid {running_project_svc})" in result.stdout
    stopped = ", ".join(PARTS[1:])
    assert last_line(result.stdout) == (
        f"The dev stack is partly running (stopped: {stopped}): run make up to start the rest."
    )
