"""`make bench`: bring up the bench stack, run the benchmarks, print and save one table.

    .venv/bin/python -m bench.run [--seconds 20] [--warmup 5] [--kernel-seconds 8]
                                  [--only commands,kernel,delay,rebuild,portfolio]
                                  [--profile] [--reuse-stack] [--keep-stack]

The stack is `deploy/local/stack.sh up bench` (its own data in .data/bench, PostgreSQL 5546,
Kafka 9492, services 28001-28004), made fresh for each run and removed afterwards unless
--keep-stack; a run of only items that need none (STACKLESS: portfolio) makes no stack. The
table is printed on stdout and saved, with the machine, versions and settings, to
bench/results/<UTC timestamp>.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.common import REPO, Context, Row, read_env_file
from bench.machine import load_average, machine_info
from pmo_shared.web.auth import issue_dev_token

PROFILE = "bench"
STACK = REPO / "deploy" / "local" / "stack.sh"
ENV_FILE = REPO / ".data" / PROFILE / "env"
RESULTS = REPO / "bench" / "results"
BUDGET_SECONDS = 14 * 60
ITEMS = ("commands", "kernel", "delay", "rebuild", "portfolio")
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
    if not (1 <= args.seconds <= 120 and 1 <= args.warmup <= 60 and 1 <= args.kernel_seconds <= 60):
        parser.error("durations out of range (seconds 1-120, warmup 1-60, kernel 1-60)")

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
                        "uvicorn": "1 process per service (pmo_shared.web.app.serve), uvloop, "
                        "httptools, no access log",
                        "DB pool": "pool_size 10 + overflow 10, pre-ping, statement cache 256",
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

    table = render(rows)
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


def run_items(ctx: Context, args: argparse.Namespace, only: list[str]) -> list[Row]:
    from bench.commands import measure_commands
    from bench.delay import measure_end_to_end_delay
    from bench.kernel import measure_kernel
    from bench.portfolio import measure_portfolio
    from bench.rebuild import measure_rebuild_speed

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
            "kernel",
            14 * (args.kernel_seconds + 4),  # per writer count: 3 runs and 1 of 4x (4b)
            lambda: measure_kernel(ctx, seconds=args.kernel_seconds),
        ),
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
    order = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4}
    return sorted(rows, key=lambda r: order.get(r.figure[:1], 9))


if __name__ == "__main__":
    sys.exit(main())
