"""What ships is what was tested: each service image, run from its own filesystem.

`podman image mount` exposes an image's root; the entrypoints run there with `chroot` (podman's
OCI runtime cannot run containers on this machine), in a mount namespace of their own where the
image root is bind-mounted READ-ONLY and only /proc, /dev and a tmpfs /tmp are added -- as the
image's non-root user, with the image's own environment. Against the test stack's PostgreSQL and
Kafka, in schemas of their own (`smoke_<schema>`, dropped before and after) and on ports of their
own below 32768: first `pmo-migrate upgrade`, then the service until `/readyz` answers 200, then
SIGTERM and a clean exit.

The images are built when absent or out of date (`deploy/images/build.sh build`: a label holds
the hash of their inputs), so a warm run costs a few seconds per image.

The write services start their reference consumers: with CONSUMER_GROUP_PREFIX set, the
smoke instances join Kafka consumer groups of their own and never take a partition from the
test stack's services. reporting-svc runs with RUN_PROJECTIONS=false (the API alone).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "deploy" / "images" / "build.sh"
IMAGES_TXT = REPO / "deploy" / "images" / "images.txt"
BUILD_TIMEOUT_SECONDS = 1800.0
READY_SECONDS = 60.0
STEP_SECONDS = 120.0


@dataclass(frozen=True)
class Service:
    """One service image and where its smoke instance runs."""

    name: str
    schema: str
    port: int
    extra_env: tuple[tuple[str, str], ...] = ()

    @property
    def package(self) -> str:
        """The Python package: `program-svc` -> `program_svc`."""
        return self.name.replace("-", "_")


SERVICES = (
    Service("project-svc", "project", 18211),
    Service("program-svc", "program", 18212),
    Service("portfolio-svc", "portfolio", 18213),
    Service("reporting-svc", "reporting", 18214, (("RUN_PROJECTIONS", "false"),)),
)

# The image root, made read-only in a private mount namespace, then the entrypoint as the user:
# `$1` the mounted image root, `$2` uid:gid, the rest the command. The namespace (and every
# mount in it) goes away with the process.
CHROOT = r"""
set -eu
root="$1"; user="$2"; shift 2
chroot_bin="$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v chroot)"
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$root/tmp"
exec "$chroot_bin" --userspec="$user" "$root" "$@"
"""


def _stack() -> tuple[str, str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    jwt_secret = os.environ.get("JWT_SECRET", "")
    if not (database_url and kafka and jwt_secret):
        pytest.fail(
            "needs the test stack: source .data/test/env (DATABASE_URL, KAFKA_..., JWT_...)"
        )
    return database_url, kafka, jwt_secret


def _run(args: list[str], timeout: float = STEP_SECONDS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def image_refs() -> dict[str, str]:
    """Build what is absent or stale; the references `make images` builds, by service."""
    if os.geteuid() != 0:
        pytest.fail("the image smoke test mounts images and chroots: run it as root")
    built = _run([str(BUILD), "build"], timeout=BUILD_TIMEOUT_SECONDS)
    assert built.returncode == 0, built.stderr[-4000:]
    refs = _run([str(BUILD), "refs"]).stdout.split()
    listed = IMAGES_TXT.read_text().split()
    assert refs == listed, f"deploy/images/images.txt is stale: {listed} != {refs}"
    return {ref.split("/")[-1].split(":")[0]: ref for ref in refs}


@dataclass(frozen=True)
class Mounted:
    """An image whose root is mounted on the host, with its configuration."""

    ref: str
    root: Path
    user: str
    env: dict[str, str]
    labels: dict[str, str]
    cmd: list[str]

    def command(self, *argv: str) -> list[str]:
        """`argv` inside the read-only image root, as the image's user."""
        namespace = ["unshare", "--mount", "--propagation", "private", "sh", "-c", CHROOT, "-"]
        return [*namespace, str(self.root), self.user, *argv]


@pytest.fixture
def mounted(request: pytest.FixtureRequest, image_refs: dict[str, str]) -> Iterator[Mounted]:
    """`podman image mount` of the service's image for the test; unmounted after."""
    service: Service = request.param
    ref = image_refs[service.name]
    inspected = _run(["podman", "image", "inspect", ref])
    assert inspected.returncode == 0, inspected.stderr
    config = json.loads(inspected.stdout)[0]["Config"]
    mount = _run(["podman", "image", "mount", ref])
    assert mount.returncode == 0, mount.stderr
    try:
        yield Mounted(
            ref=ref,
            root=Path(mount.stdout.strip()),
            user=config["User"],
            env=dict(item.split("=", 1) for item in config["Env"]),
            labels=config["Labels"],
            cmd=config["Cmd"],
        )
    finally:
        _run(["podman", "image", "unmount", ref])


def _drop_schema(database_url: str, schema: str) -> None:
    async def drop() -> None:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            await engine.dispose()

    asyncio.run(drop())


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid in /proc/{pid}/status")


@pytest.mark.parametrize("mounted", SERVICES, ids=[s.name for s in SERVICES], indirect=True)
def test_images_smoke_service_runs_from_its_read_only_image(
    mounted: Mounted, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Migrate, serve until ready, stop cleanly: from the image's own read-only root."""
    service: Service = request.node.callspec.params["mounted"]
    database_url, kafka, jwt_secret = _stack()
    schema = f"smoke_{service.schema}"
    assert mounted.user.split(":")[0] == "10001", f"{mounted.ref} runs as {mounted.user!r}"
    assert mounted.labels["org.opencontainers.image.version"] == mounted.ref.rsplit(":", 1)[1]
    for label in ("source", "revision"):
        assert mounted.labels[f"org.opencontainers.image.{label}"], label
    for entrypoint in ("pmo-service", service.name, "pmo-migrate", "pmo-relay") + (
        ("reporting-consumer",) if service.name == "reporting-svc" else ()
    ):
        assert os.access(mounted.root / "opt/venv/bin" / entrypoint, os.X_OK), entrypoint
    assert not (mounted.root / "opt/venv/bin/pip").exists(), "pip left in the final image"

    # The root really is read-only to the process, and /tmp is writable.
    probe = _run(mounted.command("/bin/sh", "-c", "touch /tmp/ok && touch /opt/venv/probe"))
    assert probe.returncode != 0, probe.stderr
    assert "Read-only file system" in probe.stderr, probe.stderr

    assert _port_free(service.port), f"port {service.port} is taken"
    env = {
        **mounted.env,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "DB_SCHEMA": schema,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "JWT_SECRET": jwt_secret,
        "PERSONAL_DATA_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "HOST": "127.0.0.1",
        "PORT": str(service.port),
        "CONSUMER_GROUP_PREFIX": f"smoke-{schema}.",
        **dict(service.extra_env),
    }
    _drop_schema(database_url, schema)
    try:
        migrate = subprocess.run(
            mounted.command("pmo-migrate", "upgrade", "--service", service.name),
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_SECONDS,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-4000:]
        check = subprocess.run(
            mounted.command("pmo-migrate", "check", "--service", service.name),
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_SECONDS,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        _serve_until_ready(mounted, service, env, tmp_path / f"{service.name}.log")
    finally:
        _drop_schema(database_url, schema)


def _serve_until_ready(mounted: Mounted, service: Service, env: dict[str, str], log: Path) -> None:
    """The image's default command until /readyz is 200, then SIGTERM: it must exit 0."""
    with log.open("w") as out:
        process = subprocess.Popen(
            mounted.command(*mounted.cmd),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + READY_SECONDS
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{service.port}/readyz", timeout=2).status_code
            except httpx.TransportError:
                status = None
            if status == 200:
                break
            time.sleep(0.25)
        assert status == 200, f"/readyz {status}; rc={process.poll()}\n{log.read_text()[-4000:]}"
        # unshare, sh and chroot exec into one another: the pid is the service itself.
        assert _uid_of(process.pid) == 10001
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()[-4000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
