"""Consumer contract: every field reporting-svc reads from a project event exists in the schema
project-svc publishes for that event type and version (its committed JSON Schemas), is
required there unless reporting has a default, and has a compatible JSON type and format. A
field the producer publishes sealed (personal data, `x-personal-data`) must be read as the
sealed value, with exactly the published shape, and only such a field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pmo_shared.testing.contracts import (
    Published,
    field_mismatches,
    personal_reads,
    sealed_mismatches,
)
from reporting_svc.events import registry as reporting_registry

PUBLISHED = Published.committed(
    Path(__file__).resolve().parents[2] / "services/project-svc/events/schemas"
)
READERS = list(reporting_registry)


@pytest.mark.parametrize("reader", READERS, ids=[r.event_type for r in READERS])
def test_every_field_reporting_reads_is_published(reader: Any) -> None:
    published = PUBLISHED.schema_of(reader)
    assert not field_mismatches(reader, published)
    assert not sealed_mismatches(reader, published)


def test_reporting_reads_every_personal_field_it_stores_as_sealed() -> None:
    """The personal fields reporting keeps (manager, sponsor, owner, lead, staff) are all
    published sealed, in every version reporting reads."""
    personal = {
        ("ProjectProposed", "manager"),
        ("ProjectProposed", "sponsor"),
        ("RiskRaised", "owner"),
        ("ProjectOfficeEstablished", "lead"),
        ("OfficeStaffAssigned", "user_id"),
        ("OfficeStaffReleased", "user_id"),
    }
    assert personal_reads(READERS, PUBLISHED) == personal


def test_reporting_reads_every_event_project_svc_publishes() -> None:
    published = {event_type for event_type, _ in PUBLISHED.versions}
    assert {r.event_type for r in READERS} == published
