"""Authentication, tenant isolation and the role matrix of portfolios and the PMO's standards,
on the running service."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest

from pmo_shared.testing import TokenFor

from .portfolio_flows import (
    MANAGER,
    PORTFOLIO,
    STANDARDS,
    References,
    as_user,
    code,
    create_portfolio,
    project,
    put,
)

pytestmark = pytest.mark.integration


def _claims(tenant: str) -> dict[str, object]:
    return {"sub": "x", "tenant": tenant, "roles": ["pmo"], "exp": int(time.time()) + 600}


@pytest.mark.parametrize("kind", ["missing", "expired", "wrong-key", "garbage"])
async def test_bad_tokens_get_401(
    portfolio_url: str, jwt_secret: str, tenant: str, kind: str
) -> None:
    tokens = {
        "expired": jwt.encode({**_claims(tenant), "exp": int(time.time()) - 3600}, jwt_secret),
        "wrong-key": jwt.encode(_claims(tenant), "another-secret-of-at-least-32-characters!"),
        "garbage": "not.a.token",
    }
    headers = {"Authorization": f"Bearer {tokens[kind]}"} if kind in tokens else {}
    async with httpx.AsyncClient(base_url=portfolio_url) as client:
        for method, path in (
            ("GET", "/v1/portfolios"),
            ("POST", "/v1/portfolios"),
            ("GET", "/v1/pmo/standards"),
        ):
            response = await client.request(method, path, headers=headers, json=PORTFOLIO)
            assert response.status_code == 401, (kind, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"


async def test_another_tenants_portfolio_and_standards_are_not_found(
    api: httpx.AsyncClient, portfolio_url: str, token_for: TokenFor
) -> None:
    portfolio_id = (await create_portfolio(api))["portfolio_id"]
    await put(api, f"/v1/portfolios/{portfolio_id}/weights", {"weights": {"growth": "1"}})
    await put(api, f"/v1/portfolios/{portfolio_id}/budget", {"amount": "10"})
    await put(api, "/v1/pmo/standards", STANDARDS)
    p = f"/v1/portfolios/{portfolio_id}"
    headers = {"Authorization": f"Bearer {token_for(f'other-{uuid.uuid4().hex[:8]}', 'pmo')}"}
    async with httpx.AsyncClient(base_url=portfolio_url, headers=headers) as intruder:
        for method, path, body in (
            ("GET", p, None),
            ("GET", f"{p}/events", None),
            ("GET", f"{p}/ranking", None),
            ("GET", f"{p}/selection", None),
            ("GET", f"{p}/frontier.svg", None),
            ("PUT", f"{p}/budget", {"amount": "1"}),
            (
                "POST",
                f"{p}/decisions",
                {"component_id": str(uuid.uuid4()), "decision": "defer", "rationale": "x"},
            ),
            ("GET", "/v1/pmo/standards", None),
        ):
            response = await intruder.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        listed = (await intruder.get("/v1/portfolios")).json()["items"]
        assert listed == []
        assert (await intruder.get("/v1/pmo/standards/history")).json()["items"] == []
    assert (await api.get(p)).json()["budget"][0]["amount"] == "10.00"


async def test_another_tenants_project_is_unknown(
    api: httpx.AsyncClient, project_url: str, token_for: TokenFor, known: References
) -> None:
    headers = {"Authorization": f"Bearer {token_for(f'other-{uuid.uuid4().hex[:8]}', 'pmo')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers) as elsewhere:
        theirs = await project(elsewhere, flagged_large=True)
    await known.project(theirs)
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"

    response = await api.post(
        f"{p}/components", json={"component_id": theirs, "kind": "project", "estimate": "1"}
    )

    assert response.status_code == 422, response.text
    assert "unknown project" in response.json()["detail"]


async def test_the_role_matrix(api: httpx.AsyncClient) -> None:
    portfolio_id = (await create_portfolio(api))["portfolio_id"]
    p = f"/v1/portfolios/{portfolio_id}"
    manager = as_user(api, MANAGER, "portfolio_manager")
    other_manager = as_user(api, "pf-paul", "portfolio_manager")
    viewer = as_user(api, "viewer-vic", "viewer")
    project_manager = as_user(api, "pm-ann", "project_manager")
    budget = {"amount": "100"}

    assert (await api.put(f"{p}/budget", json=budget, headers=manager)).status_code == 200
    for who in (other_manager, viewer, project_manager):
        refused = await api.put(f"{p}/budget", json=budget, headers=who)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    for who in (viewer, project_manager, other_manager):
        assert (await api.get(p, headers=who)).status_code == 200
        assert (await api.get("/v1/portfolios", headers=who)).json()["items"]
    own = await api.post(
        "/v1/portfolios", json={**PORTFOLIO, "code": code()}, headers=other_manager
    )
    foreign = await api.post("/v1/portfolios", json={**PORTFOLIO, "code": code()}, headers=viewer)
    assert own.status_code == 403  # a portfolio manager creates only portfolios they manage
    assert foreign.status_code == 403
    mine = await api.post(
        "/v1/portfolios",
        json={**PORTFOLIO, "code": code(), "manager": "pf-paul"},
        headers=other_manager,
    )
    assert mine.status_code == 201, mine.text


async def test_only_the_pmo_sets_the_standards_and_everyone_reads_them(
    api: httpx.AsyncClient,
) -> None:
    for who in ("portfolio_manager", "viewer", "project_manager"):
        refused = await api.put(
            "/v1/pmo/standards", json=STANDARDS, headers=as_user(api, "someone", who)
        )
        assert refused.status_code == 403, refused.text
    await put(api, "/v1/pmo/standards", STANDARDS)
    read = await api.get("/v1/pmo/standards", headers=as_user(api, "viewer-vic", "viewer"))
    assert read.status_code == 200
    assert read.json()["time_zone"] == "Europe/Berlin"
