"""Fixtures of the local-script tests: a copy of the scripts in a tree of its own, where no stack
has ever run, so a test can call them without touching the running test stack or the dev data."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from .support import REPO, Run, postgres_bin_dir


@pytest.fixture
def scripts_tree(tmp_path: Path) -> Path:
    """The Makefile and deploy/local/ copied into a fresh folder (no .data, no .venv)."""
    tree = tmp_path / "repo"
    shutil.copytree(REPO / "deploy" / "local", tree / "deploy" / "local")
    shutil.copy2(REPO / "Makefile", tree / "Makefile")
    return tree


@pytest.fixture
def run(scripts_tree: Path) -> Run:
    """A command in the copied tree with a minimal environment: none of the test stack's
    variables reach the scripts."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(scripts_tree)),
        "LANG": "C.UTF-8",
        "PG_BIN": postgres_bin_dir(scripts_tree),
    }

    def run_in_tree(
        *argv: str, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            cwd=scripts_tree,
            env={**base, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run_in_tree
