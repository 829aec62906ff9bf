"""Which fields of an event are personal data (pmo_shared.privacy.fields), and sealing them at
append and opening them on read (pmo_shared.privacy.sealing), with a key store in memory."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Optional, cast

import orjson
import pytest
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from pmo_shared.domain.events import DomainEvent, EventRegistry
from pmo_shared.privacy import crypto, sealing
from pmo_shared.privacy.fields import (
    ERASED,
    Personal,
    PersonalUserId,
    is_sealed,
    personal_paths,
    replace_at,
    sealed_refs,
    values_at,
)
from pmo_shared.privacy.keystore import HeldKey, KeyStore, KeyStoreError, SubjectKey
from pmo_shared.privacy.sealing import actor_of, open_payload, refs_in, seal_events


class Reviewer(BaseModel):
    who: PersonalUserId
    verdict: str = "ok"


class Panel(BaseModel):
    chair: PersonalUserId
    members: list[Reviewer] = []


class TaskAssigned(DomainEvent):
    event_type = "TaskAssigned"
    task: str
    assignee: PersonalUserId
    deputy: PersonalUserId | None = None
    backup: Optional[PersonalUserId] = None  # noqa: UP045 - the spelling under test
    watcher: Annotated[str | None, Personal()] = None
    watchers: list[PersonalUserId] = []
    reviewers: list[Reviewer] = []
    panel: Panel | None = None


class NoteAdded(DomainEvent):
    event_type = "NoteAdded"
    text: str


# --- the personal fields of a schema ----------------------------------------------------------


def test_personal_paths_finds_top_level_optional_listed_and_nested_fields() -> None:
    assert set(personal_paths(TaskAssigned)) == {
        ("assignee",),
        ("deputy",),
        ("backup",),
        ("watcher",),
        ("watchers", "*"),
        ("reviewers", "*", "who"),
        ("panel", "chair"),
        ("panel", "members", "*", "who"),
    }


def test_a_schema_without_personal_fields_has_no_paths() -> None:
    assert personal_paths(NoteAdded) == ()


def test_personal_paths_lists_each_path_once() -> None:
    class Pair(DomainEvent):
        event_type = "Pair"
        reviewers: tuple[Reviewer, Reviewer]

    paths = personal_paths(Pair)
    assert paths == (("reviewers", "*", "who"),)


@pytest.mark.parametrize(
    "annotation",
    [Annotated[int, Personal()], Annotated[list[str], Personal()], Annotated[bytes, Personal()]],
)
def test_a_personal_field_that_is_not_text_is_refused(annotation: Any) -> None:
    class Wrong(BaseModel):
        value: annotation  # type: ignore[valid-type]

    with pytest.raises(TypeError, match=r"Wrong\.value: only a text field can be personal data"):
        personal_paths(Wrong)


def test_the_json_schema_shows_the_sealed_form_marked_personal() -> None:
    schema = TaskAssigned.model_json_schema()
    assignee = schema["properties"]["assignee"]
    assert assignee["x-personal-data"] is True
    assert assignee["type"] == "object"
    assert set(assignee["required"]) == {"subject_ref", "key_id", "ciphertext"}
    assert assignee["additionalProperties"] is False
    assert "task" in schema["properties"]
    assert "x-personal-data" not in schema["properties"]["task"]
    nested = schema["$defs"]["Reviewer"]["properties"]["who"]
    assert nested["x-personal-data"] is True


def test_the_registry_publishes_the_sealed_form() -> None:
    registry = EventRegistry()
    registry.register(TaskAssigned)
    published = registry.json_schemas()["TaskAssigned.v1"]
    assert published["properties"]["assignee"]["x-personal-data"] is True


def test_values_at_and_replace_at_follow_a_path_into_lists() -> None:
    payload = {"reviewers": [{"who": "a"}, {"who": None}, {"other": 1}, {"who": "b"}]}
    path = ("reviewers", "*", "who")
    assert list(values_at(payload, path)) == ["a", "b"]
    changed = replace_at(payload, path, str.upper)
    assert changed == {"reviewers": [{"who": "A"}, {"who": None}, {"other": 1}, {"who": "B"}]}
    assert payload["reviewers"][0] == {"who": "a"}  # the original is left as it was
    assert list(values_at({"reviewers": None}, path)) == []
    assert replace_at({}, path, str.upper) == {}


# --- sealing and opening ----------------------------------------------------------------------


class FakeKeys:
    """What `seal_events` needs of a `KeyStore`: a live subject per user id, kept."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], SubjectKey] = {}
        self.asked: list[set[str]] = []

    async def subjects(self, tenant_id: str, user_ids: Iterable[str]) -> dict[str, SubjectKey]:
        wanted = set(user_ids)
        self.asked.append(wanted)
        for user in wanted:
            self.known.setdefault(
                (tenant_id, user), SubjectKey(uuid.uuid4(), uuid.uuid4(), crypto.new_data_key())
            )
        return {u: self.known[(tenant_id, u)] for u in wanted}

    def secrets(self) -> dict[uuid.UUID, bytes | None]:
        return {s.subject_ref: s.data_key for s in self.known.values()}

    def ref(self, user: str, tenant: str = "t1") -> uuid.UUID:
        return self.known[(tenant, user)].subject_ref


async def _seal(
    keys: FakeKeys, events: list[DomainEvent], *, actor: str = "actor-one", tenant: str = "t1"
) -> sealing.SealedAppend:
    return await seal_events(
        cast(KeyStore, keys),
        tenant_id=tenant,
        actor=actor,
        events=events,
        payloads=[e.model_dump(mode="json") for e in events],
    )


def _event() -> TaskAssigned:
    return TaskAssigned(
        task="write the report",
        assignee="user-alice",
        deputy="user-bob",
        watchers=["user-carol", "user-alice"],
        reviewers=[Reviewer(who="user-dave"), Reviewer(who="user-bob", verdict="no")],
        panel=Panel(chair="user-erin", members=[Reviewer(who="user-frank")]),
    )


PEOPLE = {"user-alice", "user-bob", "user-carol", "user-dave", "user-erin", "user-frank"}


async def test_sealing_leaves_no_user_id_in_the_payload() -> None:
    keys = FakeKeys()
    done = await _seal(keys, [_event()])
    text = orjson.dumps(done.payloads).decode()
    for person in [*PEOPLE, "actor-one"]:
        assert person not in text
    payload = done.payloads[0]
    assert payload["task"] == "write the report"
    assert payload["backup"] is None
    assert payload["watcher"] is None
    assert is_sealed(payload["assignee"])
    assert is_sealed(payload["watchers"][1])
    assert is_sealed(payload["panel"]["members"][0]["who"])
    assert payload["reviewers"][1]["verdict"] == "no"
    assert keys.asked == [{*PEOPLE, "actor-one"}]  # one call to the key store for all


async def test_sealing_names_the_actor_and_every_person_per_event() -> None:
    keys = FakeKeys()
    done = await _seal(keys, [_event(), NoteAdded(text="user-alice wrote this")])
    assert done.actor_ref == keys.ref("actor-one")
    everyone = sorted(keys.ref(p) for p in [*PEOPLE, "actor-one"])
    assert done.subject_refs == [everyone, [keys.ref("actor-one")]]
    assert done.payloads[1] == {"text": "user-alice wrote this"}  # not a personal field
    assert refs_in(done.payloads) == {keys.ref(p) for p in PEOPLE}


async def test_the_same_person_is_sealed_with_their_own_subject_everywhere() -> None:
    keys = FakeKeys()
    done = await _seal(keys, [_event()])
    payload = done.payloads[0]
    alice = str(keys.ref("user-alice"))
    assert payload["assignee"]["subject_ref"] == alice
    assert payload["watchers"][1]["subject_ref"] == alice
    assert payload["assignee"]["ciphertext"] != payload["watchers"][1]["ciphertext"]
    assert list(sealed_refs(payload)).count(keys.ref("user-alice")) == 2


async def test_a_sealed_payload_opens_to_what_was_given() -> None:
    keys = FakeKeys()
    event = _event()
    done = await _seal(keys, [event])
    opened = open_payload(done.payloads[0], tenant_id="t1", keys=keys.secrets())
    assert opened == event.model_dump(mode="json")
    assert TaskAssigned.model_validate(opened) == event


async def test_an_erased_subject_reads_erased_and_no_one_else_does() -> None:
    keys = FakeKeys()
    done = await _seal(keys, [_event()])
    secrets = keys.secrets() | {keys.ref("user-bob"): None}
    opened = open_payload(done.payloads[0], tenant_id="t1", keys=secrets)
    assert opened["deputy"] == ERASED
    assert opened["reviewers"][1] == {"who": ERASED, "verdict": "no"}
    assert opened["assignee"] == "user-alice"
    assert opened["reviewers"][0]["who"] == "user-dave"
    assert TaskAssigned.model_validate(opened).deputy == ERASED  # still a valid event


async def test_a_subject_missing_from_the_keys_is_a_key_store_error_not_erased() -> None:
    keys = FakeKeys()
    done = await _seal(keys, [_event()])
    secrets = keys.secrets()
    del secrets[keys.ref("user-erin")]
    with pytest.raises(KeyStoreError, match=str(keys.ref("user-erin"))):
        open_payload(done.payloads[0], tenant_id="t1", keys=secrets)


async def test_a_payload_sealed_for_one_tenant_does_not_open_as_another() -> None:
    keys = FakeKeys()
    done = await _seal(keys, [_event()])
    with pytest.raises(crypto.UnreadableError):
        open_payload(done.payloads[0], tenant_id="t2", keys=keys.secrets())


async def test_a_sealed_value_copied_into_another_persons_field_does_not_open() -> None:
    keys = FakeKeys()
    done = await _seal(keys, [_event()])
    payload = dict(done.payloads[0])
    forged = {**payload["assignee"], "subject_ref": payload["deputy"]["subject_ref"]}
    payload["assignee"] = forged
    with pytest.raises(crypto.UnreadableError):
        open_payload(payload, tenant_id="t1", keys=keys.secrets())


def test_a_payload_without_sealed_values_opens_as_it_is() -> None:
    payload = {"text": "plain", "n": [1, {"a": None}]}
    assert open_payload(payload, tenant_id="t1", keys={}) == payload


people = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_@.", min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@for_all(
    assignee=people,
    watchers=st.lists(people, max_size=5),
    reviewers=st.lists(people, max_size=5),
    actor=people,
    erased=st.sets(people, max_size=3),
)
async def test_sealing_then_opening_gives_back_the_payload_less_the_erased(
    assignee: str, watchers: list[str], reviewers: list[str], actor: str, erased: set[str]
) -> None:
    keys = FakeKeys()
    event = TaskAssigned(
        task="t",
        assignee=assignee,
        watchers=watchers,
        reviewers=[Reviewer(who=r) for r in reviewers],
    )
    done = await _seal(keys, [event], actor=actor)
    secrets = keys.secrets()
    for person in erased:
        if ("t1", person) in keys.known:
            secrets[keys.ref(person)] = None
    opened = open_payload(done.payloads[0], tenant_id="t1", keys=secrets)

    def shown(user: str) -> str:
        return ERASED if user in erased else user

    assert opened["assignee"] == shown(assignee)
    assert opened["watchers"] == [shown(w) for w in watchers]
    assert [r["who"] for r in opened["reviewers"]] == [shown(r) for r in reviewers]
    named = {keys.ref(p) for p in {assignee, actor, *watchers, *reviewers}}
    assert set(done.subject_refs[0]) == named


# --- the actor --------------------------------------------------------------------------------


def _held(ref: uuid.UUID, user: str | None) -> HeldKey:
    data_key = crypto.new_data_key() if user else None
    erased_at = None if user else datetime.now(UTC)
    return HeldKey(ref, "t1", uuid.uuid4(), data_key, user, datetime.now(UTC), erased_at)


def test_a_stored_actor_reads_as_its_user_id_or_erased() -> None:
    live, gone = uuid.uuid4(), uuid.uuid4()
    held = {live: _held(live, "user-alice"), gone: _held(gone, None)}
    assert actor_of(str(live), held) == "user-alice"
    assert actor_of(str(gone), held) == ERASED
    assert actor_of("system:project-svc", held) == "system:project-svc"  # stored before sealing


def test_an_aliased_personal_field_is_found_by_the_name_events_are_stored_under() -> None:
    class Aliased(BaseModel):
        owner: PersonalUserId = Field(alias="ownerId")

    assert personal_paths(Aliased) == (("owner",),)


def test_personal_data_in_a_mapping_is_refused_not_stored_plain() -> None:
    class Mapped(BaseModel):
        reviewers: dict[str, PersonalUserId]

    with pytest.raises(TypeError, match="mapping"):
        personal_paths(Mapped)
