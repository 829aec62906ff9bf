"""schemathesis against the running service's OpenAPI: no 5xx, and every response (status,
media type, body) is one the schema documents."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TokenFor

pytestmark = pytest.mark.integration
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)


def test_no_server_errors_and_no_schema_violations(
    project_url: str, token_for: TokenFor, tmp_path: Path
) -> None:
    # The CLI rather than the pytest plugin: it runs all phases (coverage, fuzzing, stateful)
    # and the plugin does not support this pytest major version yet.
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli is not None, "schemathesis is a test dependency (requirements-dev.txt)"
    run = subprocess.run(
        [
            cli,
            "run",
            f"{project_url}/openapi.json",
            "--no-color",
            "--max-examples",
            "25",
            "--checks",
            CHECKS,
            "-H",
            f"Authorization: Bearer {token_for('fuzz-tenant', 'pmo')}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
