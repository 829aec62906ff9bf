"""The alerts of the PrometheusRule use metric names the services really export: every metric an
expression names is in a scrape of the running test stack's /metrics (after one command has made
the consumers, the relay and the outbox report), and a misspelt one fails the check."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from pmo_shared.testing import TokenFor, eventually, required_env

from .k8s_manifests import OVERLAYS, Doc, of_kind, render

pytestmark = pytest.mark.integration

URLS = ("PROJECT_URL", "PROGRAM_URL", "PORTFOLIO_URL", "REPORTING_URL")
PROMQL_WORDS = frozenset(
    [
        "sum",
        "min",
        "max",
        "avg",
        "count",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "group",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "rate",
        "irate",
        "increase",
        "delta",
        "idelta",
        "deriv",
        "changes",
        "resets",
        "absent",
        "absent_over_time",
        "max_over_time",
        "min_over_time",
        "avg_over_time",
        "sum_over_time",
        "count_over_time",
        "last_over_time",
        "histogram_quantile",
        "clamp_min",
        "clamp_max",
        "abs",
        "time",
        "vector",
        "scalar",
        "label_replace",
        "label_join",
        "round",
        "ceil",
        "floor",
        "sort",
        "sort_desc",
    ]
)
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )", re.M)


def rule_expressions(docs: list[Doc]) -> dict[str, str]:
    """Each alert's name and expression."""
    return {
        rule["alert"]: str(rule["expr"])
        for doc in of_kind(docs, "PrometheusRule")
        for group in doc["spec"]["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def metric_names(expr: str) -> set[str]:
    """The metric names of a PromQL expression: identifiers outside label matchers, grouping
    clauses, strings and durations, that are not PromQL's own words."""
    text = re.sub(r'"[^"]*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "{}", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", text)
    text = re.sub(r"\[[^\]]*\]", "[]", text)
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text))
    return {w for w in words if w not in PROMQL_WORDS and not re.fullmatch(r"\d+[smhdwy]", w)}


def exported(scrapes: list[str]) -> set[str]:
    """The sample names in the scrapes (counters keep their `_total`)."""
    return {m.group(1) for text in scrapes for m in _SAMPLE.finditer(text)}


def check_alert_metrics(docs: list[Doc], names: set[str]) -> list[str]:
    """Every metric an alert names is exported."""
    exprs = rule_expressions(docs)
    problems = [] if exprs else ["no alerts"]
    for alert, expr in sorted(exprs.items()):
        problems += [f"{alert}: {m} is not exported" for m in sorted(metric_names(expr) - names)]
    return problems


async def _scrape() -> list[str]:
    async with httpx.AsyncClient(timeout=10) as client:
        return [(await client.get(f"{required_env(u)}/metrics")).text for u in URLS]


@pytest.fixture(scope="module")
async def scraped(token_for: TokenFor) -> set[str]:
    """The metric names the stack exports once one project was proposed: its event appended,
    published by the relay, consumed by reporting-svc (lag, dead-letter count, batch time)."""
    tenant = f"tenant-{uuid.uuid4().hex[:10]}"
    headers = {"Authorization": f"Bearer {token_for(tenant, 'pmo', sub='pmo-paula')}"}
    body = {
        "code": f"K8S-{uuid.uuid4().hex[:8]}",
        "name": "Alert metrics probe",
        "manager": "pm-ann",
        "sponsor": "cio-bea",
        "methodology": "waterfall",
        "currency": "EUR",
    }
    async with httpx.AsyncClient(base_url=required_env("PROJECT_URL"), timeout=30) as client:
        created = await client.post("/v1/projects", json=body, headers=headers)
        assert created.status_code == 201, created.text
    wanted = {m for e in rule_expressions(render("prod")).values() for m in metric_names(e)}
    names: set[str] = set()

    async def all_there() -> bool:
        names.clear()
        names.update(exported(await _scrape()))
        return wanted <= names

    await eventually(all_there, what=f"the stack to export {sorted(wanted)}", timeout=60)
    return names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_k8s_semantics_alerts_use_exported_metrics(overlay: str, scraped: set[str]) -> None:
    docs = render(overlay)
    assert {
        "pmo_consumer_lag",
        "pmo_outbox_backlog",
        "pmo_dead_letters_total",
        "pmo_http_requests_total",
        "pmo_relay_active",
    } <= {m for e in rule_expressions(docs).values() for m in metric_names(e)}
    assert check_alert_metrics(docs, scraped) == []


def test_k8s_semantics_alerts_check_fails_on_a_misspelt_metric(scraped: set[str]) -> None:
    docs = render("prod")
    rule = of_kind(docs, "PrometheusRule")[0]["spec"]["groups"][0]["rules"][0]
    rule["expr"] = str(rule["expr"]).replace("pmo_consumer_lag", "pmo_consumer_lag_events")
    assert check_alert_metrics(docs, scraped) == [
        f"{rule['alert']}: pmo_consumer_lag_events is not exported"
    ]


def test_k8s_semantics_metric_names_of_an_expression() -> None:
    expr = (
        'sum by (namespace, service) (rate(pmo_http_requests_total{status=~"5..", '
        'route!~"/healthz|/readyz"}[5m])) / on (namespace) group_left max(up) > 0.02'
    )
    assert metric_names(expr) == {"pmo_http_requests_total", "up"}
