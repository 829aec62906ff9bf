"""The cryptography of personal data: a master key that wraps one data key per data subject,
AES-GCM for every value, and a keyed hash that finds a person's subject without storing their
user id.

- A *data key* (256-bit AES-GCM) belongs to one data subject (a person, within one tenant).
  Every personal value of that person is sealed with it; destroying it makes every copy of
  those values unreadable (crypto-shredding).
- The *master key* (256 bits, from a secret, never stored, never logged) wraps the data keys
  kept in the service's database and derives the lookup key. Without it the key store is
  useless; with it, only what the key store still holds can be read.
- The *lookup* of a user id is HMAC-SHA256 under a key derived from the master key: the key
  store finds a person's subject by it, and a dump of the database shows no user id. Once the
  person is erased, their row loses the lookup, so nothing links the user id to the pseudonym.

Every ciphertext is bound (as AES-GCM associated data) to its tenant, subject and key, so a
value copied to another person's field or another tenant does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
_NONCE_BYTES = 12


class MasterKeyError(ValueError):
    """The master key setting is missing or not 32 bytes of base64."""


class UnreadableError(ValueError):
    """A ciphertext does not decrypt with the key it names (tampered, or another key)."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(master)


class MasterKey:
    """The key that wraps every data key of a service, from its base64 text (a secret)."""

    __slots__ = ("_lookup", "_wrap", "key_id")

    def __init__(self, encoded: str) -> None:
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise MasterKeyError("the personal-data master key is not base64") from None
        if len(raw) != KEY_BYTES:
            raise MasterKeyError(
                f"the personal-data master key must be {KEY_BYTES} bytes (got {len(raw)}): "
                "make one with `openssl rand -base64 32`"
            )
        self._wrap = AESGCM(_derive(raw, b"pmo personal data: wrap data keys"))
        self._lookup = _derive(raw, b"pmo personal data: subject lookup")
        self.key_id = _derive(raw, b"pmo personal data: key id")[:8].hex()
        """A fingerprint of the master key, stored beside what it wrapped (not secret)."""

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self.key_id!r})"  # never the key

    def lookup(self, tenant_id: str, user_id: str) -> bytes:
        """The keyed hash by which the key store finds a person of a tenant."""
        message = f"{tenant_id}\x00{user_id}".encode()
        return hmac.new(self._lookup, message, hashlib.sha256).digest()

    def wrap(self, data_key: bytes, *, tenant_id: str, subject_ref: UUID, key_id: UUID) -> bytes:
        """A data key encrypted for storage."""
        nonce = os.urandom(_NONCE_BYTES)
        aad = _context(b"key", tenant_id, subject_ref, key_id)
        return nonce + self._wrap.encrypt(nonce, data_key, aad)

    def unwrap(self, wrapped: bytes, *, tenant_id: str, subject_ref: UUID, key_id: UUID) -> bytes:
        """The data key from its stored form; `UnreadableError` under another master key."""
        aad = _context(b"key", tenant_id, subject_ref, key_id)
        try:
            return self._wrap.decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], aad)
        except InvalidTag:
            raise UnreadableError("a data key does not unwrap with this master key") from None


@lru_cache(maxsize=4096)
def _cipher(data_key: bytes) -> AESGCM:
    """The AES-GCM cipher of a data key (made once per key: appends seal with few keys)."""
    return AESGCM(data_key)


def new_data_key() -> bytes:
    """A fresh random data key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(value: str, data_key: bytes, *, tenant_id: str, subject_ref: UUID, key_id: UUID) -> str:
    """A personal value encrypted with its subject's data key (base64url of nonce + AES-GCM)."""
    nonce = os.urandom(_NONCE_BYTES)
    aad = _context(b"value", tenant_id, subject_ref, key_id)
    sealed = nonce + _cipher(data_key).encrypt(nonce, value.encode(), aad)
    return base64.urlsafe_b64encode(sealed).decode()


def unseal(
    ciphertext: str, data_key: bytes, *, tenant_id: str, subject_ref: UUID, key_id: UUID
) -> str:
    """The personal value back; `UnreadableError` if it was not sealed so."""
    try:
        raw = base64.urlsafe_b64decode(ciphertext)
        aad = _context(b"value", tenant_id, subject_ref, key_id)
        return _cipher(data_key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad).decode()
    except (InvalidTag, binascii.Error, ValueError):
        raise UnreadableError(f"a value of subject {subject_ref} does not decrypt") from None


def _context(kind: bytes, tenant_id: str, subject_ref: UUID, key_id: UUID) -> bytes:
    return b"\x00".join((b"pmo", kind, tenant_id.encode(), subject_ref.bytes, key_id.bytes))
