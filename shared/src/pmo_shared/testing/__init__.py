"""Support for the test suites of the services (used by tests only)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

TokenFor = Callable[..., str]
"""`token_for(tenant, *roles, sub=...)` returns a valid bearer token."""


def required_env(name: str) -> str:
    """An address of the running system; fail loudly rather than skip when it is missing."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the suite through `make test`")
    return value


async def eventually(
    check: Callable[[], Awaitable[bool]],
    *,
    what: str,
    timeout: float = 60,
    interval: float = 0.1,
) -> None:
    """Poll `check` until it holds; fail naming `what` after `timeout` seconds (the bounded wait
    for what another process does, never a blind sleep)."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(interval)


SCHEMATHESIS_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def run_schemathesis(base_url: str, *, token: str, workdir: Path, examples: int = 25) -> None:
    """Fuzz a running service from its OpenAPI document; fail with schemathesis's report on
    any 5xx or response the document does not describe."""
    # The CLI rather than the pytest plugin: it runs every phase (coverage, fuzzing,
    # stateful), and the plugin does not support this pytest major version yet.
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if cli is None:
        raise RuntimeError("schemathesis is a test dependency (requirements-dev.txt)")
    run = subprocess.run(
        [
            cli,
            "run",
            f"{base_url}/openapi.json",
            "--no-color",
            "--max-examples",
            str(examples),
            "--checks",
            ",".join(SCHEMATHESIS_CHECKS),
            "-H",
            f"Authorization: Bearer {token}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=workdir,
    )
    if run.returncode != 0:
        raise AssertionError(run.stdout[-6000:] + run.stderr[-2000:])
