"""The `fault` stack of the resilience tests (deploy/local/stack.sh up fault), whose processes
they kill and restart, and the Toxiproxy server with three proxies: reporting-svc to its
PostgreSQL, the three write services to theirs, and every service to Kafka (the broker's PROXIED
listener, which advertises the proxy's port, so a client that bootstraps through the proxy
stays behind it). The tests themselves reach PostgreSQL and Kafka directly.

Nothing here touches another profile's processes: every pid comes from the fault stack's own
pid files, and each one is checked against the stack's marker before a signal is sent."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / "deploy" / "local"
PROFILE = "fault"
DATA = REPO / ".data" / PROFILE

# Both below the kernel's ephemeral range (32768-60999 here): a port in it can be taken at any
# moment by some client's outgoing connection, and the proxy's listener then fails to bind.
TOXIPROXY_PORT = 5548
REPORTING_DB_PROXY_PORT = 5549
"""reporting-svc reaches PostgreSQL through this Toxiproxy listener; the other services do not."""
REPORTING_DB_PROXY = "reporting_postgres"
WRITERS_DB_PROXY_PORT = 5550
"""project-svc, program-svc and portfolio-svc reach PostgreSQL through this listener."""
WRITERS_DB_PROXY = "writers_postgres"
WRITE_SERVICES = ("project-svc", "program-svc", "portfolio-svc")
KAFKA_PROXY_PORT = 5551
"""Every service of the stack reaches Kafka through this listener (stack.sh's
FAULT_KAFKA_PROXY_PORT): it forwards to the broker's PROXIED listener, which advertises it."""
KAFKA_PROXIED_PORT = 9594
"""The broker's PROXIED listener (stack.sh: the fault profile's Kafka port + 2)."""
KAFKA_PROXY = "kafka"

# What a sourced `.data/test/env` (or a developer's shell) sets that would point the fault
# stack at another profile's servers or secrets.
_FOREIGN_ENV = (
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "JWT_SECRET",
    "JWT_SECRET_FILE",
    "JWT_JWKS_URL",
    "PERSONAL_DATA_MASTER_KEY",
    "PMO_EXTERNAL_DATABASE",
    "PMO_EXTERNAL_KAFKA",
    "PMO_EXTERNAL_JWT",
)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _FOREIGN_ENV and not k.endswith("_DATABASE_URL")
    }
    return {**env, **extra}


def _run(args: list[str], *, env: dict[str, str], timeout: float) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n"
            f"{done.stderr[-3000:]}"
        )


def _pg_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError("pg_ctl not found under /usr/lib/postgresql")


@dataclass
class Toxiproxy:
    """The HTTP API of the Toxiproxy server (https://github.com/Shopify/toxiproxy#http-api)."""

    api: str = f"http://127.0.0.1:{TOXIPROXY_PORT}"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, self.api + path, json=body, timeout=5)
        response.raise_for_status()
        return response.json() if response.content else None

    def create(self, name: str, *, listen: int, upstream: int) -> None:
        """A proxy `name` from 127.0.0.1:`listen` to 127.0.0.1:`upstream` (replaced if any)."""
        with contextlib.suppress(httpx.HTTPStatusError):
            self._call("DELETE", f"/proxies/{name}")
        self._call(
            "POST",
            "/proxies",
            {"name": name, "listen": f"127.0.0.1:{listen}", "upstream": f"127.0.0.1:{upstream}"},
        )

    def add(
        self, proxy: str, toxic: str, kind: str, *, stream: str = "downstream", **attributes: int
    ) -> None:
        """Add a toxic (`latency`, `timeout`, `bandwidth`, `reset_peer`, ...) to one direction
        (`downstream`: server to client; `upstream`: client to server)."""
        body = {"name": toxic, "type": kind, "stream": stream, "attributes": attributes}
        self._call("POST", f"/proxies/{proxy}/toxics", body)

    def remove(self, proxy: str, toxic: str) -> None:
        """Remove one toxic."""
        self._call("DELETE", f"/proxies/{proxy}/toxics/{toxic}")

    def reset(self) -> None:
        """Every proxy enabled, every toxic removed."""
        self._call("POST", "/reset")


@dataclass
class FaultStack:
    """The fault profile's stack: addresses from its env file, and its processes' controls."""

    env: dict[str, str] = field(default_factory=dict)
    toxiproxy: Toxiproxy = field(default_factory=Toxiproxy)

    @property
    def project_url(self) -> str:
        """project-svc's base URL."""
        return self.env["PROJECT_URL"]

    @property
    def program_url(self) -> str:
        """program-svc's base URL."""
        return self.env["PROGRAM_URL"]

    @property
    def portfolio_url(self) -> str:
        """portfolio-svc's base URL."""
        return self.env["PORTFOLIO_URL"]

    @property
    def reporting_url(self) -> str:
        """reporting-svc's base URL."""
        return self.env["REPORTING_URL"]

    @property
    def database_url(self) -> str:
        """The stack's PostgreSQL, directly (not through the proxy)."""
        return self.env["DATABASE_URL"]

    @property
    def jwt_secret(self) -> str:
        """The stack's development JWT secret."""
        return Path(self.env["JWT_SECRET_FILE"]).read_text().strip()

    def _stack_env(self) -> dict[str, str]:
        def proxied(port: int) -> str:
            return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/pmo"

        writers = {
            f"{name.replace('-', '_').upper()}_DATABASE_URL": proxied(WRITERS_DB_PROXY_PORT)
            for name in WRITE_SERVICES
        }
        return _clean_env(
            REPORTING_SVC_DATABASE_URL=proxied(REPORTING_DB_PROXY_PORT),
            FAULT_KAFKA_PROXY_PORT=str(KAFKA_PROXY_PORT),
            **writers,
        )

    def _toxiproxy_sh(self, command: str) -> None:
        env = _clean_env(TOXIPROXY_PORT=str(TOXIPROXY_PORT), TOXIPROXY_DIR=str(DATA / "toxiproxy"))
        _run([str(LOCAL / "toxiproxy.sh"), command], env=env, timeout=300)

    def up(self) -> None:
        """Toxiproxy with its proxies, then the whole stack (or what of it is stopped: `up`
        starts only the missing parts), ready."""
        DATA.mkdir(parents=True, exist_ok=True)
        self._toxiproxy_sh("start")
        self.toxiproxy.create(
            REPORTING_DB_PROXY, listen=REPORTING_DB_PROXY_PORT, upstream=self.pg_port
        )
        self.toxiproxy.create(WRITERS_DB_PROXY, listen=WRITERS_DB_PROXY_PORT, upstream=self.pg_port)
        self.toxiproxy.create(KAFKA_PROXY, listen=KAFKA_PROXY_PORT, upstream=KAFKA_PROXIED_PORT)
        self.restart_services()

    def restart_services(self) -> None:
        """Start every stopped service of the stack (migrations first) and wait until ready."""
        _run([str(LOCAL / "stack.sh"), "up", PROFILE], env=self._stack_env(), timeout=300)
        self.env = _read_env(DATA / "env")

    def clean(self) -> None:
        """Stop everything of the stack and delete its data (Toxiproxy first: its pid file is
        in the data)."""
        try:
            self._toxiproxy_sh("stop")
        finally:
            _run([str(LOCAL / "stack.sh"), "clean", PROFILE], env=self._stack_env(), timeout=300)

    @property
    def pg_port(self) -> int:
        """The fault profile's PostgreSQL port."""
        return 5547

    # --- faults ------------------------------------------------------------------------

    def service_pid(self, name: str) -> int:
        """The pid of a service of this stack (its process group's leader), checked against
        the stack's marker so a reused pid is never signalled."""
        pid = int((DATA / "run" / f"{name}.pid").read_text().strip())
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        marker = f"PMO_STACK_SERVICE={DATA}/{name}".encode()
        if marker not in environ:
            raise RuntimeError(f"pid {pid} is not {name} of the fault stack")
        return pid

    def kill_service(self, name: str) -> None:
        """SIGKILL a service: its supervisor and its worker processes (one process group,
        stack.sh starts each service with setsid), and wait until they are gone."""
        pid = self.service_pid(name)
        os.killpg(pid, signal.SIGKILL)
        _wait_gone(pid)

    def _kafka_env(self) -> dict[str, str]:
        return _clean_env(
            KAFKA_PORT="9592",
            KAFKA_CONTROLLER_PORT="9593",
            KAFKA_DIR=str(DATA / "kafka"),
            KAFKA_PROXIED_PORT=str(KAFKA_PROXIED_PORT),
            KAFKA_PROXIED_ADVERTISED=f"127.0.0.1:{KAFKA_PROXY_PORT}",
            PYTHON=str(REPO / ".venv" / "bin" / "python"),
        )

    def kill_kafka(self) -> None:
        """SIGKILL the broker (kafka.sh kill: the fault stack's own pid file)."""
        _run([str(LOCAL / "kafka.sh"), "kill"], env=self._kafka_env(), timeout=60)

    def start_kafka(self) -> None:
        """Start the broker again; returns once it answers."""
        _run([str(LOCAL / "kafka.sh"), "start"], env=self._kafka_env(), timeout=180)

    def _as_postgres(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)

    def stop_postgres_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: every backend is gone at once, no checkpoint (the next
        start replays the WAL, as after a crash)."""
        data = DATA / "postgres" / "data"
        args = self._as_postgres(
            str(_pg_bin() / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w"
        )
        _run(args, env=_clean_env(), timeout=60)

    def start_postgres(self) -> None:
        """Start PostgreSQL again (postgres.sh start: returns once it accepts connections)."""
        env = _clean_env(PG_PORT=str(self.pg_port), PG_DIR=str(DATA / "postgres"))
        _run([str(LOCAL / "postgres.sh"), "start"], env=env, timeout=120)


def _wait_gone(pid: int, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists():
        # A zombie (our child only when tests start services directly) counts as gone.
        status = Path(f"/proc/{pid}/status")
        with contextlib.suppress(FileNotFoundError):
            if "State:\tZ" in status.read_text():
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"pid {pid} still alive {timeout}s after SIGKILL")
        time.sleep(0.05)


def _read_env(path: Path) -> dict[str, str]:
    """The exports of a stack's env file, evaluated by bash (it quotes with printf %q)."""
    script = f"set -a; source {path}; env -0"
    out = subprocess.run(
        ["bash", "-c", script], env={}, capture_output=True, check=True, timeout=10
    ).stdout
    pairs = (item.split(b"=", 1) for item in out.split(b"\0") if b"=" in item)
    return {k.decode(): v.decode() for k, v in pairs}
