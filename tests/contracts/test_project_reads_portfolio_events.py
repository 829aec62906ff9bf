"""Consumer contract: project-svc's readers of portfolio events
(`project_svc.references.events`) against the schemas portfolio-svc publishes (its committed
JSON Schemas). Every field project-svc reads exists in the schema of that event type and
version, is required there unless project-svc has a default, and has a compatible JSON type
and format, down to the items of a list and the values of a map (a threshold per currency, a
covered project id); the closed sets project-svc reads as plain strings (a decision, a kind, a
gate) hold the values it acts on; project-svc reads no personal field; and it knows every event
type and version on the topic (the consumer runner dead-letters an event its registry cannot
decode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pmo_shared.testing.contracts import (
    Published,
    decode_problem,
    field_mismatches,
    personal_reads,
)
from project_svc.domain.standards import APPROVE, REBASELINE_ACTIVE_NEEDS_PMO
from project_svc.references.events import registry as project_registry

PUBLISHED = Published.committed(
    Path(__file__).resolve().parents[2] / "services/portfolio-svc/events/schemas"
)
READERS = list(project_registry)


@pytest.mark.parametrize(
    "reader", READERS, ids=[f"{r.event_type}.v{r.schema_version}" for r in READERS]
)
def test_every_field_project_reads_is_published(reader: Any) -> None:
    assert not field_mismatches(reader, PUBLISHED.schema_of(reader))


def test_project_reads_the_two_events_it_obeys_with_the_fields_it_uses() -> None:
    read = {r.event_type: set(r.model_fields) for r in READERS if not r.bookkeeping}
    read = {event_type: fields for event_type, fields in read.items() if fields}
    assert read == {
        "PmoStandardsSet": {
            "large_project_threshold",
            "portfolio_approval_threshold",
            "required_gates",
            "time_zone",
            "effective_on",
        },
        "DecisionRecorded": {"component_id", "kind", "covers", "decision", "decided_on"},
    }


def test_the_values_project_svc_acts_on_are_published() -> None:
    decision = PUBLISHED.schema("DecisionRecorded", 1)["properties"]
    assert APPROVE in decision["decision"]["enum"]
    assert {"program", "project"} <= set(decision["kind"]["enum"])
    gates = PUBLISHED.schema("PmoStandardsSet", 1)["properties"]["required_gates"]["items"]
    assert REBASELINE_ACTIVE_NEEDS_PMO in (gates.get("enum") or [gates.get("const")])


def test_project_reads_no_personal_field() -> None:
    """project-svc keeps no personal data of portfolio-svc: none of the fields it reads is
    published sealed."""
    assert personal_reads(READERS, PUBLISHED) == set()


def test_project_knows_the_newest_version_of_every_event_portfolio_svc_publishes() -> None:
    ours = {r.event_type: project_registry.latest_version(r.event_type) for r in READERS}
    assert ours == PUBLISHED.newest


@pytest.mark.parametrize(
    ("event_type", "version"), PUBLISHED.versions, ids=[f"{t}.v{v}" for t, v in PUBLISHED.versions]
)
def test_every_published_version_decodes(event_type: str, version: int) -> None:
    """Each published version has a reader: an empty payload either decodes or fails only its
    validation (a missing reader is an UnknownEventError)."""
    assert decode_problem(project_registry, event_type, version) is None
