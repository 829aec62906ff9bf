from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI

from pmo_shared.web.auth import (
    CurrentPrincipal,
    Principal,
    Role,
    TokenVerifier,
    install_token_verifier,
    issue_dev_token,
    require_roles,
)
from pmo_shared.web.problems import PROBLEM_CONTENT_TYPE, install_problem_handlers

SECRET = "auth-test-secret-of-at-least-32-characters"

PmoCaller = Annotated[Principal, Depends(require_roles(Role.PMO))]


def protected_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_token_verifier(app, verifier)

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return {
            "subject": principal.subject,
            "tenant": principal.tenant,
            "roles": sorted(principal.roles),
        }

    @app.get("/standards")
    async def standards(principal: PmoCaller) -> dict[str, str]:
        return {"tenant": principal.tenant}

    return app


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    values = {"sub": "u-1", "tenant": "acme", "roles": ["viewer"], "exp": now + 300}
    return {k: v for k, v in {**values, **changes}.items() if v is not None}


def hs512_token() -> str:
    # The right secret with an algorithm off the list; PyJWT warns that it is short for SHA-512.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(claims(), SECRET, algorithm="HS512")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = protected_app(TokenVerifier(hs256_secret=SECRET))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client


async def test_a_valid_token_names_the_caller(client: httpx.AsyncClient) -> None:
    token = issue_dev_token(SECRET, sub="u-1", tenant="acme", roles=["pmo", "viewer"])

    response = await client.get("/me", headers=bearer(token))

    assert response.status_code == 200
    assert response.json() == {"subject": "u-1", "tenant": "acme", "roles": ["pmo", "viewer"]}


async def test_a_missing_token_is_401_with_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/me")

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE


async def test_another_scheme_counts_as_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/me", headers={"Authorization": "Basic dTpw"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(jwt.encode(claims(exp=int(time.time()) - 120), SECRET), id="expired"),
        pytest.param(jwt.encode(claims(), "another-secret-of-at-least-32-chars!"), id="bad-sig"),
        pytest.param(jwt.encode(claims(), "", algorithm="none"), id="alg-none"),
        pytest.param("not-a-jwt", id="malformed"),
        pytest.param("a.b.c", id="malformed-segments"),
        pytest.param(jwt.encode(claims(tenant=None), SECRET), id="no-tenant"),
        pytest.param(jwt.encode(claims(sub=None), SECRET), id="no-sub"),
        pytest.param(jwt.encode(claims(exp=None), SECRET), id="no-exp"),
        pytest.param(jwt.encode(claims(tenant=""), SECRET), id="empty-tenant"),
        pytest.param(jwt.encode(claims(roles=["root"]), SECRET), id="unknown-role"),
        pytest.param(jwt.encode(claims(roles="pmo"), SECRET), id="roles-not-a-list"),
        pytest.param(hs512_token(), id="unlisted-alg"),
    ],
)
async def test_an_unacceptable_token_is_401(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/me", headers=bearer(token))

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["type"] == "https://pmo.example/problems/unauthenticated"


async def test_a_token_within_the_leeway_is_accepted(client: httpx.AsyncClient) -> None:
    token = jwt.encode(claims(exp=int(time.time()) - 5), SECRET)

    response = await client.get("/me", headers=bearer(token))

    assert response.status_code == 200


async def test_a_missing_role_is_403(client: httpx.AsyncClient) -> None:
    token = issue_dev_token(SECRET, sub="u-1", tenant="acme", roles=[Role.VIEWER])

    response = await client.get("/standards", headers=bearer(token))

    assert response.status_code == 403
    assert response.json()["type"] == "https://pmo.example/problems/forbidden"


async def test_the_required_role_passes(client: httpx.AsyncClient) -> None:
    token = issue_dev_token(SECRET, sub="u-1", tenant="acme", roles=[Role.PMO])

    response = await client.get("/standards", headers=bearer(token))

    assert response.status_code == 200


async def test_issuer_and_audience_are_checked_when_configured() -> None:
    verifier = TokenVerifier(hs256_secret=SECRET, issuer="https://idp", audience="pmo-api")
    good = issue_dev_token(
        SECRET, sub="u", tenant="t", roles=[], issuer="https://idp", audience="pmo-api"
    )
    wrong_issuer = issue_dev_token(
        SECRET, sub="u", tenant="t", roles=[], issuer="https://evil", audience="pmo-api"
    )
    no_audience = issue_dev_token(SECRET, sub="u", tenant="t", roles=[], issuer="https://idp")

    assert (await verifier.verify(good)).tenant == "t"
    for token in (wrong_issuer, no_audience):
        with pytest.raises(jwt.InvalidTokenError):
            await verifier.verify(token)


# RS256 through a real JWKS endpoint, as production verifies tokens.

KID = "test-key-1"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True)
    body = json.dumps({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def rs256_client(jwks_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = protected_app(TokenVerifier(jwks_client=jwt.PyJWKClient(jwks_url)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client


async def test_an_rs256_token_verifies_against_the_jwks(
    rs256_client: httpx.AsyncClient, rsa_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(claims(roles=["pmo"]), rsa_key, algorithm="RS256", headers={"kid": KID})

    response = await rs256_client.get("/me", headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["roles"] == ["pmo"]


async def test_an_rs256_token_from_an_unknown_key_is_401(
    rs256_client: httpx.AsyncClient,
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(), stranger, algorithm="RS256", headers={"kid": KID})

    response = await rs256_client.get("/me", headers=bearer(token))

    assert response.status_code == 401


async def test_the_public_key_used_as_an_hs256_secret_is_401(
    rs256_client: httpx.AsyncClient, rsa_key: rsa.RSAPrivateKey
) -> None:
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": KID}).encode())
    payload = jwt.utils.base64url_encode(json.dumps(claims()).encode())
    signing_input = header + b"." + payload
    signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
        signing_input, public_pem
    )
    token = (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()

    response = await rs256_client.get("/me", headers=bearer(token))

    assert response.status_code == 401


async def test_a_verified_token_is_remembered_only_until_it_expires() -> None:
    now = [time.time()]
    verifier = TokenVerifier(hs256_secret=SECRET, clock=lambda: now[0], leeway_seconds=0)
    token = jwt.encode(
        {"sub": "u", "tenant": "t", "roles": ["viewer"], "exp": int(now[0]) + 60}, SECRET
    )

    first = await verifier.verify(token)
    now[0] += 30
    assert await verifier.verify(token) is first  # from the cache: no second signature check
    now[0] += 31
    # Past its expiry the cache no longer answers: the token is checked again (here PyJWT,
    # on the real clock, still accepts it, so a fresh principal comes back).
    assert await verifier.verify(token) is not first
