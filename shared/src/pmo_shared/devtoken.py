"""`pmo-dev-token`: print an HS256 development token signed with the services' shared secret."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pmo_shared.web.auth import Role, issue_dev_token


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pmo-dev-token", description=__doc__)
    parser.add_argument("--secret-file", type=Path, help="file holding JWT_SECRET (else env)")
    parser.add_argument("--tenant", required=True, help="tenant id the token is scoped to")
    parser.add_argument(
        "--roles",
        default=Role.VIEWER.value,
        help=f"comma-separated roles out of: {', '.join(r.value for r in Role)}",
    )
    parser.add_argument("--sub", default="dev-user", help="subject (user id) of the caller")
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    return parser


def _secret(secret_file: Path | None) -> str:
    if secret_file is not None:
        return secret_file.read_text(encoding="utf-8").strip()
    secret = os.environ.get("JWT_SECRET", "")
    if not secret:
        raise SystemExit("pmo-dev-token: pass --secret-file or set JWT_SECRET")
    return secret


def _roles(text: str) -> list[Role]:
    try:
        return [Role(name.strip()) for name in text.split(",") if name.strip()]
    except ValueError as exc:
        raise SystemExit(f"pmo-dev-token: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Print a development token for the tenant, roles and subject given on the command line."""
    args = _parser().parse_args(argv)
    token = issue_dev_token(
        _secret(args.secret_file),
        sub=args.sub,
        tenant=args.tenant,
        roles=_roles(args.roles),
        ttl_seconds=args.ttl,
        # Services verify iss/aud when configured; the token must carry what they expect.
        issuer=os.environ.get("JWT_ISSUER") or None,
        audience=os.environ.get("JWT_AUDIENCE") or None,
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
