"""What project-svc's OpenAPI document promises clients."""

from __future__ import annotations

from typing import Any

from pmo_shared.web.commands import IF_MATCH_PATTERN
from project_svc.api.app import create_app
from project_svc.settings import ProjectSettings


def test_every_if_match_parameter_of_project_svc_declares_the_pattern() -> None:
    settings = ProjectSettings(
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret="if-match-test-secret-of-at-least-32-chars",
        personal_data_master_key="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    )
    spec: dict[str, Any] = create_app(settings).openapi()
    headers = [
        parameter
        for item in spec["paths"].values()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match"
    ]
    assert len(headers) >= 20  # every command route on a project or its office
    assert all(h["schema"]["pattern"] == IF_MATCH_PATTERN for h in headers), headers[0]
