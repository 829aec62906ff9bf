"""What no schema validator sees in the rendered overlays: the objects point at each other, and
they agree with the code (its settings, ports, probe paths, topics, consumer groups) and with
the images `make images` builds. Each check runs on every overlay and, broken on purpose, fails
(one negative test per check)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from pydantic_settings import BaseSettings

from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.messaging import topics as code_topics
from pmo_shared.settings import KernelSettings, ServiceSettings
from pmo_shared.telemetry.metrics import MULTIPROCESS_ENV
from pmo_shared.web.app import ProcessSettings
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.standards import PmoStandards
from portfolio_svc.references import projection as portfolio_refs
from portfolio_svc.references import runner as portfolio_runner
from portfolio_svc.settings import PortfolioSettings
from program_svc.domain.program import Program
from program_svc.references import projection as program_refs
from program_svc.references import runner as program_runner
from program_svc.settings import ProgramSettings
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.references import runner as project_runner
from project_svc.references.projection import PortfolioRefsProjection
from project_svc.settings import ProjectSettings
from reporting_svc.readmodel.generations import Generation
from reporting_svc.readmodel.projection import PROJECTION_NAME as REPORTS_PROJECTION
from reporting_svc.readmodel.projection import ProjectReportsProjection
from reporting_svc.settings import ReportingSettings

from .k8s_manifests import (
    OVERLAYS,
    REPO,
    Doc,
    containers,
    label_selector_matches,
    named,
    of_kind,
    overlay_kustomization,
    pod_template,
    render,
    selects,
    workloads,
)

IMAGES_TXT = REPO / "deploy" / "images" / "images.txt"
NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
WRITE_SERVICES = ("project-svc", "program-svc", "portfolio-svc")
SERVICES = (*WRITE_SERVICES, "reporting-svc")
PROBE_PATHS = frozenset({"/healthz", "/readyz"})
"""What every process serves for probes: the APIs (pmo_shared.web.health) and the relay and
consumer processes on PORT (pmo_shared.web.app.run_worker)."""

# The pods the operators create, by the labels they give them (not rendered here).
KAFKA_BOOTSTRAP = ("pmo-kafka-bootstrap", 9093)
KAFKA_CLUSTER_CA_SECRET = "pmo-cluster-ca-cert"  # Strimzi: <cluster>-cluster-ca-cert, ca.crt
KAFKA_BROKER_LABELS = {"strimzi.io/cluster": "pmo", "strimzi.io/kind": "Kafka"}
POSTGRES_PORT = 5432
DNS_PEER = "dns"
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"


@dataclass(frozen=True)
class Process:
    """One kind of process of the images: the settings it reads from the environment."""

    settings: tuple[type[BaseSettings], ...]
    extra_env: frozenset[str] = frozenset()
    serves: bool = True

    def names(self) -> set[str]:
        return {n.upper() for cls in self.settings for n in cls.model_fields} | set(self.extra_env)

    def required(self) -> set[str]:
        return {
            n.upper()
            for cls in self.settings
            for n, f in cls.model_fields.items()
            if f.is_required()
        }


SERVICE_SETTINGS: dict[str, type[ServiceSettings]] = {
    "project-svc": ProjectSettings,
    "program-svc": ProgramSettings,
    "portfolio-svc": PortfolioSettings,
    "reporting-svc": ReportingSettings,
}
PACKAGES = {s: s.replace("-", "_") for s in SERVICES}


def process_of(service: str, command: list[str]) -> Process:
    """What a container of `service` runs, from its command (an unknown command fails)."""
    if command == ["python", "-m", PACKAGES[service]]:
        return Process((SERVICE_SETTINGS[service], ProcessSettings), frozenset({MULTIPROCESS_ENV}))
    if command == ["pmo-relay"] and service in WRITE_SERVICES:
        return Process((KernelSettings, ProcessSettings))
    if command == ["reporting-consumer"] and service == "reporting-svc":
        return Process((ReportingSettings, ProcessSettings))
    if command[:1] == ["pmo-migrate"]:
        return Process((), frozenset({"DATABASE_URL", "DB_SCHEMA"}), serves=False)
    raise AssertionError(f"{service}: unknown command {command}")


def service_of(workload: Doc) -> str:
    return str(pod_template(workload)["metadata"]["labels"][NAME])


def ours(docs: list[Doc]) -> list[Doc]:
    """The workloads that run the services' images."""
    return [
        w for w in workloads(docs) if pod_template(w)["metadata"]["labels"].get(NAME) in SERVICES
    ]


def where(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


# ---- environment ---------------------------------------------------------------------------


def config_maps(docs: list[Doc]) -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: dict(d.get("data", {})) for d in of_kind(docs, "ConfigMap")}


def environment(docs: list[Doc], container: Doc) -> tuple[dict[str, str | None], list[str]]:
    """The container's environment: plain values, `None` for a value from a Secret; and the
    problems met resolving it (a missing ConfigMap or key, an envFrom Secret nobody can read)."""
    maps = config_maps(docs)
    env: dict[str, str | None] = {}
    problems: list[str] = []
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            name = source["configMapRef"]["name"]
            if name not in maps:
                problems.append(f"envFrom ConfigMap {name} does not exist")
            env.update(maps.get(name, {}))
        else:
            problems.append(f"envFrom {source}: its keys are not in git, so not checkable")
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = str(var["value"])
            continue
        ref = var.get("valueFrom", {})
        if "configMapKeyRef" in ref:
            cm, key = ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"]
            if key not in maps.get(cm, {}):
                problems.append(f"{var['name']}: ConfigMap {cm} has no key {key}")
            env[var["name"]] = maps.get(cm, {}).get(key)
        elif "secretKeyRef" in ref:
            env[var["name"]] = None
        else:
            problems.append(f"{var['name']}: unsupported source {ref}")
    return env, problems


def check_env_settings(docs: list[Doc]) -> list[str]:
    """Every variable a container sets is a setting its process reads; every required setting
    is set (and the settings' own conditions: token verification, the write services' master
    key, JWKS in production, a token for the key services)."""
    problems = []
    for w in ours(docs):
        service = service_of(w)
        for c in containers(w):
            at = f"{where(w)} {c['name']}"
            process = process_of(service, c["command"])
            env, unresolved = environment(docs, c)
            problems += [f"{at}: {p}" for p in unresolved]
            problems += [f"{at}: {n} is not a setting" for n in sorted(set(env) - process.names())]
            problems += [f"{at}: {n} is required" for n in sorted(process.required() - set(env))]
            if not process.settings or process.settings[0] is KernelSettings:
                continue
            if "JWT_SECRET" not in env and "JWT_JWKS_URL" not in env:
                problems.append(f"{at}: neither JWT_SECRET nor JWT_JWKS_URL")
            if env.get("ENVIRONMENT") == "production" and "JWT_JWKS_URL" not in env:
                problems.append(f"{at}: production requires JWT_JWKS_URL")
            if env.get("KEY_SERVICES") and "SERVICE_TOKEN" not in env:
                problems.append(f"{at}: KEY_SERVICES without SERVICE_TOKEN")
            if service in WRITE_SERVICES and "PERSONAL_DATA_MASTER_KEY" not in env:
                problems.append(f"{at}: a write service needs PERSONAL_DATA_MASTER_KEY")
            if (
                service in WRITE_SERVICES
                and c["command"][0] == "python"
                and str(env.get("RUN_RELAY", "true")).lower() != "false"
            ):
                problems.append(f"{at}: the API must leave the relay to its own Deployment")
            if (
                service == "reporting-svc"
                and c["command"][0] == "python"
                and str(env.get("RUN_PROJECTIONS", "true")).lower() != "false"
            ):
                problems.append(f"{at}: the API must leave the projections to the consumers")
    return problems


# ---- ports and probes ----------------------------------------------------------------------


def served_port(service: str, container: Doc, env: dict[str, str | None]) -> int | None:
    process = process_of(service, container["command"])
    if not process.serves:
        return None
    if env.get("PORT"):
        return int(str(env["PORT"]))
    default = process.settings[0].model_fields["port"].default if process.settings else None
    return int(default) if isinstance(default, int) else None


def check_ports_and_probes(docs: list[Doc]) -> list[str]:
    """Each container port is the one its process listens on (PORT, else the settings' default)
    on all interfaces (HOST 0.0.0.0); each probe asks a path the process serves, on its port."""
    problems = []
    for w in ours(docs):
        service = service_of(w)
        for c in containers(w):
            at = f"{where(w)} {c['name']}"
            env, _ = environment(docs, c)
            port = served_port(service, c, env)
            declared = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
            if port is None:
                if declared:
                    problems.append(f"{at}: declares ports {declared} but serves none")
                continue
            if set(declared.values()) != {port}:
                problems.append(f"{at}: ports {sorted(declared.values())}, the process: {port}")
            if env.get("HOST") != "0.0.0.0":
                problems.append(f"{at}: HOST={env.get('HOST')} is not reachable from the pod IP")
            for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                probe = c.get(kind)
                if probe is None:
                    problems.append(f"{at}: no {kind}")
                    continue
                get = probe.get("httpGet", {})
                if get.get("path") not in PROBE_PATHS:
                    problems.append(f"{at}: {kind} path {get.get('path')} is not served")
                probe_port = get.get("port")
                if declared.get(probe_port, probe_port) != port:
                    problems.append(f"{at}: {kind} port {probe_port} is not {port}")
            if c["readinessProbe"]["httpGet"].get("path") != "/readyz":
                problems.append(f"{at}: readiness must ask /readyz")
    return problems


# ---- references between objects ------------------------------------------------------------


def pods(docs: list[Doc]) -> list[tuple[Doc, Doc]]:
    """(workload, pod template) of every workload."""
    return [(w, pod_template(w)) for w in workloads(docs)]


def check_services_select_pods(docs: list[Doc]) -> list[str]:
    """Every Service selects the pods of some workload, and its target ports are theirs."""
    problems = []
    for svc in of_kind(docs, "Service"):
        selector = svc["spec"].get("selector", {})
        matched = [t for _, t in pods(docs) if selects(selector, t["metadata"]["labels"])]
        if not matched:
            problems.append(f"{where(svc)}: selector {selector} selects no pod template")
            continue
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for t in matched:
                have = {
                    (p.get("name"), p["containerPort"])
                    for c in t["spec"]["containers"]
                    for p in c.get("ports", [])
                }
                if not any(target in (n, num) for n, num in have):
                    problems.append(f"{where(svc)}: targetPort {target} is not a port of its pods")
    return problems


def check_targets_exist(docs: list[Doc]) -> list[str]:
    """Every HPA and ScaledObject scales an existing Deployment (not both the same one); every
    PDB selects a workload's pods; every ServiceMonitor selects a Service with its port name."""
    problems = []
    deployments = {d["metadata"]["name"] for d in of_kind(docs, "Deployment")}
    scaled: dict[str, str] = {}
    for doc in [*of_kind(docs, "HorizontalPodAutoscaler"), *of_kind(docs, "ScaledObject")]:
        ref = doc["spec"]["scaleTargetRef"]
        if ref.get("kind", "Deployment") != "Deployment" or ref["name"] not in deployments:
            problems.append(f"{where(doc)}: scales {ref} which does not exist")
        if ref["name"] in scaled:
            problems.append(
                f"{where(doc)}: {ref['name']} is already scaled by {scaled[ref['name']]}"
            )
        scaled[ref["name"]] = where(doc)
    for pdb in of_kind(docs, "PodDisruptionBudget"):
        sel = pdb["spec"]["selector"]
        if (
            not any(
                w["kind"] == "Deployment" and label_selector_matches(sel, t["metadata"]["labels"])
                for w, t in pods(docs)
            )
            or not sel
        ):
            problems.append(f"{where(pdb)}: selects no Deployment's pods")
    services = of_kind(docs, "Service")
    for sm in of_kind(docs, "ServiceMonitor"):
        sel = sm["spec"]["selector"]
        hits = [s for s in services if label_selector_matches(sel, s["metadata"].get("labels", {}))]
        if not hits or not sel:
            problems.append(f"{where(sm)}: selects no Service")
        for ep in sm["spec"]["endpoints"]:
            for s in hits:
                if ep["port"] not in {p.get("name") for p in s["spec"]["ports"]}:
                    problems.append(f"{where(sm)}: {where(s)} has no port {ep['port']}")
    for svc_name in SERVICES:
        if not any(
            sm["spec"]["selector"].get("matchLabels", {}).get(NAME) == svc_name
            for sm in of_kind(docs, "ServiceMonitor")
        ):
            problems.append(f"{svc_name}: no ServiceMonitor")
    return problems


# ---- images --------------------------------------------------------------------------------


def built_images() -> set[str]:
    """What `make images` builds (deploy/images/images.txt, one `name:tag` a line)."""
    assert IMAGES_TXT.exists(), f"{IMAGES_TXT} is missing (written by deploy/images)"
    lines = (line.split("#", 1)[0].strip() for line in IMAGES_TXT.read_text().splitlines())
    return {line for line in lines if line}


def check_images(docs: list[Doc], overlay: str, built: set[str]) -> list[str]:
    """Every image of a service's pods, mapped back through the overlay's `images:` (the
    registry it is pushed to), is the image `make images` builds for that service."""
    back = {}
    for entry in overlay_kustomization(overlay).get("images", []):
        new = f"{entry.get('newName', entry['name'])}:{entry.get('newTag', '')}"
        back[new] = entry["name"]
    problems = []
    for w in ours(docs):
        for c in containers(w):
            ref = c["image"]
            name, _, tag = ref.rpartition(":")
            source = f"{back.get(ref, name)}:{tag}"
            if source not in built:
                problems.append(f"{where(w)} {c['name']}: {ref} ({source}) is not built")
            elif not source.startswith(f"localhost/pmo/{service_of(w)}:"):
                problems.append(f"{where(w)} {c['name']}: {ref} is not {service_of(w)}'s image")
    return problems


# ---- network policies ----------------------------------------------------------------------

Peer = tuple[str, str]  # (kind of peer, its identity)
Conn = tuple[Peer, int]


def selected_by(docs: list[Doc], labels: dict[str, str]) -> list[Doc]:
    return [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if label_selector_matches(p["spec"]["podSelector"], labels)
    ]


def peer_of(docs: list[Doc], peer: Doc) -> Peer:
    """What a NetworkPolicy peer names, in the terms the settings use."""
    if "ipBlock" in peer:
        return ("external", peer["ipBlock"]["cidr"])
    ns = peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
    pod = peer.get("podSelector", {}).get("matchLabels", {})
    if ns == "kube-system" and pod.get("k8s-app") == "kube-dns":
        return ("dns", "kube-dns")
    if ns is not None:
        return ("namespace", ns)
    if pod.get("cnpg.io/cluster"):
        return ("database", pod["cnpg.io/cluster"])
    if all(pod.get(k) == v for k, v in KAFKA_BROKER_LABELS.items()):
        return ("kafka", "pmo")
    for _, t in pods(docs):
        if label_selector_matches(peer.get("podSelector", {}), t["metadata"]["labels"]) and pod:
            lab = t["metadata"]["labels"]
            return ("pods", f"{lab.get(NAME)}/{lab.get(COMPONENT)}")
    return ("unknown", json.dumps(peer, sort_keys=True))


def allowed(docs: list[Doc], labels: dict[str, str], direction: str) -> set[Conn]:
    key, side = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    conns: set[Conn] = set()
    for policy in selected_by(docs, labels):
        if direction not in policy["spec"].get("policyTypes", []):
            continue
        for rule in policy["spec"].get(key, []):
            for peer in rule.get(side, []):
                for port in rule.get("ports", [{"port": 0}]):
                    conns.add((peer_of(docs, peer), int(port["port"])))
    return conns


def service_target(docs: list[Doc], url: str) -> Conn | None:
    """The pods and port behind an http URL naming a Service of the namespace."""
    parts = urlsplit(url)
    for svc in of_kind(docs, "Service"):
        if svc["metadata"]["name"] != parts.hostname:
            continue
        port = parts.port or (443 if parts.scheme == "https" else 80)
        for p in svc["spec"]["ports"]:
            if p["port"] == port:
                for _, t in pods(docs):
                    lab = t["metadata"]["labels"]
                    if selects(svc["spec"]["selector"], lab):
                        for c in t["spec"]["containers"]:
                            for cp in c.get("ports", []):
                                if p.get("targetPort") in (cp.get("name"), cp["containerPort"]):
                                    peer = ("pods", f"{lab.get(NAME)}/{lab.get(COMPONENT)}")
                                    return (peer, cp["containerPort"])
    return None


def needed_egress(docs: list[Doc], workload: Doc) -> tuple[set[Conn], list[str]]:
    """The connections a workload's settings name: its database, Kafka, key services, JWKS."""
    conns: set[Conn] = set()
    problems = []
    for c in containers(workload):
        env, _ = environment(docs, c)
        db = next(
            (
                v["valueFrom"]["secretKeyRef"]["name"]
                for v in c.get("env", [])
                if v["name"] == "DATABASE_URL" and "secretKeyRef" in v.get("valueFrom", {})
            ),
            None,
        )
        if db is not None:
            if not db.endswith("-app") or not any(
                cl["metadata"]["name"] == db.removesuffix("-app") for cl in of_kind(docs, "Cluster")
            ):
                problems.append(f"{where(workload)}: DATABASE_URL from {db}, no CNPG Cluster's")
            conns.add((("database", db.removesuffix("-app")), POSTGRES_PORT))
        servers = env.get("KAFKA_BOOTSTRAP_SERVERS")
        if servers:
            for server in str(servers).split(","):
                host, _, port = server.rpartition(":")
                if (host, int(port)) != KAFKA_BOOTSTRAP:
                    problems.append(f"{where(workload)}: Kafka at {server} is not the cluster's")
                conns.add((("kafka", "pmo"), int(port)))
        for name, url in json.loads(env.get("KEY_SERVICES") or "{}").items():
            target = service_target(docs, url)
            if target is None:
                problems.append(f"{where(workload)}: key service {name} at {url}: no such Service")
            else:
                conns.add(target)
        jwks = env.get("JWT_JWKS_URL")
        if jwks and c["command"][0] == "python":  # only an API verifies tokens
            conns.add((("external", "0.0.0.0/0"), urlsplit(jwks).port or 443))
    return conns, problems


def needed_ingress(docs: list[Doc], workload: Doc) -> set[Conn]:
    """Who must reach a workload: Prometheus on its port, the ingress controller on an API's,
    every workload whose KEY_SERVICES names it."""
    conns: set[Conn] = set()
    labels = pod_template(workload)["metadata"]["labels"]
    me = ("pods", f"{labels.get(NAME)}/{labels.get(COMPONENT)}")
    for c in pod_template(workload)["spec"]["containers"]:
        for p in c.get("ports", []):
            conns.add((("namespace", MONITORING_NAMESPACE), p["containerPort"]))
            if labels.get(COMPONENT) == "api":
                conns.add((("namespace", INGRESS_NAMESPACE), p["containerPort"]))
    for other in ours(docs):
        for target in needed_egress(docs, other)[0]:
            if target[0] == me:
                olab = pod_template(other)["metadata"]["labels"]
                conns.add((("pods", f"{olab.get(NAME)}/{olab.get(COMPONENT)}"), target[1]))
    return conns


def check_network_policies(docs: list[Doc]) -> list[str]:
    """A default deny in both directions; each service pod may connect to exactly what its
    settings name (plus DNS) and be reached by exactly who needs it."""
    problems = []
    deny = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    if not deny:
        problems.append("no default-deny NetworkPolicy (podSelector {}, Ingress and Egress)")
    for w in ours(docs):
        labels = pod_template(w)["metadata"]["labels"]
        need, unresolved = needed_egress(docs, w)
        problems += unresolved
        need.add((("dns", "kube-dns"), 53))
        have = allowed(docs, labels, "Egress")
        for conn in sorted(need - have):
            problems.append(f"{where(w)}: egress to {conn} is not allowed")
        for conn in sorted(have - need):
            problems.append(f"{where(w)}: egress to {conn} is allowed but no setting names it")
        need_in, have_in = needed_ingress(docs, w), allowed(docs, labels, "Ingress")
        for conn in sorted(need_in - have_in):
            problems.append(f"{where(w)}: ingress from {conn} is not allowed")
        for conn in sorted(have_in - need_in):
            problems.append(f"{where(w)}: ingress from {conn} is allowed but nobody needs it")
    # A database admits its own service's processes only.
    for cluster in of_kind(docs, "Cluster"):
        name = cluster["metadata"]["name"]
        labels = {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"}
        for peer, port in allowed(docs, labels, "Ingress"):
            if port == POSTGRES_PORT and peer[0] == "pods":
                svc = peer[1].split("/")[0]
                if f"{name}-app" not in json.dumps(
                    [
                        c.get("env", [])
                        for w in ours(docs)
                        if service_of(w) == svc
                        for c in containers(w)
                    ]
                ):
                    problems.append(f"Cluster/{name}: admits {peer[1]}, which does not use it")
    return problems


# ---- Kafka ---------------------------------------------------------------------------------


def check_topics(docs: list[Doc]) -> list[str]:
    """One KafkaTopic per topic of the code, with its partitions and retention; event topics
    3 replicas with min.insync.replicas 2, kept forever; the dead-letter topic 30 days."""
    problems = []
    wanted = code_topics.topic_configs()
    have = {
        t["spec"].get("topicName", t["metadata"]["name"]): t for t in of_kind(docs, "KafkaTopic")
    }
    for name in sorted(set(wanted) ^ set(have)):
        problems.append(f"topic {name}: {'missing' if name in wanted else 'not in the code'}")
    env_partitions = {
        str(cm.get("KAFKA_TOPIC_PARTITIONS"))
        for cm in config_maps(docs).values()
        if "KAFKA_TOPIC_PARTITIONS" in cm
    }
    for name in sorted(set(wanted) & set(have)):
        spec = have[name]["spec"]
        if have[name]["metadata"].get("labels", {}).get("strimzi.io/cluster") != "pmo":
            problems.append(f"topic {name}: not of the Kafka cluster pmo")
        if spec["partitions"] != code_topics.DEFAULT_PARTITIONS:
            problems.append(
                f"topic {name}: {spec['partitions']} partitions, the code "
                f"{code_topics.DEFAULT_PARTITIONS}"
            )
        if env_partitions != {str(spec["partitions"])}:
            problems.append(f"topic {name}: KAFKA_TOPIC_PARTITIONS {env_partitions}")
        if spec.get("replicas") != 3 or int(spec["config"].get("min.insync.replicas", 0)) != 2:
            problems.append(f"topic {name}: wants 3 replicas and min.insync.replicas 2")
        for key in ("retention.ms", "retention.bytes", "cleanup.policy"):
            if str(spec["config"].get(key)) != wanted[name][key]:
                problems.append(
                    f"topic {name}: {key}={spec['config'].get(key)}, the code {wanted[name][key]}"
                )
    return problems


def aggregate_topics(aggregates: Iterable[type[Aggregate]]) -> set[str]:
    return {code_topics.TOPIC_BY_STREAM_TYPE[a.stream_type] for a in aggregates}


def expected_acls() -> dict[str, set[tuple[str, str, str, frozenset[str]]]]:
    """Per service, the ACLs its code needs: (type, name, pattern, operations)."""
    write = frozenset({"Describe", "Write"})
    read = frozenset({"Describe", "Read"})
    privacy = code_topics.PRIVACY_EVENTS_TOPIC
    dead = code_topics.DEAD_LETTER_TOPIC

    def writer(
        aggregates: Iterable[type[Aggregate]], reads: Iterable[str], group: str
    ) -> set[tuple[str, str, str, frozenset[str]]]:
        own = aggregate_topics(aggregates) - {privacy}
        acls = {("topic", t, "literal", write) for t in own}
        # Its relay publishes its erasures; its erasure ledger reads them all back at start.
        acls.add(("topic", privacy, "literal", write | read))
        acls |= {("topic", t, "literal", read) for t in reads}
        acls.add(("group", group, "literal", read))
        acls.add(("topic", dead, "literal", write))
        return acls

    generation = Generation(REPORTS_PROJECTION, 1, "", "", "", None, None)  # type: ignore[arg-type]
    group_prefix = generation.group_id.removesuffix("1")
    return {
        "project-svc": writer(
            (Project, ProjectOffice), PortfolioRefsProjection().topics, project_runner.GROUP_ID
        ),
        "program-svc": writer(
            (Program,), program_refs.ProjectRefsProjection().topics, program_runner.GROUP_ID
        ),
        "portfolio-svc": writer(
            (Portfolio, PmoStandards), portfolio_refs.TOPICS, portfolio_runner.GROUP_ID
        ),
        "reporting-svc": {
            *(("topic", t, "literal", read) for t in ProjectReportsProjection().topics),
            ("group", group_prefix, "prefix", read),
            ("topic", dead, "literal", write),
        },
    }


def check_kafka_users(docs: list[Doc]) -> list[str]:
    """One KafkaUser per service with exactly the ACLs its code needs: the topics it publishes
    and reads, its consumer groups, the dead-letter topic."""
    problems = []
    users = {u["metadata"]["name"]: u for u in of_kind(docs, "KafkaUser")}
    for service, wanted in expected_acls().items():
        if service not in users:
            problems.append(f"KafkaUser/{service}: missing")
            continue
        have = {
            (
                a["resource"]["type"],
                a["resource"]["name"],
                a["resource"].get("patternType", "literal"),
                frozenset(a["operations"]),
            )
            for a in users[service]["spec"]["authorization"]["acls"]
        }
        for acl in sorted(wanted - have, key=str):
            problems.append(f"KafkaUser/{service}: lacks {acl}")
        for acl in sorted(have - wanted, key=str):
            problems.append(f"KafkaUser/{service}: grants {acl}, which its code does not use")
    for extra in sorted(set(users) - set(SERVICES)):
        problems.append(f"KafkaUser/{extra}: no such service")
    return problems


def mounted_secret_key(workload: Doc, container: Doc, path: str) -> tuple[str, str] | None:
    """The (Secret, key) a file path of the container is mounted from, if it is one."""
    volumes = {v["name"]: v for v in pod_template(workload)["spec"].get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        prefix = mount["mountPath"].rstrip("/") + "/"
        secret = volumes.get(mount["name"], {}).get("secret")
        if not path.startswith(prefix) or secret is None:
            continue
        rest = path.removeprefix(prefix)
        items = secret.get("items")
        if items is None:
            return str(secret["secretName"]), rest
        for item in items:
            if item["path"] == rest:
                return str(secret["secretName"]), str(item["key"])
    return None


def check_kafka_tls(docs: list[Doc]) -> list[str]:
    """Kafka admits authenticated clients only (every listener mTLS, no super user), so the
    KafkaUsers' ACLs hold; every process that talks to Kafka does so over SSL on such a
    listener, with its own service's KafkaUser certificate and the cluster CA, mounted from
    their Secrets at the paths KAFKA_SSL_* name."""
    problems = []
    tls_ports = set()
    for kafka in of_kind(docs, "Kafka"):
        spec = kafka["spec"]["kafka"]
        for listener in spec["listeners"]:
            if not listener.get("tls") or listener.get("authentication", {}).get("type") != "tls":
                problems.append(f"{where(kafka)}: listener {listener['name']} is not mTLS")
            else:
                tls_ports.add(int(listener["port"]))
        authorization = spec.get("authorization", {})
        if authorization.get("type") != "simple":
            problems.append(f"{where(kafka)}: authorization is not simple: ACLs not enforced")
        if authorization.get("superUsers"):
            problems.append(f"{where(kafka)}: super users {authorization['superUsers']}")
    users = {u["metadata"]["name"]: u for u in of_kind(docs, "KafkaUser")}
    for w in ours(docs):
        service = service_of(w)
        for c in containers(w):
            at = f"{where(w)} {c['name']}"
            env, _ = environment(docs, c)
            servers = env.get("KAFKA_BOOTSTRAP_SERVERS")
            if not servers:
                continue
            protocol = env.get("KAFKA_SECURITY_PROTOCOL")
            if protocol != "SSL":
                problems.append(f"{at}: KAFKA_SECURITY_PROTOCOL={protocol}, not SSL")
            for server in str(servers).split(","):
                if int(server.rpartition(":")[2]) not in tls_ports:
                    problems.append(f"{at}: Kafka at {server} is not an mTLS listener")
            user = users.get(service, {}).get("spec", {})
            if user.get("authentication", {}).get("type") != "tls":
                problems.append(f"{at}: no KafkaUser {service} with tls authentication")
            wanted = {
                "KAFKA_SSL_CAFILE": (KAFKA_CLUSTER_CA_SECRET, "ca.crt"),
                "KAFKA_SSL_CERTFILE": (service, "user.crt"),
                "KAFKA_SSL_KEYFILE": (service, "user.key"),
            }
            for name, source in wanted.items():
                path = env.get(name)
                got = mounted_secret_key(w, c, str(path)) if path else None
                if got != source:
                    problems.append(f"{at}: {name}={path} is {got}, not {source[0]}/{source[1]}")
    return problems


def check_consumers_fit_partitions(docs: list[Doc]) -> list[str]:
    """Replicas of a consumer never exceed the partitions of its topics: the consumer
    Deployment, its ScaledObject, and the HPA of an API that hosts a consumer."""
    problems = []
    partitions = (
        min(t["spec"]["partitions"] for t in of_kind(docs, "KafkaTopic"))
        if of_kind(docs, "KafkaTopic")
        else 0
    )
    for so in of_kind(docs, "ScaledObject"):
        if so["spec"]["maxReplicaCount"] > partitions:
            problems.append(f"{where(so)}: up to {so['spec']['maxReplicaCount']} > {partitions}")
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        if hpa["spec"]["maxReplicas"] > partitions:
            problems.append(
                f"{where(hpa)}: up to {hpa['spec']['maxReplicas']} consumers > "
                f"{partitions} partitions"
            )
    for d in of_kind(docs, "Deployment"):
        if d["spec"].get("replicas", 1) > partitions:
            problems.append(f"{where(d)}: {d['spec']['replicas']} replicas > {partitions}")
    return problems


# ---- rollout -------------------------------------------------------------------------------


def check_migrations_first(docs: list[Doc]) -> list[str]:
    """Each service has a migrations Job (`pmo-migrate upgrade`), and every Deployment of its
    image waits for it (`pmo-migrate wait` init container) on the same database and schema."""
    problems = []
    for service in SERVICES:
        jobs = [j for j in of_kind(docs, "Job") if service_of(j) == service]
        upgrade = [
            c
            for j in jobs
            for c in containers(j)
            if c["command"][:4] == ["pmo-migrate", "upgrade", "--service", service]
        ]
        if len(upgrade) != 1:
            problems.append(f"{service}: {len(upgrade)} migrations Jobs (`pmo-migrate upgrade`)")
            continue
        target = environment(docs, upgrade[0])[0], _db_secret(upgrade[0])
        for d in of_kind(docs, "Deployment"):
            if service_of(d) != service:
                continue
            inits = pod_template(d)["spec"].get("initContainers", [])
            waits = [
                c
                for c in inits
                if c["command"][:4] == ["pmo-migrate", "wait", "--service", service]
            ]
            if not waits:
                problems.append(f"{where(d)}: no init container `pmo-migrate wait`")
                continue
            if (environment(docs, waits[0])[0], _db_secret(waits[0])) != target:
                problems.append(f"{where(d)}: waits on another database or schema than the Job")
            for c in pod_template(d)["spec"]["containers"]:
                if _db_secret(c) != target[1]:
                    problems.append(f"{where(d)} {c['name']}: uses another database")
    return problems


def _db_secret(container: Doc) -> str | None:
    for var in container.get("env", []):
        if var["name"] == "DATABASE_URL":
            return str(var.get("valueFrom", {}).get("secretKeyRef", {}).get("name"))
    return None


def check_pod_hardening(docs: list[Doc]) -> list[str]:
    """Non-root, seccomp RuntimeDefault, read-only root, no capabilities, requests and a memory
    limit; Deployments spread over zones and nodes and give SIGTERM time to drain (the APIs'
    preStop pause plus SHUTDOWN_GRACE_SECONDS fit in terminationGracePeriodSeconds)."""
    problems = []
    for w in ours(docs):
        spec = pod_template(w)["spec"]
        pod_sc = spec.get("securityContext", {})
        if pod_sc.get("runAsNonRoot") is not True:
            problems.append(f"{where(w)}: runAsNonRoot")
        if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{where(w)}: seccompProfile RuntimeDefault")
        for c in containers(w):
            sc = c.get("securityContext", {})
            at = f"{where(w)} {c['name']}"
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{at}: readOnlyRootFilesystem")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{at}: allowPrivilegeEscalation")
            if sc.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{at}: capabilities drop ALL")
            res = c.get("resources", {})
            if not res.get("requests", {}).get("cpu") or not res.get("limits", {}).get("memory"):
                problems.append(f"{at}: cpu request and memory limit")
        if w["kind"] != "Deployment":
            continue
        keys = {t["topologyKey"] for t in spec.get("topologySpreadConstraints", [])}
        if not {"topology.kubernetes.io/zone", "kubernetes.io/hostname"} <= keys:
            problems.append(f"{where(w)}: topologySpreadConstraints over zones and nodes")
        for c in spec["containers"]:
            env, _ = environment(docs, c)
            grace = int(str(env.get("SHUTDOWN_GRACE_SECONDS") or 20))
            pause = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
            if c["command"][0] == "python" and not pause:
                problems.append(f"{where(w)}: an API needs a preStop pause (endpoints first)")
            if spec.get("terminationGracePeriodSeconds", 30) < pause + grace + 5:
                problems.append(f"{where(w)}: terminationGracePeriodSeconds < {pause}+{grace}+5")
    return problems


# ---- the tests -----------------------------------------------------------------------------

Check = Callable[[list[Doc]], list[str]]
CHECKS: dict[str, Check] = {
    "env": check_env_settings,
    "ports": check_ports_and_probes,
    "services": check_services_select_pods,
    "targets": check_targets_exist,
    "network": check_network_policies,
    "topics": check_topics,
    "users": check_kafka_users,
    "kafka-tls": check_kafka_tls,
    "partitions": check_consumers_fit_partitions,
    "migrations": check_migrations_first,
    "hardening": check_pod_hardening,
}


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("check", sorted(CHECKS))
def test_k8s_semantics_overlay_passes(overlay: str, check: str) -> None:
    assert CHECKS[check](render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_semantics_images_are_built(overlay: str) -> None:
    assert check_images(render(overlay), overlay, built_images()) == []


def test_k8s_semantics_every_kind_is_there() -> None:
    """What the issue lists is in both overlays (and prod backs its databases up)."""
    for overlay in OVERLAYS:
        kinds = {d["kind"] for d in render(overlay)}
        assert kinds >= {
            "Namespace",
            "Deployment",
            "Service",
            "ServiceAccount",
            "ConfigMap",
            "Job",
            "HorizontalPodAutoscaler",
            "ScaledObject",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "Kafka",
            "KafkaNodePool",
            "KafkaTopic",
            "KafkaUser",
            "Cluster",
            "ServiceMonitor",
            "PrometheusRule",
        }, overlay
        assert not of_kind(render(overlay), "Secret"), "no Secret values in git"
    clusters = of_kind(render("prod"), "Cluster")
    assert {c["metadata"]["name"] for c in clusters} == {
        "project-db",
        "program-db",
        "portfolio-db",
        "reporting-db",
    }
    assert all(c["spec"]["backup"]["barmanObjectStore"]["destinationPath"] for c in clusters)


# ---- negative tests: each check fails on a broken manifest ---------------------------------


def _deployment(docs: list[Doc], name: str) -> Doc:
    return named(docs, "Deployment", name)


def _api(docs: list[Doc], name: str = "project-svc-api") -> Doc:
    container: Doc = pod_template(_deployment(docs, name))["spec"]["containers"][0]
    return container


def _break_env_typo(docs: list[Doc]) -> None:
    _api(docs)["env"].append({"name": "DATABSE_URL", "value": "postgresql://x/y"})


def _break_env_missing(docs: list[Doc]) -> None:
    env = _api(docs)["env"]
    env[:] = [v for v in env if v["name"] != "PERSONAL_DATA_MASTER_KEY"]


def _break_port(docs: list[Doc]) -> None:
    _api(docs)["ports"][0]["containerPort"] = 8080


def _break_probe(docs: list[Doc]) -> None:
    _api(docs)["readinessProbe"]["httpGet"]["path"] = "/ready"


def _break_service(docs: list[Doc]) -> None:
    named(docs, "Service", "project-svc")["spec"]["selector"][COMPONENT] = "apí"


def _break_hpa(docs: list[Doc]) -> None:
    named(docs, "HorizontalPodAutoscaler", "program-svc-api")["spec"]["scaleTargetRef"]["name"] = (
        "program-api"
    )


def _break_scaled_object(docs: list[Doc]) -> None:
    of_kind(docs, "ScaledObject")[0]["spec"]["scaleTargetRef"]["name"] = "reporting-consumer"


def _break_pdb(docs: list[Doc]) -> None:
    named(docs, "PodDisruptionBudget", "portfolio-svc-relay")["spec"]["selector"]["matchLabels"][
        COMPONENT
    ] = "relays"


def _break_network_missing(docs: list[Doc]) -> None:
    policy = named(docs, "NetworkPolicy", "reporting-svc-api")
    policy["spec"]["egress"] = [r for r in policy["spec"]["egress"] if "8002" not in json.dumps(r)]


def _break_network_extra(docs: list[Doc]) -> None:
    named(docs, "NetworkPolicy", "project-svc-relay")["spec"]["egress"].append(
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    )


def _break_topic(docs: list[Doc]) -> None:
    named(docs, "KafkaTopic", "pmo-program-events")["spec"]["partitions"] = 12


def _break_topic_name(docs: list[Doc]) -> None:
    named(docs, "KafkaTopic", "pmo-project-events")["spec"]["topicName"] = "pmo.projects.events"


def _break_acl(docs: list[Doc]) -> None:
    acls = named(docs, "KafkaUser", "program-svc")["spec"]["authorization"]["acls"]
    for acl in acls:
        if acl["resource"]["type"] == "group":
            acl["resource"]["name"] = "program-svc.refs"


def _break_tls_plaintext(docs: list[Doc]) -> None:
    _api(docs, "portfolio-svc-api")["env"].append(
        {"name": "KAFKA_SECURITY_PROTOCOL", "value": "PLAINTEXT"}
    )


def _break_tls_other_user(docs: list[Doc]) -> None:
    for volume in pod_template(_deployment(docs, "program-svc-relay"))["spec"]["volumes"]:
        if volume.get("secret", {}).get("secretName") == "program-svc":
            volume["secret"]["secretName"] = "reporting-svc"


def _break_tls_super_user(docs: list[Doc]) -> None:
    of_kind(docs, "Kafka")[0]["spec"]["kafka"]["authorization"]["superUsers"] = ["ANONYMOUS"]


def _break_tls_plain_listener(docs: list[Doc]) -> None:
    of_kind(docs, "Kafka")[0]["spec"]["kafka"]["listeners"].append(
        {"name": "plain", "port": 9092, "type": "internal", "tls": False}
    )


def _break_partitions(docs: list[Doc]) -> None:
    of_kind(docs, "ScaledObject")[0]["spec"]["maxReplicaCount"] = 12


def _break_migrations(docs: list[Doc]) -> None:
    pod_template(_deployment(docs, "portfolio-svc-relay"))["spec"]["initContainers"] = []


def _break_hardening(docs: list[Doc]) -> None:
    _api(docs, "reporting-svc-api")["securityContext"]["readOnlyRootFilesystem"] = False


def _break_grace(docs: list[Doc]) -> None:
    pod_template(_deployment(docs, "program-svc-api"))["spec"]["terminationGracePeriodSeconds"] = 10


def _break_servicemonitor(docs: list[Doc]) -> None:
    named(docs, "ServiceMonitor", "program-svc")["spec"]["endpoints"][0]["port"] = "metrics"


def _break_db_reference(docs: list[Doc]) -> None:
    for var in _api(docs, "program-svc-api")["env"]:
        if var["name"] == "DATABASE_URL":
            var["valueFrom"]["secretKeyRef"]["name"] = "program-database-app"


BREAKS: dict[str, tuple[str, Callable[[list[Doc]], None], str]] = {
    "env-typo": ("env", _break_env_typo, "DATABSE_URL is not a setting"),
    "env-missing": ("env", _break_env_missing, "needs PERSONAL_DATA_MASTER_KEY"),
    "port": ("ports", _break_port, "the process: 8001"),
    "probe": ("ports", _break_probe, "path /ready is not served"),
    "service-selector": ("services", _break_service, "selects no pod template"),
    "hpa-target": ("targets", _break_hpa, "program-api"),
    "scaledobject-target": ("targets", _break_scaled_object, "reporting-consumer"),
    "pdb-selector": ("targets", _break_pdb, "selects no Deployment"),
    "servicemonitor-port": ("targets", _break_servicemonitor, "has no port metrics"),
    "network-missing": ("network", _break_network_missing, "is not allowed"),
    "network-extra": ("network", _break_network_extra, "no setting names it"),
    "network-database": ("network", _break_db_reference, "no CNPG Cluster"),
    "topic-partitions": ("topics", _break_topic, "12 partitions"),
    "topic-name": ("topics", _break_topic_name, "pmo.projects.events: not in the code"),
    "acl-group": ("users", _break_acl, "program-svc.project-refs"),
    "kafka-plaintext": ("kafka-tls", _break_tls_plaintext, "KAFKA_SECURITY_PROTOCOL=PLAINTEXT"),
    "kafka-other-user": ("kafka-tls", _break_tls_other_user, "not program-svc/user.crt"),
    "kafka-super-user": ("kafka-tls", _break_tls_super_user, "super users ['ANONYMOUS']"),
    "kafka-plain-listener": ("kafka-tls", _break_tls_plain_listener, "plain is not mTLS"),
    "partitions": ("partitions", _break_partitions, "up to 12"),
    "migrations": ("migrations", _break_migrations, "no init container"),
    "hardening": ("hardening", _break_hardening, "readOnlyRootFilesystem"),
    "grace": ("hardening", _break_grace, "terminationGracePeriodSeconds"),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_k8s_semantics_check_fails_on_a_broken_manifest(case: str) -> None:
    check, breaker, expected = BREAKS[case]
    docs = render("prod")
    assert CHECKS[check](copy.deepcopy(docs)) == []
    breaker(docs)
    problems = CHECKS[check](docs)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("registry.example.com/pmo/project-svc:0.2.0", "is not built"),  # a tag nobody built
        ("registry.example.com/pmo/projects-svc:0.1.0", "is not built"),  # a typo
        ("localhost/pmo/program-svc:0.1.0", "is not project-svc's image"),  # another's image
    ],
)
def test_k8s_semantics_images_check_fails(ref: str, expected: str) -> None:
    docs = render("prod")
    built = {f"localhost/pmo/{s}:0.1.0" for s in SERVICES}
    assert check_images(docs, "prod", built) == []
    _api(docs)["image"] = ref
    assert any(expected in p for p in check_images(docs, "prod", built))


def test_k8s_semantics_wrong_api_version_is_not_a_topic() -> None:
    """A KafkaTopic of a retired apiVersion is no topic of the cluster: the topic check misses
    it (and the schema validators reject it: tests/k8s/test_k8s_validation_*)."""
    docs = render("dev")
    for topic in of_kind(docs, "KafkaTopic"):
        if topic["spec"]["topicName"] == code_topics.DEAD_LETTER_TOPIC:
            topic["kind"] = "KafkaTopicV1beta2"
    assert "topic pmo.dead-letter: missing" in check_topics(docs)


def test_k8s_semantics_checks_cover_the_files() -> None:
    """Every manifest file of the base is part of the base (nothing written and forgotten)."""
    base = REPO / "deploy" / "k8s" / "base"
    listed = set(re.findall(r"^\s+- (\S+\.yaml)$", (base / "kustomization.yaml").read_text(), re.M))
    files = {str(p.relative_to(base)) for p in base.rglob("*.yaml")} - {"kustomization.yaml"}
    assert files == listed
