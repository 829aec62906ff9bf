"""schemathesis against the running reporting-svc: no 5xx, no undocumented responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmo_shared.testing import TokenFor, run_schemathesis

pytestmark = pytest.mark.integration


def test_no_server_errors_and_no_schema_violations(
    reporting_url: str, token_for: TokenFor, tmp_path: Path
) -> None:
    # The viewer role: fuzzing must not start projection rebuilds.
    run_schemathesis(reporting_url, token=token_for("fuzz-tenant", "viewer"), workdir=tmp_path)
