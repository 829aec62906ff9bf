"""Consumer contract: every field reporting-svc reads from a program event exists in the schema
program-svc publishes for that event type and version, is required there unless reporting has
a default, and has a compatible JSON type and format. A field the producer publishes sealed
(personal data, `x-personal-data`) must be read as the sealed value with exactly the published
shape (optional where the producer's is), and only such a field.

Checked against both forms of the producer's contract: its committed JSON Schemas
(services/program-svc/events/schemas, once `make event-docs` wrote them) and the schemas of
its pydantic models (`program_svc.domain.events.registry`); only this test imports program-svc,
reporting never does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pmo_shared.domain.events import KERNEL_EVENTS
from pmo_shared.testing.contracts import (
    Published,
    field_mismatches,
    personal_reads,
    sealed_mismatches,
)
from program_svc.domain.events import registry as producer_registry
from reporting_svc.program_events import ProgramEvent
from reporting_svc.program_events import registry as reporting_registry

SCHEMAS = Path(__file__).resolve().parents[2] / "services/program-svc/events/schemas"
SOURCES = {
    "models": Published.of_models(producer_registry, producer="program-svc"),
    "committed": Published.committed(SCHEMAS),
}
READERS = [r for r in reporting_registry if issubclass(r, ProgramEvent)]
KERNEL = {e.event_type for e in KERNEL_EVENTS}


def _published(source: str, reader: Any) -> dict[str, Any]:
    assert SOURCES[source].versions, f"program-svc has no {source} schemas (run make event-docs)"
    return SOURCES[source].schema_of(reader)


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("reader", READERS, ids=[r.event_type for r in READERS])
def test_every_field_reporting_reads_is_published(source: str, reader: Any) -> None:
    published = _published(source, reader)
    assert not field_mismatches(reader, published)
    assert not sealed_mismatches(reader, published)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_reporting_reads_every_personal_field_it_stores_as_sealed(source: str) -> None:
    """The personal fields reporting keeps (manager, sponsor, who activated, a resource's
    person, a benefit's owner) are all published sealed, and reporting reads every one."""
    personal = {
        ("ProgramProposed", "manager"),
        ("ProgramProposed", "sponsor"),
        ("ProgramActivated", "activated_by"),
        ("ResourceAdded", "person"),
        ("BenefitPlanned", "owner"),
    }
    assert personal_reads(READERS, SOURCES[source]) == personal


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_reporting_reads_every_event_program_svc_publishes(source: str) -> None:
    versions = SOURCES[source].versions
    assert versions, f"program-svc has no {source} schemas (run make event-docs)"
    assert {r.event_type for r in READERS} == {t for t, _ in versions} - KERNEL
    ours = {(r.event_type, r.schema_version) for r in READERS}
    assert ours == {(t, v) for t, v in versions if t not in KERNEL}
