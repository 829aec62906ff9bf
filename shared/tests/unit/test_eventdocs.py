"""Event docs: generated from the registry; drift is detected."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from pmo_shared.domain.events import DomainEvent, EventRegistry
from pmo_shared.messaging.eventdocs import EventCatalog, asyncapi, drift, summary_of, write
from pmo_shared.messaging.topics import PRIVACY_EVENTS_TOPIC


def _catalog(tmp_path: Path) -> EventCatalog:
    registry = EventRegistry()

    @registry.register
    class ThingHappened(DomainEvent):
        """A thing happened."""

        event_type = "ThingHappened"
        size: int

    return EventCatalog(
        registry=registry, topic="t", title="T", description="d", directory=tmp_path
    )


def test_written_docs_have_no_drift_and_describe_each_event(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    write(catalog)
    assert drift(catalog) == []
    schema = json.loads((tmp_path / "schemas/ThingHappened.v1.json").read_text())
    assert schema["properties"]["size"]["type"] == "integer"
    asyncapi = json.loads((tmp_path / "asyncapi.json").read_text())
    assert asyncapi["channels"]["events"]["address"] == "t"
    assert "ThingHappened" in asyncapi["components"]["messages"]


def test_a_changed_or_extra_file_is_drift(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    write(catalog)
    (tmp_path / "schemas/ThingHappened.v1.json").write_text("{}")
    (tmp_path / "schemas/Old.v1.json").write_text("{}")
    assert drift(catalog) == ["schemas/ThingHappened.v1.json", "schemas/Old.v1.json"]


def test_erasure_records_have_a_channel_of_their_own_on_the_privacy_topic(
    tmp_path: Path,
) -> None:
    document = asyncapi(_catalog(tmp_path))
    channels, operations = document["channels"], document["operations"]
    assert channels["privacy"]["address"] == PRIVACY_EVENTS_TOPIC
    assert set(channels["privacy"]["messages"]) == {"DataSubjectErased"}
    assert "DataSubjectErased" not in channels["events"]["messages"]
    # the mark on a stream that named the person travels with the stream's own events
    assert {"ThingHappened", "PersonalDataErased"} <= set(channels["events"]["messages"])
    assert operations["publishPrivacy"] == {
        "action": "send",
        "channel": {"$ref": "#/channels/privacy"},
        "messages": [{"$ref": "#/channels/privacy/messages/DataSubjectErased"}],
    }
    published = operations["publishEvents"]["messages"]
    assert {"$ref": "#/channels/events/messages/DataSubjectErased"} not in published
    assert "DataSubjectErased" in document["components"]["messages"]


def test_a_catalog_without_other_channels_has_only_its_topic(tmp_path: Path) -> None:
    catalog = replace(_catalog(tmp_path), elsewhere=())
    document = asyncapi(catalog)
    assert set(document["channels"]) == {"events"}
    assert "DataSubjectErased" in document["channels"]["events"]["messages"]


def test_the_actor_header_is_documented_as_a_pseudonym(tmp_path: Path) -> None:
    headers = asyncapi(_catalog(tmp_path))["components"]["schemas"]["CloudEventHeaders"]
    actor = headers["properties"]["ce_actor"]["description"]
    assert "pseudonym" in actor
    assert "subject_ref" in actor
    assert "never their user id" in actor


def test_a_summary_is_the_first_sentence_whatever_its_lines() -> None:
    assert summary_of("A thing happened.") == "A thing happened."
    assert summary_of("A thing happened: it was\nbig. And then more.\n\nDetails.") == (
        "A thing happened: it was big."
    )
    assert summary_of("Sizes, e.g. Large ones, grew. Then\nthey shrank.") == (
        "Sizes, e.g. Large ones, grew."
    )
    assert summary_of("No full stop\nat all") == "No full stop at all"
    assert summary_of("") == ""


def test_a_message_has_the_whole_docstring_only_when_it_says_more(tmp_path: Path) -> None:
    messages = asyncapi(_catalog(tmp_path))["components"]["messages"]
    assert messages["ThingHappened"]["summary"] == "A thing happened."
    assert "description" not in messages["ThingHappened"]
    erased = messages["DataSubjectErased"]
    assert erased["summary"].endswith("the key was destroyed.")
    assert erased["description"].startswith(erased["summary"])
    assert "\n" not in erased["summary"]
