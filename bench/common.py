"""What every benchmark shares: the table row, the run context, percentiles, subprocesses."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PY = str(REPO / ".venv" / "bin" / "python")
NOT_AVAILABLE = "not yet available"


@dataclass
class Row:
    """One line of the result table."""

    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        goal = self.goal
        if goal and self.met is not None:
            goal += " ✅" if self.met else " ❌ missed"
        return [self.figure, self.value, self.baseline or "-", self.ratio or "-", goal or "-"]


@dataclass
class Context:
    """What a benchmark needs: the stack's addresses, a token, the budget, a scratch folder."""

    env: dict[str, str]
    token: str
    work: Path
    deadline: float
    settings: dict[str, Any] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)

    @property
    def pg_port(self) -> str:
        return self.env["PG_PORT"]

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    def left(self) -> float:
        """Seconds left of the whole run's budget."""
        return self.deadline - time.monotonic()

    def note(self, text: str) -> None:
        """A line for the result file's details section (and the console)."""
        print(f"bench: {text}", file=sys.stderr, flush=True)
        self.details.append(text)


def read_env_file(path: Path) -> dict[str, str]:
    """The `export K=V` lines written by stack.sh."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            env[key] = value
    return env


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending sequence (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return float(sorted_values[rank - 1])


def run(
    args: Sequence[str], *, timeout: float, env: dict[str, str] | None = None, cwd: Path = REPO
) -> str:
    """Run a command to completion (bounded by `timeout`) and return its stdout."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        list(args),
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(args)} exited {done.returncode}:\n{done.stdout[-2000:]}"
            f"\n{done.stderr[-4000:]}"
        )
    return done.stdout


def fmt_rate(value: float, unit: str = "/s") -> str:
    return f"{value:,.0f} {unit}"


def fmt_ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def fmt_ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}x" if baseline > 0 else "-"


def pg_bin() -> Path:
    """The newest PostgreSQL binaries folder (the one postgres.sh uses)."""
    dirs = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    return dirs[0] if dirs else Path("/usr/bin")


def pgbench(
    ctx: Context, folder: Path, script: str, *, clients: int, threads: int, seconds: int, log: bool
) -> dict[str, Any]:
    """pgbench running `script` (its SQL) on database pmo, `clients` connections, prepared, for
    `seconds`; the rate, and with `log` the latency percentiles from its transaction log."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "script.sql"
    path.write_text(script)
    if os.geteuid() == 0:
        os.chmod(folder, 0o777)  # noqa: S103 - scratch folder; pgbench writes its log here
    args = [
        str(pg_bin() / "pgbench"),
        *("-h", "127.0.0.1", "-p", ctx.pg_port, "-U", "postgres", "-n", "-M", "prepared"),
        *("-c", str(clients), "-j", str(threads), "-T", str(seconds), "-f", str(path)),
    ]
    if log:
        args += ["-l", "--log-prefix", str(folder / "tx")]
    out = run([*args, "pmo"], timeout=seconds + 60, cwd=folder)
    tps = next(float(line.split("=")[1].split()[0]) for line in out.splitlines() if "tps =" in line)
    latencies: list[int] = []
    for log_file in folder.glob("tx*"):
        with log_file.open() as fh:
            latencies.extend(int(line.split()[2]) for line in fh if line.strip())
    latencies.sort()
    return {
        "rate": tps,
        "p50_us": percentile(latencies, 50),
        "p95_us": percentile(latencies, 95),
        "p99_us": percentile(latencies, 99),
        "transactions": len(latencies),
    }
