"""A tenant's calendar: its time zone (a setting, default UTC) decides its today for commands
and the date an old event was recorded on, which a dated upcaster gets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from pmo_shared.application.handlers import today_in, utc_today
from pmo_shared.domain.events import (
    DomainEvent,
    EventEnvelope,
    EventRegistry,
    InvalidEventError,
    JsonDict,
    recorded_on_in,
)
from pmo_shared.settings import ServiceSettings

VALID: dict[str, Any] = {
    "service_name": "unit-svc",
    "database_url": "postgresql://pmo@localhost/pmo",
    "db_schema": "unit",
    "kafka_bootstrap_servers": "localhost:9092",
    "jwt_secret": "s" * 32,
}
LATE_ON_THE_FIRST = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


# -- the setting -------------------------------------------------------------------------------
def test_every_tenant_is_in_utc_by_default() -> None:
    settings = ServiceSettings(**VALID)
    assert settings.time_zone_of("acme") == ZoneInfo("UTC")


def test_a_tenant_has_its_own_zone_else_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANT_TIME_ZONES", '{"acme": "Europe/Berlin"}')
    monkeypatch.setenv("DEFAULT_TIME_ZONE", "America/New_York")
    settings = ServiceSettings(**VALID)
    assert settings.time_zone_of("acme") == ZoneInfo("Europe/Berlin")
    assert settings.time_zone_of("globex") == ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("setting", "match"),
    [
        ({"default_time_zone": "Mars/Olympus"}, "DEFAULT_TIME_ZONE"),
        ({"tenant_time_zones": {"acme": "Europe/Nowhere"}}, r"TENANT_TIME_ZONES\[acme\]"),
        ({"tenant_time_zones": {"acme": "../../etc/passwd"}}, "not an IANA time zone"),
    ],
)
def test_an_unknown_time_zone_fails_at_boot(setting: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        ServiceSettings(**VALID, **setting)


# -- the clock of commands -------------------------------------------------------------------
def test_today_is_the_date_in_the_tenants_zone() -> None:
    zones = {"acme": ZoneInfo("Europe/Berlin"), "globex": ZoneInfo("UTC")}
    today = today_in(zones.__getitem__, now=lambda: LATE_ON_THE_FIRST)
    assert (today("acme"), today("globex")) == (date(2026, 3, 2), date(2026, 3, 1))


def test_the_default_clock_is_utc_for_every_tenant() -> None:
    assert utc_today("acme") == datetime.now(UTC).date()


# -- dated upcasters ---------------------------------------------------------------------------
class ApprovedV1(DomainEvent):
    event_type = "Approved"
    by: str


class Approved(DomainEvent):
    event_type = "Approved"
    schema_version = 2
    by: str
    effective_on: date


def _registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(ApprovedV1)
    registry.register(Approved)

    @registry.dated_upcaster("Approved", from_version=1)
    def _effective_when_recorded(payload: JsonDict, recorded_on: date) -> JsonDict:
        return {**payload, "effective_on": recorded_on.isoformat()}

    return registry


def _v1_envelope(tenant: str = "acme") -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid4(),
        event_type="Approved",
        schema_version=1,
        stream_type="thing",
        stream_id=uuid4(),
        stream_version=1,
        occurred_at=LATE_ON_THE_FIRST,
        tenant_id=tenant,
        actor="a",
        correlation_id="c",
        causation_id=None,
        payload={"by": "carol"},
    )


def test_a_dated_upcaster_gets_the_day_the_envelope_was_recorded_on_in_utc() -> None:
    assert _registry().decode_envelope(_v1_envelope()) == Approved(
        by="carol", effective_on=date(2026, 3, 1)
    )


def test_a_registry_dated_by_the_tenants_zones_shares_its_schemas() -> None:
    registry = _registry()
    zones = {"acme": ZoneInfo("Europe/Berlin"), "globex": ZoneInfo("America/New_York")}
    dated = registry.dated_by(recorded_on_in(zones.__getitem__))

    assert dated.decode_envelope(_v1_envelope("acme")) == Approved(
        by="carol", effective_on=date(2026, 3, 2)
    )
    assert dated.decode_envelope(_v1_envelope("globex")) == Approved(
        by="carol", effective_on=date(2026, 3, 1)
    )
    assert list(dated) == list(registry)


def test_a_dated_upcaster_needs_the_recorded_date() -> None:
    registry = _registry()
    with pytest.raises(InvalidEventError, match="needs its date"):
        registry.decode("Approved", 1, {"by": "carol"})
    assert registry.decode("Approved", 1, {"by": "carol"}, recorded_on=date(2026, 1, 1)) == (
        Approved(by="carol", effective_on=date(2026, 1, 1))
    )


def test_the_newest_version_is_decoded_without_a_date() -> None:
    payload = {"by": "carol", "effective_on": "2026-02-01"}
    envelope = _v1_envelope().model_copy(update={"schema_version": 2, "payload": payload})
    assert _registry().decode_envelope(envelope) == Approved(
        by="carol", effective_on=date(2026, 2, 1)
    )
