"""Personal data in the PostgreSQL event store: sealed at append, opened on read, erased by
destroying a key, exported, guarded against a key erased meanwhile, checked at startup, and
sealed after the fact in a store that kept it plain (pmo_shared.privacy on the test stack)."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.application.cache import AggregateCache
from pmo_shared.domain.aggregate import Aggregate, applies
from pmo_shared.domain.events import (
    DATA_SUBJECT_STREAM,
    DomainEvent,
    EventMetadata,
    EventRegistry,
)
from pmo_shared.eventstore import store
from pmo_shared.eventstore.store import PostgresEventStore, RecordedEvent
from pmo_shared.privacy import subjects
from pmo_shared.privacy.backfill import Subjects, seal_plain_events
from pmo_shared.privacy.crypto import MasterKey
from pmo_shared.privacy.fields import ERASED, PersonalUserId, is_sealed
from pmo_shared.privacy.keystore import KeyStore, KeyStoreError

from .kit import MASTER_KEY

pytestmark = pytest.mark.integration

KeyStores = Callable[..., KeyStore]

# Addresses, so that no user id can hide in base64 or a uuid by chance.
ALICE = "alice@example.org"
BOB = "bob@example.org"
CAROL = "carol@example.org"
PM = "pm@example.org"
DPO = "dpo@example.org"
EVERYONE = (ALICE, BOB, CAROL, PM, DPO)

registry = EventRegistry()


class Reviewer(BaseModel):
    who: PersonalUserId


@registry.register
class TaskAssigned(DomainEvent):
    event_type = "TaskAssigned"
    title: str
    assignee: PersonalUserId
    reviewers: list[Reviewer] = []


@registry.register
class TaskRenamed(DomainEvent):
    event_type = "TaskRenamed"
    title: str


class Task(Aggregate):
    stream_type = "task"

    def __init__(self, aggregate_id: uuid.UUID) -> None:
        super().__init__(aggregate_id)
        self.title = ""
        self.assignee = ""
        self.reviewers: list[str] = []

    @applies(TaskAssigned)
    def _assigned(self, event: TaskAssigned) -> None:
        self.title = event.title
        self.assignee = event.assignee
        self.reviewers = [r.who for r in event.reviewers]

    @applies(TaskRenamed)
    def _renamed(self, event: TaskRenamed) -> None:
        self.title = event.title


def assigned(assignee: str, *reviewers: str) -> TaskAssigned:
    return TaskAssigned(
        title="review", assignee=assignee, reviewers=[Reviewer(who=r) for r in reviewers]
    )


def metadata(actor: str = PM, tenant: str = "t1") -> EventMetadata:
    return EventMetadata(tenant_id=tenant, actor=actor, correlation_id=f"corr-{uuid.uuid4()}")


async def append(
    engine: AsyncEngine,
    keys: KeyStore | None,
    stream: uuid.UUID,
    *events: DomainEvent,
    actor: str = PM,
    tenant: str = "t1",
) -> list[RecordedEvent]:
    async with engine.begin() as conn:
        version = await store.stream_version(conn, stream_id=stream)
        return await store.append(
            conn,
            stream_type="task",
            stream_id=stream,
            expected_version=version,
            events=list(events),
            metadata=metadata(actor, tenant),
            keys=keys,
        )


async def read(
    engine: AsyncEngine, keys: KeyStore | None, stream: uuid.UUID, tenant: str = "t1"
) -> list[RecordedEvent]:
    async with engine.connect() as conn:
        return await store.read_stream(conn, stream_id=stream, tenant_id=tenant, keys=keys)


async def ref_of(engine: AsyncEngine, keys: KeyStore, user: str, tenant: str = "t1") -> uuid.UUID:
    async with engine.connect() as conn:
        ref = await keys.lookup(conn, tenant, user)
    assert ref is not None, f"{user} has no live subject in {tenant}"
    return ref


_ROWS = text(
    """SELECT position, stream_id, stream_type, event_type, payload::text AS payload, actor,
              subject_refs
       FROM events
       WHERE (CAST(:stream AS uuid) IS NULL OR stream_id = CAST(:stream AS uuid))
         AND (CAST(:event_type AS text) IS NULL OR event_type = CAST(:event_type AS text))
         AND (CAST(:stream_type AS text) IS NULL OR stream_type = CAST(:stream_type AS text))
         AND (CAST(:naming AS uuid) IS NULL
              OR (tenant_id = 't1' AND subject_refs @> ARRAY[CAST(:naming AS uuid)]))
       ORDER BY position"""
)


async def rows(
    engine: AsyncEngine,
    *,
    stream: uuid.UUID | None = None,
    event_type: str | None = None,
    stream_type: str | None = None,
    naming: uuid.UUID | None = None,
) -> list[Any]:
    """The stored rows (payload as text), all or those asked for (`naming`: in tenant t1)."""
    params = {
        "stream": stream,
        "event_type": event_type,
        "stream_type": stream_type,
        "naming": naming,
    }
    async with engine.connect() as conn:
        return list((await conn.execute(_ROWS, params)).all())


async def erase(engine: AsyncEngine, keys: KeyStore, user: str) -> subjects.Erasure:
    return await subjects.erase(engine, keys, user_id=user, metadata=metadata(DPO))


def assert_no_user_id(*texts: str) -> None:
    for shown in texts:
        for person in EVERYONE:
            assert person not in shown, f"{person} is stored in plain text: {shown}"


# --- append and read --------------------------------------------------------------------------


async def test_a_sealed_append_stores_no_user_id_and_names_everyone(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    stream = uuid.uuid4()
    recorded = await append(
        engine, keys, stream, assigned(ALICE, BOB, CAROL), TaskRenamed(title="x")
    )

    stored = await rows(engine)
    assert len(stored) == 2
    assert_no_user_id(*(r.payload for r in stored), *(r.actor for r in stored))
    async with engine.connect() as conn:
        subjects_text = (
            await conn.execute(
                text("SELECT string_agg(row_to_json(d)::text, ' ') FROM data_subjects d")
            )
        ).scalar_one()
    assert_no_user_id(subjects_text)

    pm, alice, bob, carol = [await ref_of(engine, keys, u) for u in (PM, ALICE, BOB, CAROL)]
    assert {r.actor for r in stored} == {str(pm)}
    assert stored[0].subject_refs == sorted([pm, alice, bob, carol])
    assert stored[1].subject_refs == [pm]
    payload = orjson.loads(stored[0].payload)
    assert payload["title"] == "review"
    assert is_sealed(payload["assignee"])
    assert payload["assignee"]["subject_ref"] == str(alice)
    assert payload["reviewers"][1]["who"]["subject_ref"] == str(carol)
    # what append hands back is what was given
    assert recorded[0].envelope.payload["assignee"] == ALICE
    assert recorded[0].envelope.actor == PM


async def test_a_read_with_the_keys_gives_the_values_back_and_one_without_stays_sealed(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    stream = uuid.uuid4()
    event = assigned(ALICE, BOB)
    await append(engine, keys, stream, event, TaskRenamed(title="x"))

    opened = await read(engine, key_stores(), stream)  # another process's key store
    assert [r.envelope.payload for r in opened] == [
        event.model_dump(mode="json"),
        {"title": "x"},
    ]
    assert {r.envelope.actor for r in opened} == {PM}
    assert registry.decode_envelope(opened[0].envelope) == event

    sealed = await read(engine, None, stream)
    assert is_sealed(sealed[0].envelope.payload["assignee"])
    assert sealed[0].envelope.actor == str(await ref_of(engine, keys, PM))


async def test_the_outbox_carries_the_sealed_form(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    await append(engine, keys, uuid.uuid4(), assigned(ALICE, BOB))
    async with engine.connect() as conn:
        queued = await store.read_outbox_batch(conn, limit=10)
    assert len(queued) == 1
    envelope = queued[0].envelope
    assert is_sealed(envelope.payload["assignee"])
    assert is_sealed(envelope.payload["reviewers"][0]["who"])
    assert envelope.actor == str(await ref_of(engine, keys, PM))
    assert_no_user_id(orjson.dumps(envelope.model_dump(mode="json")).decode())


async def test_the_same_person_in_two_tenants_is_two_subjects(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    await append(engine, keys, uuid.uuid4(), assigned(ALICE), tenant="t1")
    await append(engine, keys, uuid.uuid4(), assigned(ALICE), tenant="t2")
    assert await ref_of(engine, keys, ALICE, "t1") != await ref_of(engine, keys, ALICE, "t2")


# --- erasure ----------------------------------------------------------------------------------


async def test_erasure_shows_the_person_erased_everywhere_and_no_one_else(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    named, listed, acted, unrelated, elsewhere = (uuid.uuid4() for _ in range(5))
    await append(engine, keys, named, assigned(BOB, ALICE))
    await append(engine, keys, listed, assigned(ALICE, BOB, CAROL), TaskRenamed(title="two"))
    await append(engine, keys, acted, TaskRenamed(title="by bob"), actor=BOB)
    await append(engine, keys, unrelated, assigned(ALICE))
    await append(engine, keys, elsewhere, assigned(BOB), tenant="t2")
    bob = await ref_of(engine, keys, BOB)

    done = await erase(engine, keys, BOB)

    assert done.held
    assert done.subject_ref == bob
    assert done.streams_marked == 3
    first = await read(engine, keys, named)
    assert first[0].envelope.payload["assignee"] == ERASED
    assert first[0].envelope.payload["reviewers"] == [{"who": ALICE}]
    assert first[0].envelope.actor == PM
    assert registry.decode_envelope(first[0].envelope) == assigned(ERASED, ALICE)
    second = await read(engine, keys, listed)
    assert second[0].envelope.payload["reviewers"] == [{"who": ERASED}, {"who": CAROL}]
    assert second[0].envelope.payload["assignee"] == ALICE
    assert (await read(engine, keys, acted))[0].envelope.actor == ERASED
    untouched = await read(engine, keys, unrelated)
    assert [r.envelope.event_type for r in untouched] == ["TaskAssigned"]
    other_tenant = await read(engine, keys, elsewhere, tenant="t2")
    assert other_tenant[0].envelope.payload["assignee"] == BOB

    marks = await rows(engine, event_type="PersonalDataErased")
    assert sorted(m.stream_id for m in marks) == sorted([named, listed, acted])
    for mark in marks:
        assert orjson.loads(mark.payload) == {
            "subject_ref": str(bob),
            "erasure_id": str(done.erasure_id),
        }
    for stream in (named, listed, acted):  # each mark at its stream's head
        assert (await read(engine, keys, stream))[-1].envelope.event_type == "PersonalDataErased"

    audit = await rows(engine, stream_type=DATA_SUBJECT_STREAM)
    assert [(a.event_type, a.stream_id) for a in audit] == [("DataSubjectErased", bob)]
    assert orjson.loads(audit[0].payload) == {
        "subject_ref": str(bob),
        "erasure_id": str(done.erasure_id),
        "streams_marked": 3,
        "reapplied": False,
    }
    audit_read = await read(engine, keys, bob)
    assert audit_read[0].envelope.actor == DPO

    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT * FROM data_subjects WHERE subject_ref = :r"), {"r": bob}
            )
        ).one()
        assert await keys.lookup(conn, "t1", BOB) is None
    assert (row.lookup, row.wrapped_key, row.sealed_user_id) == (None, None, None)
    assert row.erased_at == done.erased_at
    assert row.erasure_id == done.erasure_id
    assert_no_user_id(*(r.payload for r in await rows(engine)))


async def test_erasing_again_does_nothing(engine: AsyncEngine, key_stores: KeyStores) -> None:
    keys = key_stores()
    await append(engine, keys, uuid.uuid4(), assigned(BOB))
    assert (await erase(engine, keys, BOB)).held
    before = await rows(engine)

    again = await erase(engine, keys, BOB)

    assert again == subjects.Erasure(None, None, None)
    assert not again.held
    assert await rows(engine) == before


async def test_many_user_ids_are_looked_up_in_one_statement(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    await append(engine, keys, uuid.uuid4(), assigned(ALICE, BOB))
    await append(engine, keys, uuid.uuid4(), assigned(CAROL), tenant="t2")
    alice = await ref_of(engine, keys, ALICE)
    assert (await erase(engine, keys, BOB)).held
    asked = [CAROL, ALICE, BOB, "nobody@example.org", ALICE]
    async with engine.connect() as conn:
        found = await keys.lookup_many(conn, "t1", asked)
        assert await keys.lookup_many(conn, "t1", []) == {}
    # each user id once, in the order first asked; Carol lives only in t2, Bob is erased
    assert list(found.items()) == [
        (CAROL, None),
        (ALICE, alice),
        (BOB, None),
        ("nobody@example.org", None),
    ]


async def test_erasing_someone_never_seen_does_nothing(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    await append(engine, keys, uuid.uuid4(), assigned(ALICE))
    assert not (await erase(engine, keys, "nobody@example.org")).held
    assert [r.event_type for r in await rows(engine)] == ["TaskAssigned"]


async def test_a_person_can_be_erased_at_their_own_request(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    stream = uuid.uuid4()
    await append(engine, keys, stream, assigned(BOB))
    done = await subjects.erase(engine, keys, user_id=BOB, metadata=metadata(BOB))
    assert done.held
    assert (await read(engine, keys, stream))[0].envelope.payload["assignee"] == ERASED


# --- export -----------------------------------------------------------------------------------


async def test_export_lists_exactly_the_events_naming_the_person(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    as_assignee, as_reviewer, as_actor, without = (uuid.uuid4() for _ in range(4))
    await append(engine, keys, as_assignee, assigned(ALICE))
    await append(engine, keys, as_reviewer, assigned(BOB, CAROL, ALICE), TaskRenamed(title="x"))
    await append(engine, keys, as_actor, TaskRenamed(title="by alice"), actor=ALICE)
    await append(engine, keys, without, assigned(BOB))
    await append(engine, keys, uuid.uuid4(), assigned(ALICE), tenant="t2")
    alice = await ref_of(engine, keys, ALICE)

    async with engine.connect() as conn:
        page = await subjects.export(conn, keys, tenant_id="t1", user_id=ALICE)

    assert page.subject_ref == alice
    assert page.created_at is not None
    assert page.next_after is None
    naming = await rows(engine, naming=alice)
    assert [e.position for e in page.events] == [r.position for r in naming]
    shown = [(e.envelope.stream_id, e.fields, e.as_actor) for e in page.events]
    assert shown == [
        (as_assignee, ("assignee",), False),
        (as_reviewer, ("reviewers[1].who",), False),
        (as_actor, (), True),
    ]
    assert page.events[1].envelope.payload["assignee"] == BOB  # opened, all of it
    assert page.events[2].envelope.actor == ALICE


async def test_export_pages_through_the_events(engine: AsyncEngine, key_stores: KeyStores) -> None:
    keys = key_stores()
    for _ in range(3):
        await append(engine, keys, uuid.uuid4(), assigned(ALICE))

    async with engine.connect() as conn:
        first = await subjects.export(conn, keys, tenant_id="t1", user_id=ALICE, limit=2)
        assert first.next_after == first.events[-1].position
        rest = await subjects.export(
            conn, keys, tenant_id="t1", user_id=ALICE, after=first.next_after, limit=2
        )
    assert len(first.events) == 2
    assert len(rest.events) == 1
    assert rest.next_after is None
    assert rest.events[0].position > first.next_after


async def test_export_of_an_erased_or_unknown_person_holds_nothing(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    await append(engine, keys, uuid.uuid4(), assigned(BOB))
    await erase(engine, keys, BOB)
    async with engine.connect() as conn:
        for user in (BOB, "nobody@example.org"):
            page = await subjects.export(conn, keys, tenant_id="t1", user_id=user)
            assert page == subjects.Export(None, None)


# --- a writer that learnt a key before it was erased ------------------------------------------


@pytest.mark.parametrize("as_actor", [False, True], ids=["named", "actor"])
async def test_a_writer_whose_cached_subject_was_erased_elsewhere_seals_with_a_new_one(
    engine: AsyncEngine, key_stores: KeyStores, as_actor: bool
) -> None:
    writer, elsewhere = key_stores(), key_stores()
    before, after = uuid.uuid4(), uuid.uuid4()
    actor = BOB if as_actor else PM
    await append(
        engine, writer, before, assigned(BOB) if not as_actor else assigned(ALICE), actor=actor
    )
    old = await ref_of(engine, writer, BOB)
    assert (await erase(engine, elsewhere, BOB)).subject_ref == old  # another process erased

    recorded = await append(engine, writer, after, assigned(BOB, ALICE), actor=actor)

    assert len(recorded) == 1
    assert recorded[0].envelope.stream_version == 1
    new = await ref_of(engine, writer, BOB)
    assert new != old
    stored = await rows(engine, stream=after)
    assert len(stored) == 1
    assert old not in stored[0].subject_refs
    assert new in stored[0].subject_refs
    assert orjson.loads(stored[0].payload)["assignee"]["subject_ref"] == str(new)
    opened = (await read(engine, writer, after))[0].envelope
    assert opened.payload["assignee"] == BOB
    assert opened.actor == actor
    earlier = (await read(engine, writer, before))[0].envelope
    assert (earlier.actor if as_actor else earlier.payload["assignee"]) == ERASED


async def test_an_append_in_flight_during_an_erasure_still_gets_its_stream_marked(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys, eraser = key_stores(), key_stores()
    cache = AggregateCache(registry)
    stream = uuid.uuid4()
    await append(engine, keys, uuid.uuid4(), assigned(BOB))  # bob has a subject
    async with engine.begin() as conn:  # a command in flight
        task = Task(stream)
        task.record(assigned(BOB))
        await PostgresEventStore(conn, keys=keys).append(
            stream_type="task",
            stream_id=stream,
            expected_version=0,
            events=task.collect(),
            metadata=metadata(),
        )
        erasing = asyncio.create_task(erase(engine, eraser, BOB))
        await _until_done_or_waiting(engine, erasing)  # it should wait for this command
    task.mark_committed()
    cache.keep(task, tenant_id="t1")
    await asyncio.wait_for(erasing, timeout=10)

    marks = await rows(engine, stream=stream, event_type="PersonalDataErased")
    assert len(marks) == 1, "the stream the command wrote names bob but was not marked"
    async with engine.connect() as conn:
        loaded = await cache.load(PostgresEventStore(conn, keys=keys), Task, stream, tenant_id="t1")
    assert loaded is not None
    assert loaded.assignee == ERASED


async def _until_done_or_waiting(engine: AsyncEngine, job: asyncio.Task[Any]) -> None:
    """Return once `job` finished or waits for a lock (bounded)."""
    deadline = time.monotonic() + 10
    while not job.done():
        async with engine.connect() as conn:
            waiting = (
                await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            ).scalar_one()
        if waiting:
            return
        assert time.monotonic() < deadline, "the erasure neither finished nor waited"
        await asyncio.sleep(0.01)


# --- the aggregate cache ----------------------------------------------------------------------


async def test_a_cached_aggregate_that_meets_an_erasure_mark_is_rebuilt(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    cache = AggregateCache(registry)
    stream = uuid.uuid4()
    await append(engine, keys, stream, assigned(BOB, ALICE))

    async def load() -> Task:
        async with engine.connect() as conn:
            events = PostgresEventStore(conn, keys=keys)
            task = await cache.load(events, Task, stream, tenant_id="t1")
        assert task is not None
        cache.keep(task, tenant_id="t1")
        return task

    first = await load()
    assert (first.assignee, first.reviewers) == (BOB, [ALICE])
    assert await load() is first  # kept and caught up, not rebuilt

    await erase(engine, key_stores(), BOB)
    rebuilt = await load()

    assert rebuilt is not first
    assert (rebuilt.assignee, rebuilt.reviewers) == (ERASED, [ALICE])
    assert rebuilt.version == 2  # the mark counts in the stream's version
    assert await load() is rebuilt


# --- the startup check ------------------------------------------------------------------------


async def test_the_startup_check_passes_on_a_healthy_store(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    async with engine.connect() as conn:
        await keys.check(conn)  # empty
    await append(engine, keys, uuid.uuid4(), assigned(ALICE, BOB))
    await erase(engine, keys, BOB)
    async with engine.connect() as conn:
        await key_stores().check(conn)  # an erased subject is still there, as a tombstone


async def test_the_startup_check_refuses_a_lost_key_store(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    await append(engine, keys, uuid.uuid4(), assigned(ALICE))
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM data_subjects"))
    async with engine.connect() as conn:
        with pytest.raises(KeyStoreError, match="no row for data subject"):
            await key_stores().check(conn)


async def test_the_startup_check_refuses_another_master_key(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    await append(engine, key_stores(), uuid.uuid4(), assigned(ALICE))
    other = MasterKey(base64.b64encode(bytes(range(100, 132))).decode())
    async with engine.connect() as conn:
        with pytest.raises(KeyStoreError, match=f"not by the configured one \\({other.key_id}\\)"):
            await key_stores(other).check(conn)
        await key_stores().check(conn)


# --- creating subjects ------------------------------------------------------------------------


async def test_two_processes_creating_the_same_subjects_at_once_make_one_each(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    first, second = key_stores(), key_stores()
    async with engine.connect() as blocker:
        async with blocker.begin():
            # both look the people up, find nothing, and wait at their inserts
            await blocker.execute(text("LOCK TABLE data_subjects IN SHARE MODE"))
            racing = asyncio.gather(
                first.subjects("t1", [CAROL, ALICE]), second.subjects("t1", [ALICE, CAROL])
            )
            await _until_locks_wait(engine, 2)
        made = await asyncio.wait_for(racing, timeout=10)

    assert made[0] == made[1]
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM data_subjects"))).scalar_one()
    assert count == 2
    assert {s.subject_ref for s in made[0].values()} == {
        await ref_of(engine, first, CAROL),
        await ref_of(engine, first, ALICE),
    }


async def _until_locks_wait(engine: AsyncEngine, count: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        async with engine.connect() as conn:
            waiting = (
                await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            ).scalar_one()
        if waiting >= count:
            return
        assert time.monotonic() < deadline, f"{count} sessions did not come to wait"
        await asyncio.sleep(0.01)


# --- sealing a store that kept personal data plain --------------------------------------------


async def test_the_backfill_seals_what_was_stored_plain(
    engine: AsyncEngine, key_stores: KeyStores
) -> None:
    keys = key_stores()
    plain, sealed_already = uuid.uuid4(), uuid.uuid4()
    await append(engine, keys, sealed_already, assigned(ALICE))  # alice has a subject
    kept = await rows(engine)
    await append(engine, None, plain, assigned(ALICE, BOB), TaskRenamed(title="x"))  # old way
    await append(engine, None, plain, TaskRenamed(title="y"), actor=CAROL)
    assert BOB in (await rows(engine, stream=plain))[0].payload

    async with engine.begin() as conn:
        count = await conn.run_sync(
            lambda sync: seal_plain_events(sync, registry, Subjects(sync, MASTER_KEY))
        )

    assert count == 3
    stored = await rows(engine, stream=plain)
    assert_no_user_id(*(r.payload for r in stored), *(r.actor for r in stored))
    alice, bob, pm, carol = [await ref_of(engine, keys, u) for u in (ALICE, BOB, PM, CAROL)]
    assert [r.subject_refs for r in stored] == [sorted([alice, bob, pm]), [pm], [carol]]
    assert await rows(engine, stream=sealed_already) == kept  # left as it was
    opened = await read(engine, key_stores(), plain)
    assert opened[0].envelope.payload == assigned(ALICE, BOB).model_dump(mode="json")
    assert [r.envelope.actor for r in opened] == [PM, PM, CAROL]

    async with engine.begin() as conn:
        again = await conn.run_sync(
            lambda sync: seal_plain_events(sync, registry, Subjects(sync, MASTER_KEY))
        )
    assert again == 0
    with pytest.raises(DBAPIError, match="immutable"):  # the trigger is back
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE events SET actor = 'x'"))
    async with engine.connect() as conn:
        await keys.check(conn)
