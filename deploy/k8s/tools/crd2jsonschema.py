"""kubeconform schemas from CustomResourceDefinitions (offline, needs only PyYAML).

    python crd2jsonschema.py OUT_DIR CRD.yaml [CRD.yaml ...]

writes, for every served version of every CRD, ``OUT_DIR/<group>/<kind>_<version>.json`` (kind
lower-cased), the layout of kubeconform's
``-schema-location 'OUT_DIR/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'``.

The conversion does structurally what the API server does, minus CEL rules:

* ``nullable: true`` -> the type may also be null;
* ``x-kubernetes-int-or-string`` -> integer or string;
* every object schema that lists ``properties`` and has neither ``additionalProperties`` nor
  ``x-kubernetes-preserve-unknown-fields`` gets ``additionalProperties: false`` (the root too),
  so a misspelt field fails, as ``kubectl apply --validate=strict`` makes it fail;
* ``apiVersion`` and ``kind`` are pinned with ``enum``.

Not checked by the result: ``x-kubernetes-validations`` (CEL), defaulting, admission: only the
server dry run (deploy/k8s/tools/server-dry-run.sh) sees those. Adapted from the workplace's
k8s-crds/tools/crd2jsonschema.py (its ``emit`` mode).
"""

import json
import pathlib
import sys
from collections.abc import Iterator
from typing import Any

import yaml


def convert(node: Any) -> Any:
    """Return a JSON-schema (draft 4) copy of one OpenAPI v3 schema node, recursively."""
    if isinstance(node, list):
        return [convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: convert(v) for k, v in node.items()}
    if node.pop("x-kubernetes-int-or-string", False):
        node.pop("type", None)
        node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.pop("nullable", False) and isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        node["additionalProperties"] = False
    return node


def load_crds(paths: list[str]) -> Iterator[dict[str, Any]]:
    """Yield every CustomResourceDefinition document of the given YAML files."""
    for p in paths:
        with open(p) as f:
            for doc in yaml.safe_load_all(f):
                if doc and doc.get("kind") == "CustomResourceDefinition":
                    yield doc


def served_schemas(crd: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """Yield (group, kind, version, schema) for each served version of one CRD."""
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    for v in crd["spec"]["versions"]:
        raw = v.get("schema", {}).get("openAPIV3Schema")
        if raw is None or not v.get("served", True):
            continue
        schema = convert(raw)
        props = schema.setdefault("properties", {})
        props["apiVersion"] = {"type": "string", "enum": [f"{group}/{v['name']}"]}
        props["kind"] = {"type": "string", "enum": [kind]}
        props.setdefault("metadata", {"type": "object"})
        schema.setdefault("additionalProperties", False)
        yield group, kind, v["name"], schema


def main(argv: list[str]) -> int:
    """Write the schemas; exit 1 when the files hold no CRD at all."""
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = pathlib.Path(argv[0])
    written = 0
    for crd in load_crds(argv[1:]):
        for group, kind, version, schema in served_schemas(crd):
            dst = out / group / f"{kind.lower()}_{version}.json"
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(json.dumps(schema, indent=1))
            written += 1
    if not written:
        print("no served CustomResourceDefinition version found", file=sys.stderr)
        return 1
    print(f"wrote {written} schemas to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
