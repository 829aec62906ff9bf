"""Fixtures of the deploy runtime tests: processes of the entrypoints, started on ports of their
own (below 32768) against the test stack's PostgreSQL and Kafka, and always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from pmo_shared.testing import required_env

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEADLINE_SECONDS = 60.0


def free_port() -> int:
    """A port in 20000..32767 that nothing listens on now."""
    for port in range(20000 + os.getpid() % 5000, 32768):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port below 32768")


def stack_env(**extra: str) -> dict[str, str]:
    """The test stack's environment (DATABASE_URL, KAFKA_..., JWT_SECRET) plus `extra`."""
    required_env("DATABASE_URL")  # the test stack's: fail loudly rather than skip
    required_env("KAFKA_BOOTSTRAP_SERVERS")
    env = {**os.environ, "ENVIRONMENT": "test", "HOST": "127.0.0.1", **extra}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


@dataclass
class Process:
    """A started entrypoint, its port and its log."""

    popen: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """What it has logged so far."""
        return self.log.read_text(errors="replace")

    def wait_ready(self, path: str = "/readyz", *, deadline: float = DEADLINE_SECONDS) -> None:
        """Poll `path` until it is 200, failing with the log when the process dies or stalls."""
        until = time.monotonic() + deadline
        while time.monotonic() < until:
            if self.popen.poll() is not None:
                code = self.popen.returncode
                pytest.fail(f"exited {code} before {path} was 200:\n{self.output()}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{path} not 200 within {deadline}s:\n{self.output()}")

    def terminate(self, *, deadline: float = DEADLINE_SECONDS) -> int:
        """SIGTERM, then its exit code (failing when it does not exit in time)."""
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            pytest.fail(f"still running {deadline}s after SIGTERM:\n{self.output()}")


Spawn = Callable[[list[str], Mapping[str, str]], Process]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """Start `argv` with `env` (PORT is chosen here); every process is killed at the end."""
    started: list[Process] = []

    def start(argv: list[str], env: Mapping[str, str]) -> Process:
        port = int(env["PORT"]) if "PORT" in env else free_port()
        log = tmp_path / f"process-{len(started)}.log"
        with log.open("wb") as sink:
            popen = subprocess.Popen(
                argv,
                env={**env, "PORT": str(port)},
                cwd=REPO,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        process = Process(popen, port, log)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait(timeout=10)
