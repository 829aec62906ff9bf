"""Every overlay passes `kubectl apply --dry-run=server --validate=strict` against a real
kube-apiserver v1.33 + etcd started on loopback for this module (the vendored CRDs applied,
the namespaces created) and stopped afterwards. The server decodes each object strictly
(unknown fields fail), serves only the CRD versions it knows, and is the only validator here
that evaluates the CRDs' CEL rules: each broken variant shows one of those."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import (
    BREAKERS,
    CEL_MESSAGE,
    TOOL_INSTALL_TIMEOUT,
    ApiServer,
    Rendered,
    to_yaml,
)
from .k8s_manifests import OVERLAYS

# Covers a cold build of kube-apiserver/kubectl when no background install has done it.
pytestmark = pytest.mark.timeout(TOOL_INSTALL_TIMEOUT)

DRY_RUN_LINE = re.compile(r"^(\S+)/(\S+) (created|configured|unchanged) \(server dry run\)$")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_validation_overlay_passes_server_dry_run(
    overlay: str, rendered: Callable[[str], Rendered], api_server: ApiServer, tmp_path: Path
) -> None:
    r = rendered(overlay)
    proc = api_server.dry_run(write(tmp_path, f"{overlay}.yaml", r.text))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    names = []
    for line in lines:
        m = DRY_RUN_LINE.match(line)
        assert m, f"unexpected kubectl output: {line!r}"
        names.append(m.group(2))
    assert sorted(names) == sorted(d["metadata"]["name"] for d in r.docs), proc.stdout
    assert "Warning" not in proc.stderr, proc.stderr
    # A dry run persists nothing (the namespaces aside): the check is free of side effects.
    kinds = sorted({d["kind"] for d in r.docs} - {"Namespace"})
    got = api_server.kubectl("get", ",".join(kinds), "--all-namespaces", "-o", "name")
    assert got.returncode == 0, got.stderr
    ours = {d["metadata"]["name"] for d in r.docs}
    assert [n for n in got.stdout.split() if n.split("/", 1)[1] in ours] == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_validation_server_rejects_a_misspelt_field(
    overlay: str, rendered: Callable[[str], Rendered], api_server: ApiServer, tmp_path: Path
) -> None:
    broken = BREAKERS["typo"](rendered(overlay))
    proc = api_server.dry_run(write(tmp_path, "typo.yaml", to_yaml([broken.doc])))
    assert proc.returncode != 0
    assert 'unknown field "spec.template.spec.containers[0].readinesProbe"' in proc.stderr, (
        proc.stderr
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_validation_server_rejects_kafka_strimzi_v1beta2(
    overlay: str, rendered: Callable[[str], Rendered], api_server: ApiServer, tmp_path: Path
) -> None:
    broken = BREAKERS["apiVersion"](rendered(overlay))
    proc = api_server.dry_run(write(tmp_path, "v1beta2.yaml", to_yaml([broken.doc])))
    assert proc.returncode != 0
    assert 'no matches for kind "KafkaTopic" in version "kafka.strimzi.io/v1beta2"' in (
        proc.stderr
    ), proc.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_validation_server_rejects_a_cel_violation(
    overlay: str, rendered: Callable[[str], Rendered], api_server: ApiServer, tmp_path: Path
) -> None:
    broken = BREAKERS["cel"](rendered(overlay))
    proc = api_server.dry_run(write(tmp_path, "cel.yaml", to_yaml([broken.doc])))
    assert proc.returncode != 0
    name = broken.target.split("/", 1)[1]
    assert proc.stderr.strip() == (
        f'The Cluster "{name}" is invalid: spec.bootstrap.initdb: Invalid value: "object": '
        + CEL_MESSAGE
    ), proc.stderr
