"""Consumer contract: every field reporting-svc reads from a portfolio-svc event (a portfolio's
or the PMO's standards) exists in the schema portfolio-svc publishes for that event type and
version, is required there unless reporting has a default, and has a compatible JSON type and
format; so does every field of the nested objects reporting reads (a standards set's health
bands and size classes, an adopted selection's frontier points). A field the producer publishes
sealed (personal data, `x-personal-data`) must be read as the sealed value with exactly the
published shape, and only such a field. Reporting knows every event type and version on the
topic, those it passes over too (its consumer dead-letters an event it cannot decode).

Checked against both forms of the producer's contract: its committed JSON Schemas
(services/portfolio-svc/events/schemas, written by `make event-docs`) and the schemas of its
pydantic models (`portfolio_svc.domain.events.registry`, with the standards' events); only this
test imports portfolio-svc, reporting never does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import portfolio_svc.domain.standards_events  # noqa: F401 - registers the standards' events
from pmo_shared.domain.events import KERNEL_EVENTS
from pmo_shared.testing.contracts import (
    Published,
    field_mismatches,
    object_mismatches,
    personal_reads,
    sealed_mismatches,
)
from portfolio_svc.domain.events import registry as producer_registry
from reporting_svc.portfolio_events import PortfolioEvent
from reporting_svc.portfolio_events import registry as reporting_registry

SCHEMAS = Path(__file__).resolve().parents[2] / "services/portfolio-svc/events/schemas"
SOURCES = {
    "models": Published.of_models(producer_registry, producer="portfolio-svc"),
    "committed": Published.committed(SCHEMAS),
}
READERS = [r for r in reporting_registry if issubclass(r, PortfolioEvent)]
KERNEL = {e.event_type for e in KERNEL_EVENTS}


def _published(source: str, reader: Any) -> dict[str, Any]:
    assert SOURCES[source].versions, f"portfolio-svc has no {source} schemas (run make event-docs)"
    return SOURCES[source].schema_of(reader)


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("reader", READERS, ids=[r.event_type for r in READERS])
def test_every_field_reporting_reads_is_published(source: str, reader: Any) -> None:
    published = _published(source, reader)
    assert not field_mismatches(reader, published)
    assert not sealed_mismatches(reader, published)


def test_the_nested_readers_are_checked_too() -> None:
    """The check goes into nested objects: a field reporting reads in a frontier point that
    portfolio-svc does not publish is found."""
    reader = reporting_registry.schema_of("SelectionAdopted", 1)
    published = _published("models", reader)
    ours = reader.model_json_schema(mode="validation")
    assert not object_mismatches("SelectionAdopted.v1", ours, published)
    ours["$defs"]["FrontierPointRead"]["properties"]["slack"] = {"type": "string"}
    mismatches = object_mismatches("SelectionAdopted.v1", ours, published)
    assert mismatches == ["SelectionAdopted.v1.frontier[].slack is not published"]


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_reporting_reads_every_personal_field_it_stores_as_sealed(source: str) -> None:
    """The personal fields reporting keeps (the manager, who decided, who adopted a selection,
    who judged a suggested lesson) are all published sealed, and reporting reads every one."""
    personal = {
        ("PortfolioCreated", "manager"),
        ("DecisionRecorded", "decided_by"),
        ("SelectionAdopted", "adopted_by"),
        ("LessonSuggestionJudged", "judged_by"),
    }
    assert personal_reads(READERS, SOURCES[source]) == personal


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_reporting_reads_every_event_portfolio_svc_publishes(source: str) -> None:
    versions = SOURCES[source].versions
    assert versions, f"portfolio-svc has no {source} schemas (run make event-docs)"
    assert {r.event_type for r in READERS} == {t for t, _ in versions} - KERNEL
    ours = {(r.event_type, r.schema_version) for r in READERS}
    assert ours == {(t, v) for t, v in versions if t not in KERNEL}
