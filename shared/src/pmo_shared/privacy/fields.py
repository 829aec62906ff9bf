"""Which fields of an event are personal data, and their sealed form in stored payloads.

An event schema marks a field that names a person with `PersonalUserId` (a user id annotated
`Personal()`). In memory the field holds the user id; in the store, in the outbox and on Kafka
it holds a *sealed value*: the user id encrypted with its subject's data key, with the subject's
pseudonym and the key id beside it, never the user id itself:

    {"subject_ref": "<uuid>", "key_id": "<uuid>", "ciphertext": "<base64url>"}

Once the subject is erased its key is gone, and every read shows the field as `"[erased]"`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Final, Union
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

ERASED: Final = "[erased]"
"""What a personal field reads as once its subject was erased."""

SEALED_KEYS: Final = frozenset({"subject_ref", "key_id", "ciphertext"})

Path = tuple[str, ...]
"""Where a personal value sits in a payload: field names, `*` for every item of a list."""


class SealedValue(BaseModel):
    """A personal value as stored and published: encrypted, beside its pseudonym and key."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="SealedPersonalValue")

    subject_ref: UUID = Field(
        description="the data subject's pseudonym in the producing service (not the user id)"
    )
    key_id: UUID = Field(description="the data key that sealed the value")
    ciphertext: str = Field(
        min_length=1,
        max_length=2000,
        description="base64url of a 12-byte nonce and the AES-256-GCM ciphertext and tag",
    )


SEALED_VALUE_SCHEMA: Final[dict[str, Any]] = {
    **SealedValue.model_json_schema(),
    "description": (
        "Personal data, sealed: the value (a user id) encrypted with its data subject's key, "
        "which erasure destroys. Read it through the producing service's key service; once "
        'the subject is erased it reads "[erased]".'
    ),
    "x-personal-data": True,
}


@dataclass(frozen=True, slots=True)
class Personal:
    """Marks a field (a user id) as personal data of the person it names."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Event schemas describe the stored and published form: the sealed value."""
        del core_schema, handler
        return dict(SEALED_VALUE_SCHEMA)


PersonalUserId = Annotated[str, Field(min_length=1, max_length=200), Personal()]
"""A user id that is personal data: sealed at append, read back as it was or `[erased]`."""


def is_sealed(value: object) -> bool:
    """Whether a JSON value is a sealed personal value."""
    return isinstance(value, dict) and value.keys() == SEALED_KEYS


@cache
def personal_paths(model: type[BaseModel]) -> tuple[Path, ...]:
    """Every path of a model (and its nested models) that holds a `Personal` field, also where
    the field is optional or listed (`PersonalUserId | None`, `list[PersonalUserId]`)."""
    found: list[Path] = []
    for name, info in model.model_fields.items():
        key = name  # events are stored as `model_dump` writes them: by field name
        if any(isinstance(m, Personal) for m in info.metadata):
            _check_text(model, name, info.annotation)
            found.append((key,))
            continue
        found.extend((key, *path) for path in _paths_in(model, name, info.annotation))
    return tuple(dict.fromkeys(found))


def _paths_in(model: type[BaseModel], name: str, annotation: Any) -> Iterator[Path]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = typing.get_args(annotation)
        if any(isinstance(m, Personal) for m in metadata):
            _check_text(model, name, inner)
            yield ()
        else:
            yield from _paths_in(model, name, inner)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from personal_paths(annotation)
    elif origin in (Union, types.UnionType):
        for arm in typing.get_args(annotation):
            yield from _paths_in(model, name, arm)
    elif origin in (list, tuple, frozenset, set):
        for arm in typing.get_args(annotation):
            if arm is not Ellipsis:
                yield from (("*", *path) for path in _paths_in(model, name, arm))
    elif origin is dict and any(
        True for _ in _paths_in(model, name, typing.get_args(annotation)[1])
    ):
        raise TypeError(f"{model.__name__}.{name}: personal data in a mapping is not sealed")


def _check_text(model: type[BaseModel], name: str, annotation: Any) -> None:
    union = typing.get_origin(annotation) in (Union, types.UnionType)
    arms = typing.get_args(annotation) if union else (annotation,)
    if not set(arms) <= {str, type(None)}:
        raise TypeError(f"{model.__name__}.{name}: only a text field can be personal data")


def values_at(payload: Any, path: Path) -> Iterator[str]:
    """The text values a path points at in a JSON payload (none where it is absent or null)."""
    if not path:
        if isinstance(payload, str):
            yield payload
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(payload, list):
            for item in payload:
                yield from values_at(item, rest)
    elif isinstance(payload, dict) and head in payload:
        yield from values_at(payload[head], rest)


def replace_at(payload: Any, path: Path, change: Callable[[str], Any]) -> Any:
    """A copy of the payload with each text value at the path changed (the rest shared)."""
    if not path:
        return change(payload) if isinstance(payload, str) else payload
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(payload, list):
            return [replace_at(item, rest, change) for item in payload]
        return payload
    if isinstance(payload, dict) and head in payload:
        return {**payload, head: replace_at(payload[head], rest, change)}
    return payload


def sealed_refs(payload: Any) -> Iterator[UUID]:
    """The subject of every sealed value anywhere in a JSON payload."""
    if is_sealed(payload):
        yield UUID(payload["subject_ref"])
    elif isinstance(payload, dict):
        for value in payload.values():
            yield from sealed_refs(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from sealed_refs(item)


def open_sealed(payload: Any, reveal: Callable[[SealedValue], str]) -> Any:
    """A copy of a JSON payload with every sealed value replaced by what `reveal` makes of it
    (the value, or `[erased]`); a payload without sealed values comes back as it is."""
    if is_sealed(payload):
        return reveal(SealedValue.model_validate(payload))
    if isinstance(payload, dict):
        return {k: open_sealed(v, reveal) for k, v in payload.items()}
    if isinstance(payload, list):
        return [open_sealed(item, reveal) for item in payload]
    return payload
