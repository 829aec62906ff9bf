"""kubeconform-readable copies of the Kubernetes JSON schemas bundled by ``kubernetes-validate``.

    python k8s_schemas_for_kubeconform.py OUT_DIR 1.33.0 [1.34.0 ...]

The ``kubernetes-validate`` PyPI package ships, per Kubernetes minor version, directories
``kubernetes-json-schema/v1.NN.0-local[-strict]/`` with one file per kind
(``deployment-apps-v1.json``, ...) plus ``_definitions.json``. Each file carries
``"$id": "https://kubernetes.io/api/..."`` and ``"$ref": "/api/_definitions.json#..."``, which
kubeconform would try to resolve over the network. The copies drop the ``$id``s and make the refs
relative (``_definitions.json#...``), so that ``kubeconform -strict -kubernetes-version 1.33.0
-schema-location 'OUT_DIR/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json'``
works with no network. Run with the interpreter of the venv that has kubernetes-validate (see
deploy/k8s/tools.sh). Adapted from the workplace's k8s-crds/tools/.
"""  # noqa: E501

import json
import pathlib
import sys
from typing import Any

import kubernetes_validate  # type: ignore[import-not-found]  # in the tools venv only

_PREFIX = "/api/"


def fix(node: Any) -> Any:
    """Drop ``$id`` and make ``/api/_definitions.json`` refs relative, in place and recursively."""
    if isinstance(node, dict):
        node.pop("$id", None)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_PREFIX + "_definitions.json"):
            node["$ref"] = ref.removeprefix(_PREFIX)
        for v in node.values():
            fix(v)
    elif isinstance(node, list):
        for v in node:
            fix(v)
    return node


def main(argv: list[str]) -> int:
    """Write the converted schemas of each requested version (normal and strict flavours)."""
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = pathlib.Path(argv[0])
    src_root = pathlib.Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    for version in argv[1:]:
        for suffix in ("-local", "-local-strict"):
            src = src_root / f"v{version.lstrip('v')}{suffix}"
            if not src.is_dir():
                avail = sorted(p.name for p in src_root.iterdir())
                print(f"no bundled schemas for {src.name}; have: {avail}", file=sys.stderr)
                return 1
            dst = out / src.name
            dst.mkdir(parents=True, exist_ok=True)
            n = 0
            for f in src.glob("*.json"):
                data = fix(json.loads(f.read_text()))
                (dst / f.name).write_text(json.dumps(data, separators=(",", ":")))
                n += 1
            print(f"wrote {n} schemas to {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
