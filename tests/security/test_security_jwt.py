"""Every route of every service, read from its live OpenAPI document, refuses a request without
an acceptable bearer token: 401 problem+json with a `WWW-Authenticate: Bearer` challenge. Only
the routes on an explicit allow-list answer without one.

The test stack configures no issuer or audience (`JWT_ISSUER`, `JWT_AUDIENCE` unset), so there
the kernel checks the signature (HS256 with the stack's secret only), `exp`, `nbf`, the claims
`sub`, `tenant` and `roles`, and refuses any `aud` (none is expected); an app built with an
issuer and an audience is checked for those on every route in process below.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount, Route

from pmo_shared.testing import required_env
from pmo_shared.testing.openapi_cases import Operation, concrete_path, operations
from pmo_shared.web.auth import issue_dev_token
from portfolio_svc.api.app import create_app as portfolio_app
from portfolio_svc.settings import PortfolioSettings
from program_svc.api.app import create_app as program_app
from program_svc.settings import ProgramSettings
from project_svc.api.app import create_app as project_app
from project_svc.settings import ProjectSettings
from reporting_svc.api.app import create_app as reporting_app
from reporting_svc.settings import ReportingSettings

from .security_stack import (
    PUBLIC_ROUTES,
    PUBLIC_UNDOCUMENTED,
    Service,
    bounded,
    new_tenant,
    problem_failure,
    remember,
    sample_body,
    token,
)

pytestmark = pytest.mark.integration

TENANT = new_tenant("jwt")
HIDDEN_ROUTES = {
    # Undocumented on purpose, and what guards each.
    "/openapi.json": "public",
    "/docs": "public",
    "/docs/oauth2-redirect": "public",
    "/docs/assets": "public",  # Swagger UI's files (a mount)
    "/internal/v1/data-keys": "service token",  # reporting-svc's token, not a user's
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed_by_hand(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A JWT assembled without PyJWT (which refuses to sign with a PEM as an HMAC secret)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "k3-pmo", "tenant": TENANT, "roles": ["pmo"], "iat": now, "exp": now + 600}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def stack(**changes: Any) -> str:
    """A token signed with the stack's secret, its claims changed (None drops one)."""
    return jwt.encode(_claims(**changes), required_env("JWT_SECRET"), algorithm="HS256")


def _rsa_pair() -> tuple[Any, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, public


def forged_headers() -> dict[str, dict[str, str]]:
    """Authorization headers no service may accept, by what is wrong with them."""
    now = int(time.time())
    private, public = _rsa_pair()
    wrong_secret = "an-attacker-secret-of-at-least-32-characters!"
    tokens = {
        "expired": stack(exp=now - 3600, iat=now - 7200),
        "not-yet-valid": stack(nbf=now + 3600),
        "no-exp": stack(exp=None),
        "no-sub": stack(sub=None),
        "empty-sub": stack(sub=""),
        "no-tenant": stack(tenant=None),
        "empty-tenant": stack(tenant=""),
        "unknown-role": stack(roles=["root"]),
        "roles-not-a-list": stack(roles="pmo"),
        "system-subject": stack(sub="system:relay"),
        "an-audience": stack(aud="another-api"),
        "wrong-key": jwt.encode(_claims(), wrong_secret, algorithm="HS256"),
        "alg-none": _signed_by_hand({"alg": "none", "typ": "JWT"}, _claims(), None),
        "alg-None": _signed_by_hand({"alg": "None", "typ": "JWT"}, _claims(), None),
        "rs256-fresh-key": jwt.encode(_claims(), private, algorithm="RS256"),
        "hs256-with-public-key": _signed_by_hand({"alg": "HS256", "typ": "JWT"}, _claims(), public),
        "hs512-stack-secret": jwt.encode(_claims(), required_env("JWT_SECRET"), algorithm="HS512"),
        "signature-stripped": token(TENANT, "pmo").rsplit(".", 1)[0] + ".",
        "payload-swapped": _swap_payload(token(TENANT, "viewer"), _claims(roles=["pmo"])),
        "not-a-jwt": "not.a.jwt",
        "one-segment": "abc",
    }
    headers = {name: {"Authorization": f"Bearer {remember(t)}"} for name, t in tokens.items()}
    headers |= {
        "missing": {},
        "bearer-twice": {"Authorization": "Bearer Bearer"},
        "bearer-only": {"Authorization": "Bearer"},
        "basic-scheme": {"Authorization": "Basic azM6cGFzc3dvcmQ="},
        "token-without-scheme": {"Authorization": token(TENANT, "pmo")},
        "garbage": {"Authorization": "Bearer !!@@##$$%%^^&&**(("},
        "latin-1-bytes": {"Authorization": b"Bearer \xff\xfe\xe9"},  # type: ignore[dict-item]
        "huge-token": {"Authorization": "Bearer " + "A" * 6000},
    }
    return headers


def _swap_payload(signed: str, claims: dict[str, Any]) -> str:
    header, _payload, signature = signed.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _unauthorized_failure(response: httpx.Response) -> str | None:
    failure = problem_failure(response, {401})
    challenge = response.headers.get("www-authenticate", "")
    if failure is None and not challenge.startswith("Bearer "):
        failure = f"401 without a Bearer challenge: WWW-Authenticate={challenge!r}"
    return failure


async def _send(
    http: httpx.AsyncClient, operation: Operation, headers: dict[str, str], *, base: str = ""
) -> httpx.Response:
    body = sample_body(operation)
    return await http.request(
        operation.method, base + concrete_path(operation), headers=headers, json=body
    )


async def test_every_route_refuses_every_unacceptable_token(
    services: dict[str, Service],
) -> None:
    forged = forged_headers()
    cases = [
        (service, operation, name, headers)
        for service in services.values()
        for operation in service.operations
        if operation.name not in PUBLIC_ROUTES
        for name, headers in forged.items()
    ]
    async with httpx.AsyncClient(timeout=30) as http:

        async def check(service: Service, operation: Operation, name: str, headers: Any) -> str:
            response = await _send(http, operation, headers, base=service.url)
            failure = _unauthorized_failure(response)
            return "" if failure is None else f"{service.name} {operation.name} [{name}]: {failure}"

        failures = [f for f in await bounded(check(*case) for case in cases) if f]

    assert len(cases) > 1000  # every route of four services, by two dozen tokens
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures[:40])


async def test_only_the_allow_list_answers_without_a_token(services: dict[str, Service]) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        for service in services.values():
            unsecured = {op.name for op in service.operations if not op.secured}
            assert unsecured == PUBLIC_ROUTES, service.name
            for route in sorted(PUBLIC_ROUTES):
                response = await http.get(service.url + route.split(" ", 1)[1])
                assert response.status_code in (200, 503), (service.name, route)
            for path in PUBLIC_UNDOCUMENTED:
                assert (await http.get(service.url + path)).status_code == 200, service.name


async def test_the_internal_route_refuses_users_and_forgeries(
    services: dict[str, Service],
) -> None:
    forged = forged_headers() | {
        "a-user-token": {"Authorization": f"Bearer {token(TENANT, 'pmo')}"}
    }
    body = {"tenant_id": TENANT, "subject_refs": [str(uuid.uuid4())]}
    async with httpx.AsyncClient(timeout=30) as http:
        for service in services.values():
            if service.schema is None:
                continue
            for name, headers in forged.items():
                response = await http.post(
                    service.url + "/internal/v1/data-keys", json=body, headers=headers
                )
                assert _unauthorized_failure(response) is None, (service.name, name, response.text)


# --- in process: the routes no document lists, and an issuer and audience -----------------------

SECRET = "security-suite-secret-of-at-least-32-characters"
ISSUER, AUDIENCE = "https://idp.k3.example", "pmo-api"
APPS: dict[str, tuple[type[Any], Callable[[Any], FastAPI]]] = {
    "project-svc": (ProjectSettings, project_app),
    "program-svc": (ProgramSettings, program_app),
    "portfolio-svc": (PortfolioSettings, portfolio_app),
    "reporting-svc": (ReportingSettings, reporting_app),
}


def _app(name: str, **settings: Any) -> FastAPI:
    settings_type, create = APPS[name]
    return create(
        settings_type(
            environment="test",
            database_url="postgresql://pmo@127.0.0.1:1/pmo",
            kafka_bootstrap_servers="127.0.0.1:1",
            jwt_secret=SECRET,
            personal_data_master_key="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            **settings,
        )
    )


def _paths(routes: list[BaseRoute], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for route in routes:
        if isinstance(route, Mount):
            found.add(prefix + route.path)
            found |= _paths(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            found.add(prefix + route.path)
    return found


@pytest.mark.parametrize("name", sorted(APPS))
def test_every_route_is_documented_or_on_the_hidden_allow_list(name: str) -> None:
    app = _app(name)
    documented = set(app.openapi()["paths"])

    hidden = _paths(app.router.routes) - documented

    assert hidden <= set(HIDDEN_ROUTES), sorted(hidden - set(HIDDEN_ROUTES))


@pytest.mark.parametrize("name", sorted(APPS))
async def test_an_issuer_and_an_audience_are_checked_on_every_route(name: str) -> None:
    app = _app(name, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    ops = [op for op in operations(app.openapi()) if op.name not in PUBLIC_ROUTES]

    def minted(**claims: Any) -> dict[str, str]:
        value = issue_dev_token(
            SECRET, sub="k3-pmo", tenant=TENANT, roles=["pmo"], issuer=ISSUER, audience=AUDIENCE
        )
        if claims:
            payload = jwt.decode(value, SECRET, algorithms=["HS256"], audience=AUDIENCE)
            payload = {k: v for k, v in {**payload, **claims}.items() if v is not None}
            value = jwt.encode(payload, SECRET, algorithm="HS256")
        return {"Authorization": f"Bearer {remember(value)}"}

    refused = {
        "wrong-issuer": minted(iss="https://evil.example"),
        "no-issuer": minted(iss=None),
        "wrong-audience": minted(aud="another-api"),
        "no-audience": minted(aud=None),
        "audience-list-without-ours": minted(aud=["a", "b"]),
    }
    accepted = minted()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        for operation in ops:
            for case, headers in refused.items():
                response = await _send(http, operation, headers)
                assert _unauthorized_failure(response) is None, (operation.name, case)
            # The right issuer and audience pass the gate (the app then fails to reach its
            # database, which is not this test's business).
            response = await _send(http, operation, accepted)
            assert response.status_code != 401, (operation.name, response.text)
