"""The Kubernetes manifests as the tests see them: an overlay rendered by the pinned kustomize
(`deploy/k8s/tools.sh bin kustomize`), and lookups over the rendered objects."""

from __future__ import annotations

import copy
import functools
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # no stubs in the dev requirements

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")

Doc = dict[str, Any]


@functools.cache
def kustomize() -> str:
    """The pinned kustomize binary (installed into the cache outside the clone when absent)."""
    proc = subprocess.run(
        [str(K8S / "tools.sh"), "bin", "kustomize"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, f"tools.sh bin kustomize failed:\n{proc.stderr[-4000:]}"
    return proc.stdout.strip().splitlines()[-1]


def build(directory: Path) -> list[Doc]:
    """`kustomize build DIRECTORY`, parsed."""
    proc = subprocess.run(
        [kustomize(), "build", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"kustomize build {directory} failed:\n{proc.stderr}"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [doc for doc in yaml.load_all(proc.stdout, Loader=loader) if doc]


@functools.cache
def _rendered(overlay: str) -> tuple[Doc, ...]:
    return tuple(build(K8S / "overlays" / overlay))


def render(overlay: str) -> list[Doc]:
    """Every object of `deploy/k8s/overlays/OVERLAY` as kustomize renders it (a fresh copy on
    each call, so a test may break it)."""
    return copy.deepcopy(list(_rendered(overlay)))


def overlay_kustomization(overlay: str) -> Doc:
    """The overlay's kustomization.yaml."""
    loaded: Doc = yaml.safe_load((K8S / "overlays" / overlay / "kustomization.yaml").read_text())
    return loaded


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    """The objects of one kind."""
    return [d for d in docs if d.get("kind") == kind]


def named(docs: list[Doc], kind: str, name: str) -> Doc:
    """The one object of `kind` called `name`."""
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def pod_template(workload: Doc) -> Doc:
    """The pod template of a Deployment, StatefulSet, DaemonSet or Job."""
    template: Doc = workload["spec"]["template"]
    return template


def workloads(docs: list[Doc]) -> Iterator[Doc]:
    """Every object that runs pods from a template."""
    return (d for d in docs if d.get("kind") in WORKLOAD_KINDS)


def containers(workload: Doc, *, init: bool = True) -> list[Doc]:
    """The containers of a workload's pods (init containers first)."""
    spec = pod_template(workload)["spec"]
    found: list[Doc] = [*spec.get("initContainers", [])] if init else []
    return found + list(spec["containers"])


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    """A matchLabels-style selector (non-empty) matches these labels."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def label_selector_matches(selector: Doc, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) matches these labels; `{}` matches all."""
    if not all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True
