"""What project-svc holds of one project, as far as an import needs it: read from
`GET /v1/projects/{id}` (status, baselines, dates, risks) and its audit trail
`GET /v1/projects/{id}/events` (the costs, progress reports and lessons, which the project's
representation only sums or counts). A tolerant reader: only the fields used are read, and an
event type it does not know is passed over."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

ABSENT: Final = "absent"
"""The status of a project the service does not have yet."""


@dataclass(frozen=True, slots=True)
class SeenRisk:
    """A risk of the project: its id, title and whether it is still open."""

    risk_id: str
    title: str
    open: bool


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The project's state in the service; `version` is its ETag's number."""

    project_id: str
    version: int
    status: str
    currency: str
    methodology: str
    baselines: int = 0
    approved: bool = False
    started: bool = False
    finished: bool = False
    cancelled: bool = False
    progress: frozenset[tuple[Decimal, date]] = frozenset()
    costs: Counter[tuple[Decimal, date]] = field(default_factory=Counter)
    risks: tuple[SeenRisk, ...] = ()
    lessons: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def empty(cls) -> Snapshot:
        """Nothing: what a project not proposed yet shows."""
        return cls(project_id="", version=0, status=ABSENT, currency="", methodology="")

    @classmethod
    def read(cls, project: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> Snapshot:
        """The snapshot from the project's representation and its events."""
        payloads = _payloads(events)
        return cls(
            project_id=str(project["project_id"]),
            version=int(project["version"]),
            status=str(project["status"]),
            currency=str(project["currency"]),
            methodology=str(project["methodology"]),
            baselines=len(project.get("baselines") or []),
            approved=project.get("approved_on") is not None,
            started=project.get("actual_start") is not None,
            finished=project.get("actual_finish") is not None,
            cancelled=project.get("cancel_reason") is not None,
            progress=frozenset(
                (Decimal(str(p["percent_complete"])), date.fromisoformat(p["as_of"]))
                for p in payloads.get("ProgressReported", [])
            ),
            costs=Counter(
                (Decimal(str(p["amount"])), date.fromisoformat(p["incurred_on"]))
                for p in payloads.get("CostRecorded", [])
            ),
            risks=tuple(
                SeenRisk(str(r["risk_id"]), str(r["title"]), bool(r["open"]))
                for r in project.get("risks") or []
            ),
            lessons=frozenset(
                (str(p["category"]), str(p["what_happened"]))
                for p in payloads.get("LessonLearned", [])
            ),
        )


def _payloads(events: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for event in events:
        by_type.setdefault(str(event.get("event_type")), []).append(event.get("payload") or {})
    return by_type
