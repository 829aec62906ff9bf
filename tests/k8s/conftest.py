"""Fixtures of the manifest validation tests (tests/k8s/test_k8s_validation_*.py): the pinned tools
of deploy/k8s/tools.sh, the rendered overlays, and broken variants of them that each validator
must reject.

The tools live in a cache outside the clone (~/.cache/pmo/k8s/<tool>-<version>/); a missing one
is installed on first use, and a `tools.sh install all` already running in the background (see
the Makefile's test target) is waited for through the script's per-tool locks.
"""

from __future__ import annotations

import copy
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .k8s_manifests import K8S, render

TOOLS_SH = K8S / "tools.sh"
DRY_RUN_SH = K8S / "tools" / "server-dry-run.sh"
CRDS = K8S / "crds"
KUBERNETES_VERSION = "1.33.0"

# The cold kube-apiserver build alone is ~9 minutes of both cores.
TOOL_INSTALL_TIMEOUT = 3600

Doc = dict[str, Any]


def tool(*args: str) -> str:
    """The last line `deploy/k8s/tools.sh ARGS` prints (a path), installing what it names."""
    proc = subprocess.run(
        [str(TOOLS_SH), *args],
        capture_output=True,
        text=True,
        timeout=TOOL_INSTALL_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, f"tools.sh {' '.join(args)} failed:\n{proc.stderr[-4000:]}"
    return proc.stdout.strip().splitlines()[-1]


@dataclass(frozen=True)
class Rendered:
    """One overlay as kustomize renders it (tests/k8s/k8s_manifests.py), and as YAML again."""

    overlay: str
    docs: list[Doc]

    @property
    def text(self) -> str:
        """The objects as one multi-document YAML stream."""
        return to_yaml(self.docs)


@pytest.fixture(scope="session")
def rendered() -> Callable[[str], Rendered]:
    """Renders an overlay (`kustomize build deploy/k8s/overlays/<overlay>`); a missing or
    broken overlay fails the test."""

    def get(overlay: str) -> Rendered:
        docs = render(overlay)
        assert docs, f"overlay {overlay} rendered nothing"
        return Rendered(overlay, docs)

    return get


def to_yaml(docs: list[Doc]) -> str:
    """A multi-document YAML stream of the documents."""
    text: str = yaml.safe_dump_all(docs, sort_keys=False)
    return text


def ident(doc: Doc) -> str:
    """`Kind/name` of one manifest document."""
    return f"{doc['kind']}/{doc['metadata']['name']}"


def _first(docs: list[Doc], overlay: str, what: str, match: Callable[[Doc], bool]) -> int:
    for i, doc in enumerate(docs):
        if match(doc):
            return i
    pytest.fail(f"overlay {overlay} has no {what} to break")


@dataclass(frozen=True)
class Broken:
    """One object of a rendered overlay with a deliberate defect."""

    doc: Doc
    what: str

    @property
    def target(self) -> str:
        """`Kind/name` of the broken object."""
        return ident(self.doc)


def break_typo(r: Rendered) -> Broken:
    """`readinessProbe` misspelt `readinesProbe` in the first container of the first Deployment
    that has a readiness probe: an unknown field, a schema error."""
    docs = copy.deepcopy(r.docs)

    def has_probe(d: Doc) -> bool:
        if d.get("kind") != "Deployment":
            return False
        containers = d["spec"]["template"]["spec"]["containers"]
        return "readinessProbe" in containers[0]

    i = _first(docs, r.overlay, "Deployment with a readinessProbe", has_probe)
    container = docs[i]["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    return Broken(docs[i], "typo")


def break_api_version(r: Rendered) -> Broken:
    """The first KafkaTopic as `kafka.strimzi.io/v1beta2`, a version Strimzi 1.2 no longer
    serves (the one most blog posts still show)."""
    docs = copy.deepcopy(r.docs)
    i = _first(docs, r.overlay, "KafkaTopic", lambda d: d.get("kind") == "KafkaTopic")
    assert docs[i]["apiVersion"] == "kafka.strimzi.io/v1"
    docs[i]["apiVersion"] = "kafka.strimzi.io/v1beta2"
    return Broken(docs[i], "apiVersion")


CEL_MESSAGE = "builtinLocale is only available when localeProvider is set to `builtin`"


def break_cel(r: Rendered) -> Broken:
    """The first CloudNativePG Cluster bootstrapped by initdb with `builtinLocale` under
    `localeProvider: icu`: schema-valid, rejected only by the CRD's CEL rule
    (x-kubernetes-validations), i.e. only by a real API server."""
    docs = copy.deepcopy(r.docs)

    def is_cluster(d: Doc) -> bool:
        return d.get("kind") == "Cluster" and d["apiVersion"].startswith("postgresql.cnpg.io/")

    i = _first(docs, r.overlay, "CloudNativePG Cluster", is_cluster)
    spec = docs[i]["spec"]
    initdb = dict((spec.get("bootstrap") or {}).get("initdb") or {})
    initdb["localeProvider"] = "icu"
    initdb["builtinLocale"] = "C.UTF-8"
    spec["bootstrap"] = {"initdb": initdb}
    return Broken(docs[i], "CEL")


BREAKERS: dict[str, Callable[[Rendered], Broken]] = {
    "typo": break_typo,
    "apiVersion": break_api_version,
    "cel": break_cel,
}

# Reserved by the other profiles and stacks of this repo (deploy/local, bench, fault).
_RESERVED_PORTS = frozenset(
    {5544, 5545, 5546, 5547, 5548, 5549, 9192, 9292, 9492, 9592, 8474}
    | set(range(8001, 8005))
    | set(range(18001, 18005))
    | set(range(28001, 28012))
    | set(range(38001, 38005))
)


def free_loopback_ports(n: int, start: int = 16440, stop: int = 16640) -> list[int]:
    """`n` ports below 32768 that nothing listens on at 127.0.0.1 (ephemeral ports are >=
    32768 here, so a scan of a fixed range is used instead of binding port 0)."""
    found: list[int] = []
    for port in range(start, stop):
        if port in _RESERVED_PORTS:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == n:
            return found
    pytest.fail(f"no {n} free ports in 127.0.0.1:{start}-{stop}")


@dataclass(frozen=True)
class ApiServer:
    """A running throw-away kube-apiserver + etcd with the vendored CRDs applied."""

    state: Path
    port: int

    def dry_run(self, manifest: Path) -> subprocess.CompletedProcess[str]:
        """`kubectl apply --dry-run=server --validate=strict -f MANIFEST` (namespaces created)."""
        return subprocess.run(
            [str(DRY_RUN_SH), "apply", str(self.state), str(manifest)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def kubectl(self, *args: str) -> subprocess.CompletedProcess[str]:
        """kubectl against this server."""
        return subprocess.run(
            [tool("bin", "kubectl"), "--kubeconfig", str(self.state / "kubeconfig"), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """kube-apiserver + etcd on loopback for the module, stopped (by pid) afterwards."""
    for name in ("etcd", "kube-apiserver", "kubectl"):
        tool("bin", name)  # a cold build is not part of the start-up timeout below
    state = tmp_path_factory.mktemp("kube-apiserver")
    api, etcd, peer = free_loopback_ports(3)
    env = {
        "K8S_API_PORT": str(api),
        "K8S_ETCD_PORT": str(etcd),
        "K8S_ETCD_PEER_PORT": str(peer),
        "K8S_CRDS": str(CRDS),
    }
    proc = subprocess.run(
        [str(DRY_RUN_SH), "start", str(state)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
        check=False,
    )
    try:
        assert proc.returncode == 0, f"kube-apiserver did not start:\n{proc.stderr[-4000:]}"
        yield ApiServer(state, api)
    finally:
        subprocess.run(
            [str(DRY_RUN_SH), "stop", str(state)], capture_output=True, timeout=120, check=False
        )
