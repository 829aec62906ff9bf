"""`pmo-migrate upgrade|check|wait` on a schema of its own: the migrations come from the
installed package (no alembic.ini, run outside the source tree), `check` is 0 only at head,
`wait` times out with 3 before the upgrade and returns 0 after it."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from .conftest import BIN, stack_env

pytestmark = pytest.mark.integration

SERVICE = "program-svc"


def _migrate(*args: str, schema: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pmo-migrate"), *args, "--service", SERVICE],
        env=stack_env(DB_SCHEMA=schema),
        cwd=cwd,  # not the repository: nothing but the installed packages to go by
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


async def _sql(statement: str) -> None:
    engine = create_async_engine(stack_env()["DATABASE_URL"])
    try:
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"d1_migrate_{uuid.uuid4().hex[:8]}"
    yield name
    asyncio.run(_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def test_check_wait_upgrade_from_the_installed_package(schema: str, tmp_path: Path) -> None:
    before = _migrate("check", schema=schema, cwd=tmp_path)
    assert before.returncode == 3, before
    assert "current=none" in before.stdout

    waited = _migrate("wait", "--timeout", "1", "--interval", "0.2", schema=schema, cwd=tmp_path)
    assert waited.returncode == 3, waited

    upgraded = _migrate("upgrade", schema=schema, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr

    after = _migrate("check", schema=schema, cwd=tmp_path)
    assert after.returncode == 0, after
    assert "at head" in after.stdout
    assert _migrate("wait", "--timeout", "5", schema=schema, cwd=tmp_path).returncode == 0


def test_a_revision_this_package_does_not_know_is_not_head(schema: str, tmp_path: Path) -> None:
    assert _migrate("upgrade", schema=schema, cwd=tmp_path).returncode == 0
    # The schema name is this test's own identifier, not input.
    asyncio.run(_sql(f"UPDATE \"{schema}\".alembic_version SET version_num = '9999'"))  # noqa: S608

    ahead = _migrate("check", schema=schema, cwd=tmp_path)

    assert ahead.returncode == 3, ahead
    assert "current=9999" in ahead.stdout


def test_unreachable_database_is_1_and_bad_usage_2(tmp_path: Path) -> None:
    env = stack_env(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    run = [str(BIN / "pmo-migrate"), "check", "--service", SERVICE]
    assert subprocess.run(run, env=env, capture_output=True, timeout=60).returncode == 1
    unknown = [str(BIN / "pmo-migrate"), "check", "--service", "nope-svc"]
    assert subprocess.run(unknown, env=env, capture_output=True, timeout=60).returncode == 2


PACKAGES = ["project_svc", "program_svc", "portfolio_svc", "reporting_svc"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_migration_file_is_package_data(package: str) -> None:
    """What the wheel ships: pyproject's package-data globs cover every file of migrations/."""
    root = Path(str(files(package))) / "migrations"
    pyproject = (Path(str(files(package))).parents[1] / "pyproject.toml").read_text()
    globs = ["migrations/*.py", "migrations/*.mako", "migrations/versions/*.py"]
    assert all(f'"{glob}"' in pyproject for glob in globs)
    shipped = {p for glob in globs for p in root.parent.glob(glob)}
    present = {p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert (root / "env.py") in present
    assert present == shipped
