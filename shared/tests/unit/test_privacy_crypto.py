"""The cryptography of personal data (pmo_shared.privacy.crypto): the master key setting, the
wrapping of data keys, sealing of values and the keyed lookup. Every ciphertext is bound to its
tenant, subject and key, so none opens anywhere else."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from pmo_shared.privacy import crypto
from pmo_shared.privacy.crypto import MasterKey, MasterKeyError, UnreadableError


def _encoded(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


MASTER_TEXT = _encoded(bytes(range(32)))
MASTER = MasterKey(MASTER_TEXT)
OTHER_MASTER = MasterKey(_encoded(bytes(range(1, 33))))

tenants = st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t)
values = st.text(min_size=1, max_size=200)
uuids = st.uuids()


# --- the master key setting -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["not base64 at all!", "abc", "====", "AAAA*AAA"])
def test_a_master_key_that_is_not_base64_is_refused_clearly(text: str) -> None:
    with pytest.raises(MasterKeyError, match="not base64") as refused:
        MasterKey(text)
    assert text not in str(refused.value)


@pytest.mark.parametrize("length", [0, 1, 16, 31, 33, 64])
def test_a_master_key_of_the_wrong_length_is_refused_with_what_to_do(length: int) -> None:
    encoded = _encoded(os.urandom(length))
    with pytest.raises(MasterKeyError, match=rf"must be 32 bytes \(got {length}\)") as refused:
        MasterKey(encoded)
    assert "openssl rand -base64 32" in str(refused.value)
    if encoded:
        assert encoded not in str(refused.value)


def test_a_master_key_with_surrounding_whitespace_is_accepted() -> None:
    assert MasterKey(f"  {MASTER_TEXT}\n").key_id == MASTER.key_id


def test_the_repr_of_a_master_key_never_shows_the_key() -> None:
    raw = bytes(range(32))
    shown = repr(MASTER) + str(MASTER)
    assert MASTER_TEXT not in shown
    assert raw.hex() not in shown
    assert MASTER.key_id in shown


def test_the_key_id_is_a_stable_fingerprint_of_the_master_key() -> None:
    assert MasterKey(MASTER_TEXT).key_id == MASTER.key_id
    assert OTHER_MASTER.key_id != MASTER.key_id
    assert len(MASTER.key_id) == 16
    assert MASTER.key_id not in MASTER_TEXT


# --- wrapping data keys -----------------------------------------------------------------------


def test_a_wrapped_data_key_unwraps_to_itself() -> None:
    data_key, ref, key_id = crypto.new_data_key(), uuid.uuid4(), uuid.uuid4()
    wrapped = MASTER.wrap(data_key, tenant_id="t1", subject_ref=ref, key_id=key_id)
    assert data_key not in wrapped
    assert MASTER.unwrap(wrapped, tenant_id="t1", subject_ref=ref, key_id=key_id) == data_key


def test_data_keys_are_fresh_and_256_bits() -> None:
    keys = {crypto.new_data_key() for _ in range(50)}
    assert len(keys) == 50
    assert {len(k) for k in keys} == {32}


def test_a_data_key_does_not_unwrap_under_another_master_key() -> None:
    data_key, ref, key_id = crypto.new_data_key(), uuid.uuid4(), uuid.uuid4()
    wrapped = MASTER.wrap(data_key, tenant_id="t1", subject_ref=ref, key_id=key_id)
    with pytest.raises(UnreadableError, match="master key"):
        OTHER_MASTER.unwrap(wrapped, tenant_id="t1", subject_ref=ref, key_id=key_id)


@pytest.mark.parametrize("moved", ["tenant", "subject", "key"])
def test_a_wrapped_data_key_is_bound_to_its_tenant_subject_and_key(moved: str) -> None:
    data_key, ref, key_id = crypto.new_data_key(), uuid.uuid4(), uuid.uuid4()
    wrapped = MASTER.wrap(data_key, tenant_id="t1", subject_ref=ref, key_id=key_id)
    context = {"tenant_id": "t1", "subject_ref": ref, "key_id": key_id}
    context |= {
        "tenant": {"tenant_id": "t2"},
        "subject": {"subject_ref": uuid.uuid4()},
        "key": {"key_id": uuid.uuid4()},
    }[moved]
    with pytest.raises(UnreadableError):
        MASTER.unwrap(wrapped, **context)  # type: ignore[arg-type]


# --- sealing values ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@for_all(value=values, tenant=tenants, ref=uuids, key_id=uuids)
def test_a_sealed_value_unseals_to_itself(
    value: str, tenant: str, ref: uuid.UUID, key_id: uuid.UUID
) -> None:
    data_key = crypto.new_data_key()
    sealed = crypto.seal(value, data_key, tenant_id=tenant, subject_ref=ref, key_id=key_id)
    base64.urlsafe_b64decode(sealed)  # text that travels in JSON as it is
    assert crypto.unseal(sealed, data_key, tenant_id=tenant, subject_ref=ref, key_id=key_id) == (
        value
    )


def test_sealing_the_same_value_twice_gives_different_ciphertexts() -> None:
    data_key, ref, key_id = crypto.new_data_key(), uuid.uuid4(), uuid.uuid4()
    first = crypto.seal("alice", data_key, tenant_id="t1", subject_ref=ref, key_id=key_id)
    second = crypto.seal("alice", data_key, tenant_id="t1", subject_ref=ref, key_id=key_id)
    assert first != second


@settings(max_examples=100, deadline=None)
@for_all(value=values, at=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_a_tampered_ciphertext_is_unreadable(value: str, at: int, flip: int) -> None:
    data_key, ref, key_id = crypto.new_data_key(), uuid.uuid4(), uuid.uuid4()
    raw = bytearray(
        base64.urlsafe_b64decode(
            crypto.seal(value, data_key, tenant_id="t1", subject_ref=ref, key_id=key_id)
        )
    )
    raw[at % len(raw)] ^= flip
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(UnreadableError, match=str(ref)):
        crypto.unseal(tampered, data_key, tenant_id="t1", subject_ref=ref, key_id=key_id)


@pytest.mark.parametrize("garbage", ["", "!!!not base64!!!", "AAAA", "a" * 7])
def test_garbage_instead_of_a_ciphertext_is_unreadable(garbage: str) -> None:
    with pytest.raises(UnreadableError):
        crypto.unseal(
            garbage,
            crypto.new_data_key(),
            tenant_id="t1",
            subject_ref=uuid.uuid4(),
            key_id=uuid.uuid4(),
        )


@pytest.mark.parametrize("moved", ["tenant", "subject", "key", "data key"])
def test_a_ciphertext_moved_elsewhere_does_not_open(moved: str) -> None:
    """Even under the same data key, a value copied to another person's field, another tenant
    or another key id stays shut (the context is AES-GCM associated data)."""
    data_key, ref, key_id = crypto.new_data_key(), uuid.uuid4(), uuid.uuid4()
    sealed = crypto.seal("alice", data_key, tenant_id="t1", subject_ref=ref, key_id=key_id)
    context = {"tenant_id": "t1", "subject_ref": ref, "key_id": key_id}
    key = data_key
    if moved == "tenant":
        context["tenant_id"] = "t2"
    elif moved == "subject":
        context["subject_ref"] = uuid.uuid4()
    elif moved == "key":
        context["key_id"] = uuid.uuid4()
    else:
        key = crypto.new_data_key()
    with pytest.raises(UnreadableError):
        crypto.unseal(sealed, key, **context)  # type: ignore[arg-type]


# --- the lookup -------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@for_all(tenant=tenants, user=values)
def test_the_lookup_is_deterministic_per_tenant_and_user(tenant: str, user: str) -> None:
    first = MASTER.lookup(tenant, user)
    assert first == MasterKey(MASTER_TEXT).lookup(tenant, user)
    assert len(first) == 32


@settings(max_examples=100, deadline=None)
@for_all(user=values, tenants=st.lists(tenants, min_size=2, max_size=2, unique=True))
def test_the_lookup_differs_across_tenants(user: str, tenants: list[str]) -> None:
    assert MASTER.lookup(tenants[0], user) != MASTER.lookup(tenants[1], user)


def test_the_lookup_differs_across_users_and_master_keys() -> None:
    assert MASTER.lookup("t1", "alice") != MASTER.lookup("t1", "bob")
    assert MASTER.lookup("t1", "alice") != OTHER_MASTER.lookup("t1", "alice")
