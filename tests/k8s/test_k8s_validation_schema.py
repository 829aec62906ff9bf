"""Every overlay passes `kubeconform -strict` against the Kubernetes 1.33 schemas and schemas
made from the vendored CRDs (deploy/k8s/crds), with no `-ignore-missing-schemas`: a kind or
apiVersion without a schema is an error. Broken variants show what it catches (a misspelt
field, an apiVersion Strimzi no longer serves) and what it cannot (a CRD's CEL rule, which only
the server dry run in test_k8s_validation_server.py evaluates)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import (
    BREAKERS,
    CRDS,
    KUBERNETES_VERSION,
    Rendered,
    ident,
    to_yaml,
    tool,
)
from .k8s_manifests import OVERLAYS


def kubeconform(manifest: str) -> tuple[int, dict[str, Any], str]:
    """kubeconform -strict over a YAML stream: (exit code, its JSON report, stderr)."""
    schemas = tool("schemas")
    crd_schemas = tool("crd-schemas", str(CRDS))
    proc = subprocess.run(
        [
            tool("bin", "kubeconform"),
            "-strict",
            "-n",
            "1",  # workers compile each schema anew: 4 workers cost 4x the CPU for no gain
            "-summary",
            "-verbose",
            "-output",
            "json",
            "-kubernetes-version",
            KUBERNETES_VERSION,
            "-schema-location",
            schemas + "/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}"
            "/{{.ResourceKind}}{{.KindSuffix}}.json",
            "-schema-location",
            crd_schemas + "/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json",
            "-",
        ],
        input=manifest,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout), proc.stderr


class StringContaining(str):
    """Equal to any string that contains it (for messages that embed file paths)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and str(self) in other

    __hash__ = str.__hash__


def statuses(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """`Kind/name` -> (status, message) of each resource kubeconform reported."""
    return {
        f"{r['kind']}/{r['name']}": (r["status"], r.get("msg", "")) for r in report["resources"]
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_validation_overlay_passes_kubeconform_strict(
    overlay: str, rendered: Callable[[str], Rendered]
) -> None:
    r = rendered(overlay)
    rc, report, stderr = kubeconform(r.text)
    assert rc == 0, f"{overlay}: {json.dumps(report, indent=1)}\n{stderr}"
    summary = report["summary"]
    assert summary == {
        "valid": len(r.docs),
        "invalid": 0,
        "errors": 0,
        "skipped": 0,
    }, summary
    assert statuses(report) == {ident(d): ("statusValid", "") for d in r.docs}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_validation_kubeconform_rejects_a_misspelt_field(
    overlay: str, rendered: Callable[[str], Rendered]
) -> None:
    broken = BREAKERS["typo"](rendered(overlay))
    rc, report, _ = kubeconform(to_yaml([broken.doc]))
    assert rc == 1
    assert statuses(report) == {
        broken.target: (
            "statusInvalid",
            StringContaining("additional properties 'readinesProbe' not allowed"),
        )
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_validation_kubeconform_rejects_kafka_strimzi_v1beta2(
    overlay: str, rendered: Callable[[str], Rendered]
) -> None:
    broken = BREAKERS["apiVersion"](rendered(overlay))
    rc, report, _ = kubeconform(to_yaml([broken.doc]))
    assert rc == 1
    assert statuses(report) == {
        broken.target: ("statusError", "could not find schema for KafkaTopic")
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_validation_kubeconform_cannot_see_a_cel_violation(
    overlay: str, rendered: Callable[[str], Rendered]
) -> None:
    """The reason for the server dry run: this Cluster is schema-valid."""
    broken = BREAKERS["cel"](rendered(overlay))
    rc, report, stderr = kubeconform(to_yaml([broken.doc]))
    assert rc == 0, f"{json.dumps(report, indent=1)}\n{stderr}"
    assert statuses(report) == {broken.target: ("statusValid", "")}
