"""`make bench`: bring up the bench stack, run the benchmarks, print and save one table.

    .venv/bin/python -m bench.run [--seconds 20] [--warmup 5] [--kernel-seconds 8]
                                  [--reads-seconds 10]
                                  [--only commands,kernel,delay,rebuild,scaleout,reads,memory,
                                          portfolio]
                                  [--profile] [--reuse-stack] [--keep-stack]

The stack is `deploy/local/stack.sh up bench` (its own data in .data/bench, PostgreSQL 5546,
Kafka 9492, services 28001-28004), made fresh for each run and removed afterwards unless
--keep-stack; a run of only items that need none (STACKLESS: portfolio) makes no stack. The
table is printed on stdout and saved, with the machine, versions and settings, to
bench/results/<UTC timestamp>.md, followed by the goals of issue 16, each with ✅ or ❌ (a goal
whose item did not run in this run says so).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import NOT_AVAILABLE, REPO, Context, Row, read_env_file
from bench.machine import is_api_process, load_average, machine_info
from pmo_shared.web.auth import issue_dev_token

PROFILE = "bench"
STACK = REPO / "deploy" / "local" / "stack.sh"
ENV_FILE = REPO / ".data" / PROFILE / "env"
RESULTS = REPO / "bench" / "results"
BUDGET_SECONDS = 28 * 60
ITEMS = ("commands", "kernel", "delay", "rebuild", "scaleout", "reads", "memory", "portfolio")
STACKLESS = frozenset({"portfolio"})  # items in process: no database, no Kafka, no services
# Variables that would point the stack at other servers: the bench brings up its own.
FOREIGN = (
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "JWT_SECRET",
    "JWT_JWKS_URL",
    "PMO_EXTERNAL_DATABASE",
    "PMO_EXTERNAL_KAFKA",
    "PMO_EXTERNAL_JWT",
    "PROJECT_SVC_DATABASE_URL",
    "PROGRAM_SVC_DATABASE_URL",
    "PORTFOLIO_SVC_DATABASE_URL",
    "REPORTING_SVC_DATABASE_URL",
)


def stack(command: str, *, timeout: float) -> None:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    print(f"bench: stack.sh {command} {PROFILE}", file=sys.stderr, flush=True)
    subprocess.run(
        [str(STACK), command, PROFILE],
        cwd=REPO,
        env=env,
        check=True,
        timeout=timeout,
        stdout=sys.stderr,
    )


def services_down() -> list[str]:
    """The stack's services whose process is gone (on a shared machine another session's
    `pkill -f <module>` can end them)."""
    down = []
    for pid_file in sorted((REPO / ".data" / PROFILE / "run").glob("*-svc.pid")):
        try:
            os.kill(int(pid_file.read_text().strip()), 0)
        except (OSError, ValueError):
            down.append(pid_file.stem)
    return down


def ensure_services(ctx: Context) -> None:
    """Start again whatever service of the stack is no longer running, and say so."""
    down = services_down()
    if down:
        ctx.note(f"{', '.join(down)} not running (ended from outside the bench): restarted")
        stack("up", timeout=300)


def render(rows: list[Row]) -> str:
    header = ["figure", "value", "baseline", "ratio", "goal"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def kv_table(title: str, items: dict[str, str]) -> str:
    lines = [f"### {title}", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in items.items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per HTTP run")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up seconds per HTTP run")
    parser.add_argument("--kernel-seconds", type=int, default=8, help="seconds per kernel run")
    parser.add_argument(
        "--reads-seconds", type=int, default=10, help="measured seconds per read path (item 7)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy project-svc in an extra 32-client run, reporting-svc in an extra rebuild",
    )
    parser.add_argument("--only", default=",".join(ITEMS), help="comma-separated items")
    parser.add_argument("--reuse-stack", action="store_true", help="use the running bench stack")
    parser.add_argument("--keep-stack", action="store_true", help="leave the stack running")
    args = parser.parse_args()
    only = [x for x in args.only.split(",") if x]
    unknown = set(only) - set(ITEMS)
    if unknown:
        parser.error(f"unknown items: {', '.join(sorted(unknown))}")
    if not (
        1 <= args.seconds <= 120
        and 1 <= args.warmup <= 60
        and 1 <= args.kernel_seconds <= 60
        and 1 <= args.reads_seconds <= 60
    ):
        parser.error("durations out of range (seconds 1-120, warmup 1-60, kernel 1-60, reads 1-60)")

    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    load_before = load_average()
    use_stack = not set(only) <= STACKLESS
    try:
        if use_stack and not args.reuse_stack:
            stack("clean", timeout=120)
            stack("up", timeout=300)
        env = read_env_file(ENV_FILE) if use_stack else {}
        token = (
            issue_dev_token(
                env["JWT_SECRET"],
                sub="bench-user",
                tenant="bench",
                roles=["pmo", "platform_operator"],  # platform_operator: the rebuild benchmark
                ttl_seconds=3600,
            )
            if use_stack
            else ""
        )
        with tempfile.TemporaryDirectory(prefix="pmo-bench-") as work:
            ctx = Context(env=env, token=token, work=Path(work), deadline=started + BUDGET_SECONDS)
            if use_stack:
                ctx.settings.update(
                    {
                        "stack": f"stack.sh up {PROFILE} (fresh), services and relay running",
                        "uvicorn": "pmo_shared.web.app.serve: project-svc 2 worker processes, "
                        "the others 1 (stack.sh's defaults), uvloop, httptools, no access log",
                        "DB pool": "pool_size 10 + overflow 10, no pre-ping, statement cache 256",
                        "Kafka partitions": env.get("KAFKA_TOPIC_PARTITIONS", "?"),
                    }
                )
                info = machine_info(env["DATABASE_URL"])
            else:
                ctx.settings["stack"] = "none (only items in process: " + ", ".join(only) + ")"
                info = {
                    "cores": str(os.cpu_count()),
                    "kernel": platform.release(),
                    "Python": platform.python_version(),
                }
            rows = run_items(ctx, args, only)
            elapsed = time.monotonic() - started
    except BaseException:
        logs = REPO / ".data" / PROFILE / "logs"
        if use_stack and logs.is_dir():
            kept = RESULTS / f"{stamp}-failed-logs"
            shutil.copytree(logs, kept, dirs_exist_ok=True)
            print(f"bench: failed; the stack's logs are kept in {kept}", file=sys.stderr)
        raise
    finally:
        if use_stack and not (args.keep_stack or args.reuse_stack):
            stack("clean", timeout=120)

    table = render(rows) + "\n\n### Issue 16 goals\n\n" + render_goals(goal_rows(rows))
    print(table)
    ctx.settings["whole run"] = f"{elapsed:.0f} s"
    ctx.settings["load average before / after"] = f"{load_before} / {load_average()}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}.md"
    out.write_text(
        "\n\n".join(
            [
                f"# make bench, {stamp}",
                table,
                kv_table("Machine and versions", info),
                kv_table("Settings", ctx.settings),
                "### Details\n\n" + "\n".join(f"- {line}" for line in ctx.details),
            ]
        )
        + "\n"
    )
    print(f"\nsaved to {out.relative_to(REPO)} ({elapsed:.0f} s)", file=sys.stderr)
    return 0


SCALEOUT_SECONDS = 240  # bench/scaleout.py took 184 s in its first runs


def scaleout_missing(ctx: Context) -> list[Row]:
    """Item 6's row while bench/scaleout.py has not landed."""
    ctx.note("scaleout: bench/scaleout.py is not there yet")
    return [Row("6 · scale out, 2 reporting consumer processes in one group", NOT_AVAILABLE)]


def run_items(ctx: Context, args: argparse.Namespace, only: list[str]) -> list[Row]:
    from bench.commands import measure_commands
    from bench.delay import measure_end_to_end_delay
    from bench.kernel import measure_kernel
    from bench.machine import measure_memory
    from bench.portfolio import measure_portfolio
    from bench.reads import measure_reads
    from bench.rebuild import measure_rebuild_speed

    measure_scaleout: Callable[[Context], list[Row]] | None = None
    try:  # item 6 is bench/scaleout.py's (issue 16, P2); tolerated missing until it lands
        measure_scaleout = importlib.import_module("bench.scaleout").measure_scaleout
    except ModuleNotFoundError as exc:
        if exc.name != "bench.scaleout":
            raise

    # Rough seconds each item needs, to skip (never cut short) one the budget cannot fit.
    http_runs = 2 * 2 + 2 * 2 * 2  # project-svc and pgbench, 2 baseline apps, at 2 concurrencies
    plan: list[tuple[str, float, Callable[[], list[Row]]]] = [
        (
            "commands",
            60 + http_runs * (args.seconds + args.warmup + 2) + 20 * args.profile,
            lambda: measure_commands(
                ctx, seconds=args.seconds, warmup=args.warmup, profile=args.profile
            ),
        ),
        ("delay", 150, lambda: measure_end_to_end_delay(ctx)),
        (
            "rebuild",
            240 + 60 * args.profile,  # 3 sets of 200,000 events: plain, sealed, plain
            lambda: measure_rebuild_speed(ctx, profile=args.profile),
        ),
        (
            "scaleout",
            SCALEOUT_SECONDS if measure_scaleout else 1,
            lambda: measure_scaleout(ctx) if measure_scaleout else scaleout_missing(ctx),
        ),
        # Seeding (~2 minutes: 10,000 projects as events, 10,000 proposals through the API),
        # then per read path wrk and pgbench, each a 3 s warm-up and --reads-seconds.
        (
            "reads",
            180 + 5 * 2 * (args.reads_seconds + 3 + 2),
            lambda: measure_reads(ctx, seconds=args.reads_seconds, warmup=3),
        ),
        (
            "kernel",
            14 * (args.kernel_seconds + 4),  # per writer count: 3 runs and 1 of 4x (4b)
            lambda: measure_kernel(ctx, seconds=args.kernel_seconds),
        ),
        # The stack's peaks (each process's since it started), after every load of the run.
        ("memory", 5, lambda: measure_memory(ctx)),
        ("portfolio", 150, lambda: measure_portfolio(ctx)),  # ~110 s; capped at 330 s within
    ]
    rows: list[Row] = []
    for name, needs, measure in plan:
        if name not in only:
            continue
        if ctx.left() < needs:
            ctx.note(f"{name}: skipped, {ctx.left():.0f} s left of the budget, needs ~{needs:.0f}")
            rows.append(Row(f"{name}", "skipped (time budget)"))
            continue
        if name not in STACKLESS:
            ensure_services(ctx)
        t0 = time.monotonic()
        try:
            rows.extend(measure())
        except Exception as exc:
            # Retried once only when a service was ended from outside during the item.
            if name in STACKLESS or not services_down() or ctx.left() < needs:
                raise
            ctx.note(f"{name}: failed ({type(exc).__name__}: {exc}) as a service went away")
            ensure_services(ctx)
            t0 = time.monotonic()
            rows.extend(measure())
        ctx.note(f"{name}: {time.monotonic() - t0:.0f} s")
    if "memory" in only and any("restarted" in line for line in ctx.details):
        ctx.note("memory: a service was restarted during the run: its peak is since then")
    return sorted(rows, key=lambda r: r.figure[:1] if r.figure[:1].isdigit() else "9")


# --- issue 16's goals --------------------------------------------------------------------------

_NUMBER = re.compile(r"-?[\d,]*\.?\d+")


def _numbers(cell: str) -> list[float]:
    """The numbers in a table cell ("24.3 / 32.0 / 34.7", "p99 1.89x", "1,399 /s")."""
    return [float(m.replace(",", "")) for m in _NUMBER.findall(cell)]


def _find(rows: list[Row], *parts: str) -> Row | None:
    """The first row whose figure holds every one of `parts` and has a value."""
    for row in rows:
        if all(p in row.figure for p in parts) and row.value not in ("", NOT_AVAILABLE):
            return row
    return None


Measured = tuple[float, str, bool | None]


@dataclass(frozen=True)
class Goal:
    """One goal of issue 16: which figure, the measured ratio from the run's rows, the limit."""

    item: str
    text: str
    measured: Callable[[list[Row]], Measured | None]
    """(ratio, what it is, the source row's own verdict) from the rows, or None when the item
    did not run. A source row that says it missed (e.g. not one answer within the run) makes
    the goal missed whatever its ratio."""
    at_least: float | None = None
    at_most: float | None = None

    def row(self, rows: list[Row]) -> Row:
        try:
            found = self.measured(rows)
        except (IndexError, ValueError, ZeroDivisionError):
            found = None
        if found is None:
            return Row(self.item, "not measured in this run", goal=self.text)
        ratio, what, source_met = found
        met = (
            (self.at_least is None or ratio >= self.at_least)
            and (self.at_most is None or ratio <= self.at_most)
            and source_met is not False
        )
        return Row(self.item, what, ratio=f"{ratio:.2f}x", goal=self.text, met=met)


def _ratio(*parts: str) -> Callable[[list[Row]], Measured | None]:
    """The ratio cell of the row named by `parts` (its last number: "p99 1.89x" -> 1.89)."""

    def measured(rows: list[Row]) -> Measured | None:
        row = _find(rows, *parts)
        if row is None:
            return None
        return _numbers(row.ratio)[-1], f"{row.value} vs {row.baseline}", row.met

    return measured


def _kernel(writers: str) -> Callable[[list[Row]], Measured | None]:
    """Ours vs eventsourcing's DB-functions mode: the row's baseline when that mode was the
    faster, else the other mode's rate the figure names."""

    def measured(rows: list[Row]) -> Measured | None:
        row = _find(rows, "4 · kernel append events/s", writers)
        if row is None:
            return None
        ours = _numbers(row.value)[0]
        if "DB functions" in row.figure.split("other mode")[0]:
            base = _numbers(row.baseline)[0]
        else:
            base = _numbers(row.figure.split("other mode")[1])[0]
        return ours / base, f"{row.value} vs {base:,.0f} /s (DB functions)", None

    return measured


def _delay_load(rows: list[Row]) -> Measured | None:
    idle = _find(rows, "2 · end-to-end delay", "idle")
    load = _find(rows, "2 · end-to-end delay", "commands/s")
    if idle is None or load is None:
        return None
    p99_idle, p99_load = _numbers(idle.value)[2], _numbers(load.value)[2]
    return p99_load / p99_idle, f"p99 {p99_load:.1f} ms at load vs {p99_idle:.1f} ms idle", None


def _delay_idle(rows: list[Row]) -> Measured | None:
    idle = _find(rows, "2 · end-to-end delay", "idle")
    if idle is None:
        return None
    ours, kafka = _numbers(idle.value)[0], _numbers(idle.baseline)[0]
    return ours / kafka, f"p50 {ours:.1f} ms vs raw Kafka {kafka:.1f} ms", None


def _reads(rows: list[Row]) -> list[Goal]:
    names = [r.figure for r in rows if r.figure.startswith("7 · reads p50")] or [
        "7 · reads p50/p95/p99 ms, " + n
        for n in ("project list", "overview", "program roll-up", "portfolio roll-up")
    ]
    return [
        Goal(
            "7 · reads at scale, " + n.split(", ", 1)[1].split(" (")[0],
            "p99 ≤ 3x plain indexed SELECT, 32 clients",
            _ratio(n.split(" (")[0]),
            at_most=3,
        )
        for n in names
    ]


def _memory(rows: list[Row]) -> list[Goal]:
    names = [r.figure.split(" (")[0] for r in rows if r.figure.startswith("8 · peak RSS")]
    names = [n for n in names if is_api_process(n.removeprefix("8 · peak RSS MiB, "))] or [
        "8 · peak RSS MiB, API processes"
    ]

    def measured(name: str) -> Callable[[list[Row]], Measured | None]:
        def peak(rows: list[Row]) -> Measured | None:
            row = _find(rows, name + " (")
            if row is None:
                return None
            mib = _numbers(row.value)[0]
            return mib / 200, f"{row.value} MiB of 200", None

        return peak

    return [Goal(n, "peak RSS ≤ 200 MB (≤ 1.00x of it)", measured(n), at_most=1) for n in names]


def goal_rows(rows: list[Row]) -> list[Row]:
    """Every goal of issue 16, each with ✅/❌ from this run's rows (or not measured)."""
    goals = [
        Goal(
            "4 · kernel append, 1 writer",
            "≥ 1.5x eventsourcing DB-functions mode",
            _kernel("1 writer "),
            at_least=1.5,
        ),
        Goal(
            "4 · kernel append, 8 writers",
            "≥ 1.5x eventsourcing DB-functions mode",
            _kernel("8 writers"),
            at_least=1.5,
        ),
        Goal(
            "1 · commands/s at 32 clients",
            "≥ 0.8x the plumbing one-row insert",
            _ratio("1 · commands/s, 32 clients", "service plumbing"),
            at_least=0.8,
        ),
        Goal(
            "1 · command p99 at 32 clients",
            "p99 ≤ 1.5x the plumbing one-row insert's",
            _ratio("1 · latency p50/p95/p99 ms, 32 clients", "service plumbing"),
            at_most=1.5,
        ),
        Goal(
            "2 · end-to-end delay at 200 commands/s",
            "p99 ≤ 4x the idle p99, in the run",
            _delay_load,
            at_most=4,
        ),
        Goal("2 · end-to-end delay idle", "p50 ≤ 5x raw Kafka", _delay_idle, at_most=5),
        Goal(
            "3 · projection rebuild, 200k events",
            "≥ 0.3x the plain aiokafka reader",
            _ratio("3 · projection rebuild"),
            at_least=0.3,
        ),
        Goal(
            "3 · live catch-up, 200k events",
            "≥ 0.3x the plain aiokafka reader",
            _ratio("3 · live generation catch-up"),
            at_least=0.3,
        ),
        Goal(
            "6 · scale out, 2 reporting consumer processes",
            "≥ 1.4x one process",
            _ratio("6 · scale out"),
            at_least=1.4,
        ),
        *_reads(rows),
        *_memory(rows),
    ]
    return [g.row(rows) for g in goals]


def render_goals(rows: list[Row]) -> str:
    header = ["goal", "measured", "ratio", "issue 16 goal"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = row.cells()
        lines.append("| " + " | ".join([cells[0], cells[1], cells[3], cells[4]]) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
