"""What program-svc's OpenAPI document promises clients."""

from __future__ import annotations

from typing import Any

from pmo_shared.web.commands import IF_MATCH_PATTERN
from program_svc.api.app import create_app
from program_svc.settings import ProgramSettings


def _spec() -> dict[str, Any]:
    settings = ProgramSettings(
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret="program-openapi-test-secret-of-at-least-32-chars",
        personal_data_master_key="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    )
    spec: dict[str, Any] = create_app(settings).openapi()
    return spec


def test_every_program_command_declares_the_if_match_pattern() -> None:
    spec = _spec()
    commands = [
        (path, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/v1/programs/{program_id}/")
        for method, operation in item.items()
        if method == "post"
    ]
    headers = [
        parameter
        for _path, operation in commands
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match"
    ]
    assert len(commands) == 21
    assert len(headers) == len(commands)
    assert all(h["schema"]["pattern"] == IF_MATCH_PATTERN for h in headers), headers[0]


def test_the_routes_of_programs() -> None:
    paths = set(_spec()["paths"])
    base = "/v1/programs/{program_id}"
    assert {
        "/v1/programs",
        base,
        f"{base}/events",
        f"{base}/members",
        f"{base}/members/{{project_id}}/remove",
        f"{base}/funding/allocations",
        f"{base}/funding/reallocations",
        f"{base}/assignments/{{assignment_id}}/end-early",
        f"{base}/benefits/{{benefit_id}}/realisations",
        f"{base}/dependencies/{{dependency_id}}/remove",
        "/v1/data-subjects/{user_id}/erase",
    } <= paths
