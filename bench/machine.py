"""What the result file records about the machine, the versions and the settings."""

from __future__ import annotations

import asyncio
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

from sqlalchemy import text

from bench.common import REPO
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
