"""What portfolio-svc's OpenAPI document promises clients."""

from __future__ import annotations

from typing import Any

from pmo_shared.web.commands import IF_MATCH_PATTERN
from portfolio_svc.api.app import create_app
from portfolio_svc.settings import PortfolioSettings

BASE = "/v1/portfolios/{portfolio_id}"


def _spec() -> dict[str, Any]:
    settings = PortfolioSettings(
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret="portfolio-openapi-test-secret-of-at-least-32-chars",
        personal_data_master_key="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    )
    spec: dict[str, Any] = create_app(settings).openapi()
    return spec


def test_every_portfolio_command_and_the_standards_declare_the_if_match_pattern() -> None:
    spec = _spec()
    commands = [
        (path, operation)
        for path, item in spec["paths"].items()
        if path.startswith(f"{BASE}/") or path == "/v1/pmo/standards"
        for method, operation in item.items()
        if method in ("post", "put")
    ]
    headers = [
        parameter
        for _path, operation in commands
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match"
    ]
    assert len(commands) == 14
    assert len(headers) == len(commands)
    assert all(h["schema"]["pattern"] == IF_MATCH_PATTERN for h in headers), headers[0]


def test_the_routes_of_portfolios_and_standards() -> None:
    paths = set(_spec()["paths"])
    assert {
        "/v1/portfolios",
        BASE,
        f"{BASE}/events",
        f"{BASE}/weights",
        f"{BASE}/weights/ahp",
        f"{BASE}/components",
        f"{BASE}/components/{{component_id}}/cost",
        f"{BASE}/components/{{component_id}}/scores/{{objective}}",
        f"{BASE}/components/{{component_id}}/removal",
        f"{BASE}/dependencies",
        f"{BASE}/exclusive-groups",
        f"{BASE}/budget",
        f"{BASE}/capacities/{{role}}",
        f"{BASE}/scenarios/{{name}}",
        f"{BASE}/decisions",
        f"{BASE}/selection/adoption",
        f"{BASE}/ranking",
        f"{BASE}/selection",
        f"{BASE}/frontier",
        f"{BASE}/frontier.svg",
        f"{BASE}/scenarios/{{name}}/comparison",
        "/v1/pmo/standards",
        "/v1/pmo/standards/history",
        "/v1/data-subjects/{user_id}/erase",
    } <= paths


def test_every_analysis_answers_both_time_axes_and_the_image_is_svg() -> None:
    spec = _spec()
    for name in ("ranking", "selection", "frontier", "frontier.svg", "scenarios/{name}/comparison"):
        operation = spec["paths"][f"{BASE}/{name}"]["get"]
        queries = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert {"as_of", "known_at"} <= queries, name
    image = spec["paths"][f"{BASE}/frontier.svg"]["get"]["responses"]["200"]["content"]
    assert list(image) == ["image/svg+xml"]
    creating = spec["paths"]["/v1/portfolios"]["post"]["parameters"]
    assert "idempotency-key" in {p["name"].lower() for p in creating}
