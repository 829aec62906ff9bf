"""Consumer contract: portfolio-svc's readers of project events
(`portfolio_svc.references.project_events`) against the schemas project-svc publishes (its
committed JSON Schemas). Every field portfolio-svc reads exists in the schema of that event type
and version, is required there unless portfolio-svc has a default, and has a compatible JSON
type and format; portfolio-svc reads no personal field; and the registry its references
consumer decodes with (`portfolio_svc.references.events`) knows every event type and version on
the topic (the consumer runner dead-letters an event its registry cannot decode), the older
versions through upcasters."""

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
from portfolio_svc.references import events, project_events
from portfolio_svc.references.project_events import ProjectEvent

PUBLISHED = Published.committed(
    Path(__file__).resolve().parents[2] / "services/project-svc/events/schemas"
)
READERS = list(project_events.registry)


def test_the_committed_schemas_are_there() -> None:
    """Fail rather than pass on nothing when `make event-docs` has not written them."""
    assert ("ProjectProposed", 1) in PUBLISHED.versions
    assert [r for r in READERS if issubclass(r, ProjectEvent)]


@pytest.mark.parametrize(
    "reader", READERS, ids=[f"{r.event_type}.v{r.schema_version}" for r in READERS]
)
def test_every_field_portfolio_reads_is_published(reader: Any) -> None:
    assert not field_mismatches(reader, PUBLISHED.schema_of(reader))


def test_portfolio_reads_no_personal_field() -> None:
    """portfolio-svc holds no personal data: none of the fields it reads is published sealed
    (in any of its alternatives)."""
    assert personal_reads(READERS, PUBLISHED) == set()


def test_portfolio_knows_the_newest_version_of_every_event_project_svc_publishes() -> None:
    newest = PUBLISHED.newest
    ours = {r.event_type: project_events.registry.latest_version(r.event_type) for r in READERS}
    assert ours == newest
    assert {t: events.registry.latest_version(t) for t in newest} == newest


@pytest.mark.parametrize(
    ("event_type", "version"), PUBLISHED.versions, ids=[f"{t}.v{v}" for t, v in PUBLISHED.versions]
)
def test_every_published_version_decodes_with_the_consumers_registry(
    event_type: str, version: int
) -> None:
    """An older version reaches the newest reader: an empty payload gets through the upcasters
    (a missing one is an UnknownEventError) and then decodes to the newest reader or fails its
    validation only; both registries decode it alike."""
    for registry in (events.registry, project_events.registry):
        assert decode_problem(registry, event_type, version) is None
