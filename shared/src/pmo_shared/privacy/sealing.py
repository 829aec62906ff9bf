"""Sealing the personal data of events at append, and opening it on read: the one kernel call
every reader uses, whether it holds the keys (the producing service) or fetched them (a
consumer, from the producer's key service).

At append, every `Personal` field of every event and the envelope's actor are sealed with
their subject's key; the stored `actor` is the actor's pseudonym, and the event row lists the
pseudonyms it names (`subject_refs`), for export, erasure and the startup check. On read, a
sealed value becomes its user id again, or `[erased]` once its subject's key is gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from pmo_shared.domain.events import DomainEvent, JsonDict
from pmo_shared.privacy import crypto
from pmo_shared.privacy.fields import (
    ERASED,
    SealedValue,
    open_sealed,
    personal_paths,
    replace_at,
    sealed_refs,
    values_at,
)
from pmo_shared.privacy.keystore import HeldKey, KeyStore, KeyStoreError, SubjectKey


@dataclass(frozen=True, slots=True)
class SealedAppend:
    """What an append stores: sealed payloads, the pseudonyms each names, the actor's."""

    payloads: list[JsonDict]
    subject_refs: list[list[UUID]]
    actor_ref: UUID


async def seal_events(
    keys: KeyStore,
    *,
    tenant_id: str,
    actor: str,
    events: Sequence[DomainEvent],
    payloads: Sequence[JsonDict],
) -> SealedAppend:
    """Seal the personal fields of `payloads` (the JSON of `events`) and the actor."""
    paths = [personal_paths(type(e)) for e in events]
    people = {actor}
    for payload, event_paths in zip(payloads, paths, strict=True):
        for path in event_paths:
            people.update(values_at(payload, path))
    subjects = await keys.subjects(tenant_id, people)
    sealed: list[JsonDict] = []
    refs: list[list[UUID]] = []
    actor_ref = subjects[actor].subject_ref
    for payload, event_paths in zip(payloads, paths, strict=True):
        named = {actor_ref}
        for path in event_paths:
            named.update(subjects[u].subject_ref for u in values_at(payload, path))
            payload = replace_at(payload, path, lambda u: _sealed(tenant_id, subjects[u], u))
        sealed.append(payload)
        refs.append(sorted(named))
    return SealedAppend(sealed, refs, actor_ref)


def _sealed(tenant_id: str, subject: SubjectKey, value: str) -> JsonDict:
    ciphertext = crypto.seal(
        value,
        subject.data_key,
        tenant_id=tenant_id,
        subject_ref=subject.subject_ref,
        key_id=subject.key_id,
    )
    return {
        "subject_ref": str(subject.subject_ref),
        "key_id": str(subject.key_id),
        "ciphertext": ciphertext,
    }


def refs_in(payloads: Iterable[JsonDict]) -> set[UUID]:
    """Every pseudonym the sealed values of these payloads name."""
    return {ref for payload in payloads for ref in sealed_refs(payload)}


def open_payload(
    payload: JsonDict, *, tenant_id: str, keys: Mapping[UUID, bytes | None]
) -> JsonDict:
    """The payload with each sealed value opened: its user id, or `[erased]` when its key is
    gone (`keys[ref]` is None). A subject missing from `keys` is a `KeyStoreError`: its key
    is not erased but unknown, and showing `[erased]` would hide a lost key store."""

    def reveal(sealed: SealedValue) -> str:
        try:
            data_key = keys[sealed.subject_ref]
        except KeyError:
            raise KeyStoreError(f"no key for data subject {sealed.subject_ref}") from None
        if data_key is None:
            return ERASED
        return crypto.unseal(
            sealed.ciphertext,
            data_key,
            tenant_id=tenant_id,
            subject_ref=sealed.subject_ref,
            key_id=sealed.key_id,
        )

    opened: JsonDict = open_sealed(payload, reveal)
    return opened


def data_keys(held: Mapping[UUID, HeldKey]) -> dict[UUID, bytes | None]:
    """The data key of each held subject (None once erased)."""
    return {ref: h.data_key for ref, h in held.items()}


def actor_of(actor: str, held: Mapping[UUID, HeldKey]) -> str:
    """The user id behind a stored actor pseudonym (`[erased]` once erased); an actor stored
    before pseudonyms existed is returned as it is."""
    try:
        ref = UUID(actor)
    except ValueError:
        return actor
    subject = held.get(ref)
    if subject is None:
        return actor
    return subject.user_id if subject.user_id is not None else ERASED
