"""JWT bearer authentication, roles and tenant scoping.

Development and tests sign tokens with a shared secret (HS256); production verifies RS256 tokens
against the identity provider's JWKS. Each key source is tied to exactly one algorithm, so a
token cannot pick its own (`alg: none`, or an RS256 public key used as an HS256 secret).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any

import jwt
import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import Scope

from pmo_shared.application.caller import Principal, Role
from pmo_shared.privacy.fields import ERASED
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.problems import Problem

__all__ = [
    "BEARER_SCHEME_NAME",
    "TENANT_ROLES",
    "CurrentPrincipal",
    "Principal",
    "Role",
    "TenantPrincipal",
    "TokenVerifier",
    "authenticate",
    "bearer_token",
    "install_token_verifier",
    "issue_dev_token",
    "remember_principal",
    "require_roles",
    "verify_bearer",
]

log = structlog.get_logger(__name__)

BEARER_SCHEME_NAME = "bearerAuth"
LEEWAY_SECONDS = 30
VERIFIED_CACHE_SIZE = 4096
_REALM = 'Bearer realm="pmo"'
# Where the request gate leaves the caller it verified, for `authenticate` to pick up.
_PRINCIPAL_SCOPE_KEY = "pmo.principal"


class TokenVerifier:
    """Checks a bearer token's signature and claims and turns it into a `Principal`."""

    def __init__(
        self,
        *,
        hs256_secret: str | None = None,
        jwks_client: jwt.PyJWKClient | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        leeway_seconds: int = LEEWAY_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if hs256_secret is None and jwks_client is None:
            raise ValueError("a token verifier needs an HS256 secret or a JWKS client")
        self._secret = hs256_secret
        self._jwks = jwks_client
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._clock = clock
        # Verified tokens, until they expire: the same token comes with every request of a
        # client, and checking its signature each time is a measurable share of a request.
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TokenVerifier:
        """The verifier the settings describe."""
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        jwks = jwt.PyJWKClient(settings.jwt_jwks_url, timeout=5) if settings.jwt_jwks_url else None
        return cls(
            hs256_secret=secret,
            jwks_client=jwks,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )

    async def verify(self, token: str) -> Principal:
        """The caller a token names; `jwt.InvalidTokenError` when it is not acceptable."""
        cached = self._verified.get(token)
        if cached is not None and self._clock() < cached[1] + self._leeway:
            return cached[0]
        principal, expires = await self._verify(token)
        self._verified[token] = (principal, expires)
        while len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        algorithm = jwt.get_unverified_header(token).get("alg")
        key = await self._key_for(algorithm, token)
        claims = jwt.decode(
            token,
            key,
            algorithms=[str(algorithm)],
            issuer=self._issuer,
            audience=self._audience,
            leeway=self._leeway,
            options={"require": self._required_claims()},
        )
        return _principal_of(claims), float(claims["exp"])

    async def _key_for(self, algorithm: object, token: str) -> Any:
        if algorithm == "HS256" and self._secret is not None:
            return self._secret
        if algorithm == "RS256" and self._jwks is not None:
            # PyJWKClient fetches over blocking urllib; keep that off the event loop.
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            return signing_key.key
        raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} is not accepted")

    def _required_claims(self) -> list[str]:
        required = ["exp", "sub", "tenant"]
        required += ["iss"] if self._issuer else []
        required += ["aud"] if self._audience else []
        return required


def _principal_of(claims: dict[str, Any]) -> Principal:
    subject, tenant, roles = claims["sub"], claims["tenant"], claims.get("roles", [])
    if not isinstance(subject, str) or not subject:
        raise jwt.InvalidTokenError("claim 'sub' must be a non-empty string")
    if subject.strip() == ERASED or subject.startswith("system:"):
        raise jwt.InvalidTokenError("claim 'sub' names no person a token may be issued to")
    if not isinstance(tenant, str) or not tenant:
        raise jwt.InvalidTokenError("claim 'tenant' must be a non-empty string")
    if not isinstance(roles, list):
        raise jwt.InvalidTokenError("claim 'roles' must be a list")
    try:
        return Principal(subject=subject, tenant=tenant, roles=frozenset(Role(r) for r in roles))
    except ValueError:
        raise jwt.InvalidTokenError(f"claim 'roles' holds an unknown role: {roles!r}") from None


def issue_dev_token(
    secret: str,
    *,
    sub: str,
    tenant: str,
    roles: Iterable[Role | str],
    ttl_seconds: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """An HS256 token for development and tests."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "tenant": tenant,
        "roles": sorted(Role(r).value for r in roles),
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


def install_token_verifier(app: FastAPI, verifier: TokenVerifier) -> None:
    """Make `authenticate` use `verifier` for requests to `app`."""
    app.state.token_verifier = verifier


def _unauthorized(detail: str, *, error: str | None = None) -> Problem:
    challenge = _REALM if error is None else f'{_REALM}, error="{error}"'
    return Problem(
        401,
        slug="unauthenticated",
        detail=detail,
        headers={"WWW-Authenticate": challenge},
    )


_bearer = HTTPBearer(scheme_name=BEARER_SCHEME_NAME, bearerFormat="JWT", auto_error=False)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value (None for anything else),
    read the way the documented `HTTPBearer` scheme reads it."""
    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        return None
    return token


async def verify_bearer(verifier: TokenVerifier, token: str | None) -> Principal:
    """The caller a bearer token names; a 401 problem without an acceptable token, 503 when the
    identity provider's keys cannot be fetched."""
    if token is None:
        raise _unauthorized("A bearer token is required.")
    try:
        return await verifier.verify(token)
    except jwt.PyJWKClientConnectionError as exc:
        log.error("jwks_unreachable", error=str(exc))
        raise Problem(503, slug="auth-unavailable", detail="Cannot verify tokens now.") from exc
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("The token has expired.", error="invalid_token") from exc
    except jwt.PyJWTError as exc:
        # The reason stays in the log: telling a caller why a forgery failed only helps it.
        log.info("token_rejected", reason=str(exc))
        raise _unauthorized("The token is invalid.", error="invalid_token") from exc


def remember_principal(scope: Scope, principal: Principal) -> None:
    """Record the caller verified for this request, so `authenticate` does not verify again."""
    scope[_PRINCIPAL_SCOPE_KEY] = principal


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of this request; a 401 problem without a valid bearer token.

    In a service app the request gate has verified the token before the body was read; this
    dependency then hands over that caller. Elsewhere it verifies the token itself."""
    verified = request.scope.get(_PRINCIPAL_SCOPE_KEY)
    if isinstance(verified, Principal):
        return verified
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verify_bearer(verifier, credentials.credentials if credentials else None)
    remember_principal(request.scope, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the caller if it holds one of `roles`, else a 403 problem."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    names = ", ".join(sorted(roles))

    async def caller_with_role(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any_role(*roles):
            raise Problem(403, slug="forbidden", detail=f"This requires one of the roles: {names}.")
        return principal

    return caller_with_role


TENANT_ROLES = tuple(r for r in Role if r is not Role.PLATFORM_OPERATOR)
"""The roles that grant something inside the token's tenant (`platform_operator` grants only
cross-tenant operations)."""

TenantPrincipal = Annotated[Principal, Depends(require_roles(*TENANT_ROLES))]
"""The caller, if it holds a role inside its tenant (else 403): what every tenant read and
command needs."""
