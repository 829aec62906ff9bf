"""What the local-script tests share: where the repository is, and how a script is run."""

from __future__ import annotations

import glob
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

Run = Callable[..., subprocess.CompletedProcess[str]]
"""`run(*argv, env={...})`: a finished command, its output captured."""


def postgres_bin_dir(tree: Path) -> str:
    """The PostgreSQL server binaries `postgres.sh` would find, or an empty folder of the tree:
    set as PG_BIN, it keeps `postgres.sh` from installing the binaries when they are missing."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    on_path = shutil.which("pg_ctl")
    if found or on_path:
        return str(Path(found[0] if found else str(on_path)).resolve().parent)
    empty = tree / "no-postgres-bin"
    empty.mkdir(exist_ok=True)
    return str(empty)


def last_line(text: str) -> str:
    """The last non-empty line of a command's output."""
    return text.strip().splitlines()[-1]
