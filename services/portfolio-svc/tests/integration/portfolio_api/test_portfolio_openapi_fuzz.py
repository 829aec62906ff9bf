"""schemathesis against the running portfolio-svc: no 5xx, and every response (status, media
type, body) is one its OpenAPI document describes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmo_shared.testing import TokenFor, run_schemathesis

pytestmark = pytest.mark.integration


def test_portfolio_svc_has_no_server_errors_and_no_schema_violations(
    portfolio_url: str, token_for: TokenFor, tmp_path: Path
) -> None:
    run_schemathesis(portfolio_url, token=token_for("fuzz-portfolios", "pmo"), workdir=tmp_path)
