"""`pmo-dev-token` issues tokens whose roles the services accept, the cross-tenant
`platform_operator` included."""

from __future__ import annotations

import pytest

from pmo_shared.devtoken import main
from pmo_shared.web.auth import Role, TokenVerifier

SECRET = "devtoken-test-secret-of-at-least-32-characters"


async def test_a_platform_operator_token_is_accepted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.delenv("JWT_ISSUER", raising=False)
    monkeypatch.delenv("JWT_AUDIENCE", raising=False)

    assert main(["--tenant", "platform", "--roles", "platform_operator", "--sub", "ops"]) == 0

    principal = await TokenVerifier(hs256_secret=SECRET).verify(capsys.readouterr().out.strip())
    assert principal.roles == frozenset({Role.PLATFORM_OPERATOR})
    assert Role.PLATFORM_OPERATOR.value == "platform_operator"


def test_an_unknown_role_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", SECRET)
    with pytest.raises(SystemExit, match="platform-operator"):
        main(["--tenant", "platform", "--roles", "platform-operator"])
