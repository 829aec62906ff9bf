"""The services' logs hold no secret: not the JWT secret, not a master key of a key store, not
reporting-svc's service token, and not one of the bearer tokens (valid or forged) this suite
sent. Named to run after the other security tests (pytest runs a directory's files in name
order), whose tokens it checks too; on its own it sends tokens of its own first."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import httpx
import pytest

from pmo_shared.testing import required_env

from .security_stack import ISSUED, Service, bearer, new_tenant, token

pytestmark = pytest.mark.integration

FLUSH_DEADLINE_SECONDS = 10


def _secrets() -> dict[str, str]:
    found = {"JWT_SECRET": required_env("JWT_SECRET")}
    for path in sorted(Path(required_env("PMO_SECRETS_DIR")).iterdir()):
        found[path.name] = path.read_text().strip()
    return {name: value for name, value in found.items() if len(value) >= 16}


def _logs() -> str:
    directory = Path(os.environ.get("PMO_LOG_DIR") or required_env("PMO_DATA_DIR") + "/logs")
    return "\n".join(p.read_text(errors="replace") for p in sorted(directory.glob("*.log")))


async def _send_tokens(services: dict[str, Service], marker: str) -> None:
    """Requests that carry tokens where a careless log would write them down: the header of
    a good and of a refused request, and a query string."""
    tenant = new_tenant("logs")
    good, expired = token(tenant, "pmo"), token(tenant, "pmo", exp=int(time.time()) - 3600)
    async with httpx.AsyncClient(timeout=30) as http:
        for service in services.values():
            headers = {"X-Correlation-ID": marker}
            await http.get(f"{service.url}/v1/nothing", headers={**headers, **bearer(good)})
            await http.get(f"{service.url}/healthz?access_token={good}", headers=headers)
            for value in (good, expired):
                route = next(op.path for op in service.operations if op.secured)
                path = route.replace("{", "").replace("}", "")
                await http.post(service.url + path, headers={**headers, **bearer(value)}, json={})


async def test_no_secret_or_token_is_ever_logged(services: dict[str, Service]) -> None:
    marker = f"k3-logs-{uuid.uuid4()}"
    await _send_tokens(services, marker)
    deadline = time.monotonic() + FLUSH_DEADLINE_SECONDS
    logs = _logs()
    while logs.count(marker) < len(services) and time.monotonic() < deadline:
        logs = _logs()
    assert logs.count(marker) >= len(services), "the services did not log the requests"

    leaked = [name for name, secret in _secrets().items() if secret in logs]
    tokens = [t for t in ISSUED if len(t) >= 20 and t in logs]
    signatures = [
        t
        for t in ISSUED
        if t.count(".") == 2 and len(t.rsplit(".", 1)[1]) >= 20 and t.rsplit(".", 1)[1] in logs
    ]

    assert not leaked, f"secrets in the logs: {leaked}"
    assert not tokens, f"{len(tokens)} of {len(ISSUED)} bearer tokens in the logs"
    assert not signatures, f"{len(signatures)} token signatures in the logs"
    assert len(ISSUED) >= 3
