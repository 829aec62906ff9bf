"""The current figures of a project as stored (`readmodel.figures`): a `ProjectReport` without
its person and instant, written as JSON (every Decimal as its exact text, so `0.9500` stays
`0.9500`) and read back equal; and the key of what rated them (`rated_key`).

A report asked for without `as_of` and `known_at` (the tenant's today, known now) is the same
for every read until the project's facts change, the tenant's day rolls over or its standards
change: the rows are computed once for the day and rated key and reused."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

import orjson

from reporting_svc.domain import evm
from reporting_svc.domain.health import Health, HealthBand, HealthThresholds, Rag
from reporting_svc.readmodel.dates import iso_date
from reporting_svc.readmodel.standards_queries import KnownStandards

_AMOUNTS = (
    "bac",
    "pv",
    "ev",
    "ac",
    "sv",
    "cv",
    "spi",
    "cpi",
    "eac",
    "eac_atypical",
    "eac_combined",
    "etc",
    "vac",
    "tcpi",
)


def rated_key(zone: str, standards: KnownStandards, defaults: HealthThresholds) -> str:
    """What a tenant's current figures were rated by: its time zone, every standards set it
    had recorded, the service's default thresholds. A row with another key is computed
    again."""
    return hashlib.sha256(repr((zone, standards.sets, defaults)).encode()).hexdigest()[:32]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _rag(value: str | None) -> Rag | None:
    return None if value is None else Rag(value)


def _band(band: HealthBand) -> list[str]:
    return [str(band.green), str(band.amber)]


def encode(report: Any) -> dict[str, Any]:
    """The parameters of a row of `project_figures` (`readmodel.figures.STORE`, but for the
    instant it counts through and its key) for a `ProjectReport`."""
    m: evm.Metrics = report.metrics
    b: evm.Baseline | None = report.baseline
    t: HealthThresholds = report.thresholds
    data = {
        "code": report.code,
        "name": report.name,
        "currency": report.currency,
        "status": report.status,
        "metrics": {
            "as_of": m.as_of.isoformat(),
            "percent_complete": str(m.percent_complete),
            "health": [m.health.schedule, m.health.cost, m.health.overall],
            **{k: _text(getattr(m, k)) for k in _AMOUNTS},
        },
        "baseline": None
        if b is None
        else {
            "bac": str(b.budget_at_completion),
            "start": b.planned_start.isoformat(),
            "finish": b.planned_finish.isoformat(),
            "points": [[p.date.isoformat(), str(p.planned_value)] for p in b.planned_values],
        },
        "progress": [[p.as_of.isoformat(), str(p.percent_complete)] for p in report.progress],
        "costs": [[c.incurred_on.isoformat(), str(c.amount)] for c in report.costs],
        "open_risks": report.open_risks,
        "risk_exposure": _text(report.risk_exposure),
        "milestones": report.milestones,
        "thresholds": {
            "spi": _band(t.spi),
            "cpi": _band(t.cpi),
            "source": t.source,
            "effective_on": None if t.effective_on is None else t.effective_on.isoformat(),
        },
    }
    return {
        "id": report.project_id,
        "code": report.code,
        "name": report.name,
        "status": report.status,
        "currency": report.currency,
        "health": m.health.overall,
        "bac": m.bac,
        "pv": m.pv,
        "ev": m.ev,
        "ac": m.ac,
        "spi": m.spi,
        "cpi": m.cpi,
        "report": orjson.dumps(data).decode(),
    }


def _points(data: Sequence[Sequence[str]]) -> list[tuple[date, Decimal]]:
    return [(iso_date(day), Decimal(value)) for day, value in data]


@cache
def _report_type() -> Any:
    from reporting_svc.application.reports import ProjectReport  # imports this module

    return ProjectReport


def decode(
    project_id: UUID, data: dict[str, Any] | str, *, manager: str, known_at: datetime
) -> Any:
    """The `ProjectReport` a stored row holds, with `manager` (as opened) and `known_at`; of a
    summary (`readmodel.figures.SUMMARY`), without the point series (the baseline's planned
    values, progress and costs are empty). `data` as stored, or its JSON text."""
    if isinstance(data, str):
        data = orjson.loads(data)
        assert isinstance(data, dict)
    m = data["metrics"]
    schedule, cost, overall = m["health"]
    metrics = evm.Metrics(
        as_of=iso_date(m["as_of"]),
        percent_complete=Decimal(m["percent_complete"]),
        health=Health(_rag(schedule), _rag(cost), _rag(overall)),
        **{k: _number(m[k]) for k in _AMOUNTS},
    )
    b = data["baseline"]
    baseline = None
    if b is not None:
        baseline = evm.Baseline(
            budget_at_completion=Decimal(b["bac"]),
            planned_start=iso_date(b["start"]),
            planned_finish=iso_date(b["finish"]),
            planned_values=tuple(evm.PlannedPoint(d, v) for d, v in _points(b.get("points", ()))),
        )
    t = data["thresholds"]
    spi, cpi = (HealthBand(Decimal(t[k][0]), Decimal(t[k][1])) for k in ("spi", "cpi"))
    thresholds = HealthThresholds(
        spi=spi,
        cpi=cpi,
        source=t["source"],
        effective_on=None if t["effective_on"] is None else iso_date(t["effective_on"]),
    )
    return _report_type()(
        project_id=project_id,
        code=data["code"],
        name=data["name"],
        manager=manager,
        currency=data["currency"],
        status=data["status"],
        metrics=metrics,
        baseline=baseline,
        progress=tuple(evm.ProgressPoint(d, v) for d, v in _points(data.get("progress", ()))),
        costs=tuple(evm.CostPoint(d, v) for d, v in _points(data.get("costs", ()))),
        open_risks=int(data["open_risks"]),
        risk_exposure=_number(data["risk_exposure"]),
        milestones={k: int(v) for k, v in data["milestones"].items()},
        known_at=known_at,
        thresholds=thresholds,
    )
