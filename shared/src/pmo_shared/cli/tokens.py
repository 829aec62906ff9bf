"""The tokens `pmoctl` calls the services with: given (a proposer's and an approver's, both of
one tenant), or minted for development from the services' shared HS256 secret, as
`pmo-dev-token` does (honouring JWT_ISSUER and JWT_AUDIENCE the same way)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import jwt

from pmo_shared.web.auth import Role, issue_dev_token

IMPORTER = "pmoctl-importer"
APPROVER = "pmoctl-approver"
MINTED_TTL_SECONDS = 4 * 3600


class CredentialsError(ValueError):
    """The tokens given do not make a usable pair (the sentence says why)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """The tenant and the two callers: the proposer, and the approver (another person)."""

    tenant: str
    token: str
    approver_token: str | None


def tenant_of(token: str) -> str:
    """The `tenant` claim of a token (read, not verified: the service verifies it)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise CredentialsError(f"the token is not a JWT: {exc}") from None
    tenant = claims.get("tenant")
    if not isinstance(tenant, str) or not tenant:
        raise CredentialsError("the token has no tenant claim")
    return tenant


def given(token: str, approver_token: str | None) -> Credentials:
    """The tokens as given; both must be of one tenant."""
    tenant = tenant_of(token)
    if approver_token is not None and tenant_of(approver_token) != tenant:
        raise CredentialsError("--token and --approver-token are of different tenants")
    return Credentials(tenant, token, approver_token)


def read_secret(secret_file: Path | None) -> str:
    """The HS256 secret from the file, else from JWT_SECRET."""
    if secret_file is not None:
        try:
            return secret_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CredentialsError(f"cannot read the JWT secret: {exc}") from None
    secret = os.environ.get("JWT_SECRET", "")
    if not secret:
        raise CredentialsError("pass --jwt-secret-file or set JWT_SECRET")
    return secret


def mint(secret: str, *, tenant: str, sub: str, roles: list[Role], ttl_seconds: int) -> str:
    """A development token for `sub` in `tenant` with `roles`."""
    return issue_dev_token(
        secret,
        sub=sub,
        tenant=tenant,
        roles=roles,
        ttl_seconds=ttl_seconds,
        issuer=os.environ.get("JWT_ISSUER") or None,
        audience=os.environ.get("JWT_AUDIENCE") or None,
    )


def minted(secret: str, *, tenant: str) -> Credentials:
    """Two PMO development tokens of `tenant`: the importer proposes, another user approves."""
    token, approver = (
        mint(secret, tenant=tenant, sub=sub, roles=[Role.PMO], ttl_seconds=MINTED_TTL_SECONDS)
        for sub in (IMPORTER, APPROVER)
    )
    return Credentials(tenant, token, approver)
