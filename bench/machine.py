"""What the result file records about the machine, the versions and the settings."""

from __future__ import annotations

import asyncio
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from sqlalchemy import text

from bench.common import REPO, Context, Row
from pmo_shared.database.engine import create_engine_for

LIBS = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "pydantic",
    "SQLAlchemy",
    "asyncpg",
    "orjson",
    "aiokafka",
    "httpx",
    "eventsourcing",
    "psycopg",
)
PG_SETTINGS = (
    "fsync",
    "synchronous_commit",
    "wal_sync_method",
    "shared_buffers",
    "max_connections",
    "commit_delay",
)


def _memory_gib() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "?"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _first_line(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "not found"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0] if done.stdout or done.stderr else "?"
    )


def _kafka_version() -> str:
    pom = REPO / "deploy" / "local" / "kafka" / "pom.xml"
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom.read_text())
    return match.group(1) if match else "?"


async def _postgres(url: str) -> dict[str, str]:
    engine = create_engine_for(url, schema="public", pool_size=1)
    try:
        async with engine.connect() as conn:
            info = {"PostgreSQL": str((await conn.execute(text("SHOW server_version"))).scalar())}
            for name in PG_SETTINGS:
                value = (await conn.execute(text(f"SHOW {name}"))).scalar()
                info[f"pg {name}"] = str(value)
            return info
    finally:
        await engine.dispose()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_info(database_url: str) -> dict[str, str]:
    """Cores, memory, OS and the versions of everything measured."""
    info = {
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": _memory_gib(),
        "kernel": platform.release(),
        "Python": platform.python_version(),
    }
    info.update(asyncio.run(_postgres(database_url)))
    info["Kafka"] = _kafka_version()
    info["wrk"] = _first_line(["wrk", "-v"]).split(" [")[0]
    for lib in LIBS:
        try:
            info[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            info[lib] = "not installed"
    return info


def _status_kib(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set since the process started) and VmRSS of `pid`, in KiB."""
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                values[name] = int(rest.split()[0])
    except (OSError, ValueError):
        return {}
    return values


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _workers(pid: int) -> list[int]:
    """The worker processes a uvicorn supervisor `pid` spawned (multiprocessing's spawn; not
    its resource tracker), in pid order."""
    found = []
    for child in sorted(_children(pid)):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            found.append(child)
    return found


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True, slots=True)
class Memory:
    """One process's resident set: its peak since it started and now, MiB."""

    name: str
    pid: int
    peak_mib: float
    now_mib: float


def _memory(name: str, pid: int, kib: dict[str, int]) -> Memory:
    return Memory(name, pid, kib.get("VmHWM", 0) / 1024, kib.get("VmRSS", 0) / 1024)


def _service_memory(name: str, pid: int, kib: dict[str, int]) -> list[Memory]:
    """The process of a pid file; with uvicorn workers, it only supervises and each worker
    (an API process of its own) gets a row too."""
    workers = _workers(pid)
    if not workers:
        return [_memory(name, pid, kib)]
    out = [_memory(f"{name} supervisor", pid, kib)]
    for i, worker in enumerate(workers, 1):
        if worker_kib := _status_kib(worker):
            out.append(_memory(f"{name} worker {i}", worker, worker_kib))
    return out


def stack_memory(data_dir: Path) -> list[Memory]:
    """The peak resident set (VmHWM: since each process started) of every process of a stack:
    each one under `run/*.pid` (the services, and any other process stack.sh starts there,
    e.g. a relay or a consumer of its own), the Kafka broker, PostgreSQL's postmaster and
    its largest backend (with their count and the sum of their current RSS: shared buffers
    are counted in each backend that touched them). MiB; a process gone is left out."""
    out: list[Memory] = []
    for pid_file in sorted((data_dir / "run").glob("*.pid")):
        pid = _pid_in(pid_file)
        kib = _status_kib(pid) if pid else {}
        if pid and kib:
            out.extend(_service_memory(pid_file.stem, pid, kib))
    kafka = _pid_in(data_dir / "kafka" / "kafka.pid")
    kib = _status_kib(kafka) if kafka else {}
    if kafka and kib:
        out.append(_memory("kafka", kafka, kib))
    master = _pid_in(data_dir / "postgres" / "data" / "postmaster.pid")
    kib = _status_kib(master) if master else {}
    if master and kib:
        out.append(_memory("postgres (postmaster)", master, kib))
        backends = [(p, _status_kib(p)) for p in _children(master)]
        backends = [(p, k) for p, k in backends if k]
        if backends:
            pid, top = max(backends, key=lambda b: b[1].get("VmHWM", 0))
            total = sum(k.get("VmRSS", 0) for _, k in backends) / 1024
            name = (
                f"postgres (largest of {len(backends)} backends; their RSS now sums to "
                f"{total:,.0f} MiB)"
            )
            out.append(_memory(name, pid, top))
    return out


API_RSS_GOAL_MIB = 200


def is_api_process(name: str) -> bool:
    """A process that serves a service's API: the service's own, or one of its workers."""
    return re.fullmatch(r".+-svc( worker \d+)?", name) is not None


def measure_memory(ctx: Context) -> list[Row]:
    """Item 8: the peak RSS of every process of the stack, at the end of the items run (VmHWM
    is each process's peak since it started: under all the load the run put on it)."""
    rows = []
    for proc in stack_memory(Path(ctx.env["PMO_DATA_DIR"])):
        api = is_api_process(proc.name)
        rows.append(
            Row(
                f"8 · peak RSS MiB, {proc.name} (pid {proc.pid}; now {proc.now_mib:,.0f} MiB"
                + ("; an API process" if api else "")
                + ")",
                f"{proc.peak_mib:,.0f}",
                goal=f"≤ {API_RSS_GOAL_MIB} MiB" if api else "",
                met=(proc.peak_mib <= API_RSS_GOAL_MIB) if api else None,
            )
        )
    return rows
