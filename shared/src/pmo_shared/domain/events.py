"""Event envelope, domain-event base class and the registry of versioned event schemas.

Domain events are plain pydantic models with an explicit `event_type` and `schema_version`.
A published version never changes: a new shape is a new class with a higher version plus an
upcaster that turns the previous version's payload into the next one. Stored and published
events are decoded through the registry, which upcasts old payloads to the newest version.

An upcaster sees only the payload; a *dated* upcaster also gets the date the event was recorded
on, for a new field that defaults to it (e.g. an effective date). That date is the envelope's
`occurred_at` in its tenant's calendar: `recorded_on` decides it (UTC unless a service gives a
registry of its own tenants' time zones with `dated_by`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, tzinfo
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError

JsonDict = dict[str, Any]
Upcaster = Callable[[JsonDict], JsonDict]
DatedUpcaster = Callable[[JsonDict, date], JsonDict]
"""An upcaster that also gets the date its event was recorded on."""
_Step = Callable[[JsonDict, date | None], JsonDict]


class DomainEvent(BaseModel):
    """A past-tense fact. Subclasses set `event_type` and `schema_version`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    bookkeeping: ClassVar[bool] = False
    """A kernel event that changes no aggregate's state (an erasure's mark on a stream):
    aggregates pass over it, consumers may ignore it."""


class PersonalDataErased(DomainEvent):
    """A data subject this stream names was erased: from now on their personal values in it
    read `[erased]`. It names only the subject's pseudonym."""

    event_type: ClassVar[str] = "PersonalDataErased"
    bookkeeping: ClassVar[bool] = True
    subject_ref: UUID
    erasure_id: UUID


class DataSubjectErased(DomainEvent):
    """The audit record of an erasure, in the subject's own stream (`data_subject`, id = the
    pseudonym): the key was destroyed. `reapplied` when it was destroyed again after a
    restore from a backup made before the erasure. Names no personal data."""

    event_type: ClassVar[str] = "DataSubjectErased"
    bookkeeping: ClassVar[bool] = True
    subject_ref: UUID
    erasure_id: UUID
    streams_marked: int
    reapplied: bool = False


KERNEL_EVENTS: tuple[type[DomainEvent], ...] = (PersonalDataErased, DataSubjectErased)
"""Events every service's store may hold and every event topic may carry, whatever the
service: each registry knows them."""

DATA_SUBJECT_STREAM = "data_subject"
"""The stream type of a data subject's audit events."""


class EventMetadata(BaseModel):
    """Who caused an append and why: travels unchanged from the request into every event."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    actor: str
    correlation_id: str
    causation_id: str | None = None


class EventEnvelope(BaseModel):
    """A stored event exactly as it is kept in the store and carried on Kafka."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    event_type: str
    schema_version: int
    stream_type: str
    stream_id: UUID
    stream_version: int
    occurred_at: datetime
    tenant_id: str
    actor: str
    correlation_id: str
    causation_id: str | None
    payload: JsonDict
    ordering_id: UUID | None = None
    """The stream id of the ordering root when it is another stream's (a Project Office's
    project): the Kafka key, so a consumer sees both streams' events in one order."""

    @property
    def ordering_key(self) -> UUID:
        """The id events are ordered by on Kafka: the ordering root's, else the stream's own."""
        return self.ordering_id or self.stream_id

    @classmethod
    def from_checked(cls, fields: dict[str, Any]) -> EventEnvelope:
        """An envelope from values the caller has already checked, one per field (every field
        given, each of its declared type), without pydantic's per-field pass: what
        `model_construct` does with every field set, in a few attribute writes. The decoder of
        every consumer builds one per event, so it is on the hottest path a rebuild has."""
        if fields.keys() != _ENVELOPE_FIELDS:
            raise TypeError(f"envelope fields expected exactly: {sorted(_ENVELOPE_FIELDS)}")
        envelope = object.__new__(cls)
        object.__setattr__(envelope, "__dict__", fields)
        object.__setattr__(envelope, "__pydantic_fields_set__", set(_ENVELOPE_FIELDS))
        object.__setattr__(envelope, "__pydantic_extra__", None)
        object.__setattr__(envelope, "__pydantic_private__", None)
        return envelope


_ENVELOPE_FIELDS = frozenset(EventEnvelope.model_fields)


class UnknownEventError(LookupError):
    """The registry knows neither this event type nor this schema version."""


class InvalidEventError(ValueError):
    """The payload does not match the schema of its declared type and version."""


E = TypeVar("E", bound=type[DomainEvent])
RecordedOn = Callable[[EventEnvelope], date]
"""The date, in its tenant's calendar, on which a stored event was recorded."""


def recorded_on_utc(envelope: EventEnvelope) -> date:
    """The UTC date of the envelope's `occurred_at`: the default calendar of a registry."""
    return envelope.occurred_at.astimezone(UTC).date()


def recorded_on_in(zone_of: Callable[[str], tzinfo]) -> RecordedOn:
    """The calendar in which an envelope's `occurred_at` falls on a date of its tenant's time
    zone (`zone_of(tenant_id)`)."""

    def recorded_on(envelope: EventEnvelope) -> date:
        return envelope.occurred_at.astimezone(zone_of(envelope.tenant_id)).date()

    return recorded_on


class EventRegistry:
    """Maps (event_type, schema_version) to schema classes and chains upcasters."""

    def __init__(self, *, recorded_on: RecordedOn = recorded_on_utc) -> None:
        self._classes: dict[tuple[str, int], type[DomainEvent]] = {}
        self._latest: dict[str, int] = {}
        self._upcasters: dict[tuple[str, int], _Step] = {}
        self._recorded_on = recorded_on
        for kernel_event in KERNEL_EVENTS:
            self.register(kernel_event)

    def dated_by(self, recorded_on: RecordedOn) -> EventRegistry:
        """This registry (the same schemas and upcasters, shared) with another calendar for
        the recorded date that dated upcasters get, e.g. each tenant's own time zone."""
        view = EventRegistry(recorded_on=recorded_on)
        view._classes, view._latest = self._classes, self._latest
        view._upcasters = self._upcasters
        return view

    def register(self, cls: E) -> E:
        """Register one schema version of an event type (usable as a class decorator)."""
        key = (cls.event_type, cls.schema_version)
        if key in self._classes:
            raise ValueError(f"event {key} registered twice")
        self._classes[key] = cls
        self._latest[cls.event_type] = max(self._latest.get(cls.event_type, 0), cls.schema_version)
        return cls

    def upcaster(self, event_type: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register the function that turns `from_version` payloads into `from_version + 1`."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = lambda payload, _on: fn(payload)
            return fn

        return decorate

    def dated_upcaster(
        self, event_type: str, *, from_version: int
    ) -> Callable[[DatedUpcaster], DatedUpcaster]:
        """Register the function that turns `from_version` payloads into `from_version + 1`
        given also the date the event was recorded on (only envelopes can be upcast so)."""

        def decorate(fn: DatedUpcaster) -> DatedUpcaster:
            def step(payload: JsonDict, recorded_on: date | None) -> JsonDict:
                if recorded_on is None:
                    raise InvalidEventError(f"{event_type!r} v{from_version} needs its date")
                return fn(payload, recorded_on)

            self._upcasters[(event_type, from_version)] = step
            return fn

        return decorate

    def schema_of(self, event_type: str, schema_version: int) -> type[DomainEvent]:
        """The schema class of one version of an event type."""
        try:
            return self._classes[(event_type, schema_version)]
        except KeyError:
            raise UnknownEventError(f"unknown event {event_type!r} v{schema_version}") from None

    def latest_version(self, event_type: str) -> int:
        """The newest schema version of an event type."""
        try:
            return self._latest[event_type]
        except KeyError:
            raise UnknownEventError(f"unknown event type {event_type!r}") from None

    def decode(
        self,
        event_type: str,
        schema_version: int,
        payload: JsonDict,
        *,
        recorded_on: date | None = None,
    ) -> DomainEvent:
        """Validate a stored payload, upcasting it to the newest version first (a dated
        upcaster needs `recorded_on`, the date the event was recorded on)."""
        latest = self.latest_version(event_type)
        if schema_version < 1 or schema_version > latest:
            raise UnknownEventError(f"unknown schema version {schema_version} of {event_type!r}")
        data = payload
        for version in range(schema_version, latest):
            upcast = self._upcasters.get((event_type, version))
            if upcast is None:
                raise UnknownEventError(f"no upcaster for {event_type!r} v{version}")
            try:
                data = upcast(dict(data), recorded_on)  # an upcaster may change its argument
            except Exception as exc:
                raise InvalidEventError(
                    f"{event_type!r} v{version} cannot be upcast: {exc!r}"
                ) from exc
        try:
            return self._classes[(event_type, latest)].model_validate(data)
        except ValidationError as exc:
            raise InvalidEventError(f"invalid {event_type!r} payload: {exc}") from exc

    def decode_envelope(self, envelope: EventEnvelope) -> DomainEvent:
        """Decode the payload of a stored envelope (dated upcasters get its recorded date)."""
        kind, version = envelope.event_type, envelope.schema_version
        old = 1 <= version < self.latest_version(kind)
        recorded_on = self._recorded_on(envelope) if old else None
        return self.decode(kind, version, envelope.payload, recorded_on=recorded_on)

    def __iter__(self) -> Iterator[type[DomainEvent]]:
        """Every registered schema class, every version, in a stable order."""
        for key in sorted(self._classes):
            yield self._classes[key]

    def json_schemas(self) -> dict[str, JsonDict]:
        """One JSON Schema per event type and version, keyed `Type.vN`."""
        return {f"{cls.event_type}.v{cls.schema_version}": cls.model_json_schema() for cls in self}
