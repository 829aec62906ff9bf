"""Consumer contract: program-svc's readers of project events (`program_svc.references.events`)
against the schemas project-svc publishes (its committed JSON Schemas). Every field program-svc
reads exists in the schema of that event type and version, is required there unless program-svc
has a default, and has a compatible JSON type and format; program-svc reads no personal field;
and it knows every event type and version on the topic (the consumer runner dead-letters an
event its registry cannot decode), the older versions through upcasters."""

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
from program_svc.references.events import registry as program_registry

PUBLISHED = Published.committed(
    Path(__file__).resolve().parents[2] / "services/project-svc/events/schemas"
)
READERS = list(program_registry)


@pytest.mark.parametrize(
    "reader", READERS, ids=[f"{r.event_type}.v{r.schema_version}" for r in READERS]
)
def test_every_field_program_reads_is_published(reader: Any) -> None:
    assert not field_mismatches(reader, PUBLISHED.schema_of(reader))


def test_program_reads_no_personal_field() -> None:
    """program-svc holds no personal data: none of the fields it reads is published sealed."""
    assert personal_reads(READERS, PUBLISHED) == set()


def test_program_knows_the_newest_version_of_every_event_project_svc_publishes() -> None:
    ours = {r.event_type: program_registry.latest_version(r.event_type) for r in READERS}
    assert ours == PUBLISHED.newest


@pytest.mark.parametrize(
    ("event_type", "version"), PUBLISHED.versions, ids=[f"{t}.v{v}" for t, v in PUBLISHED.versions]
)
def test_every_published_version_decodes_through_the_upcasters(
    event_type: str, version: int
) -> None:
    """An older version reaches the newest reader: an empty payload gets through the upcasters
    (a missing one is an UnknownEventError) and only then fails validation, if at all."""
    assert decode_problem(program_registry, event_type, version) is None
