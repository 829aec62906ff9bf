"""Base of every request body: unknown members are an error, and no text may hold a NUL
(PostgreSQL text and jsonb cannot store it, so it would otherwise surface as a 500) nor another
control character but tab, line feed and carriage return (they only hide or garble text in every
report, log and terminal that shows it).

The text a request requires (what names something, who, and why) may not be blank either:
`Name`, `UserRef` and `Prose` refuse a value without a visible character (422). They are the
requests' own types: the events keep `pmo_shared.domain.values`' looser ones, so every event
already stored still reads.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from pmo_shared.privacy.fields import ERASED

NUL_FREE = r"^[^\x00]*$"

QueryText = Annotated[str, Field(max_length=200, pattern=NUL_FREE)]
"""A free-text query parameter."""

VISIBLE = r"\S"
"""What a required text must contain: one character that is not whitespace."""


def not_blank(value: str) -> str:
    """The value, unless it is empty or only whitespace (then a validation error)."""
    if not value.strip():
        raise ValueError("must not be blank or only whitespace")
    return value


def _required_text(max_length: int) -> Any:
    return Field(min_length=1, max_length=max_length, json_schema_extra={"pattern": VISIBLE})


Name = Annotated[str, _required_text(200), AfterValidator(not_blank)]
"""A required short text that names something: a name, a title, a category, a kind, a role."""


def not_erased(value: str) -> str:
    """The user id, unless it is what an erased person reads as (a validation error)."""
    if value.strip() == ERASED:
        raise ValueError(f"{ERASED} is what an erased person reads as, not a user id")
    return value


UserRef = Annotated[str, _required_text(200), AfterValidator(not_blank), AfterValidator(not_erased)]
"""A required user id: a manager, a sponsor, an owner, a lead, a member of staff."""
Prose = Annotated[str, _required_text(10_000), AfterValidator(not_blank)]
"""A required longer text: a reason, a resolution, a summary."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""NUL and the other C0 control characters but tab, line feed and carriage return; DEL."""


def _has_control(value: Any) -> bool:
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(_has_control(k) or _has_control(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_control(v) for v in value)
    return False


class RequestBody(BaseModel):
    """A command or create body."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_control(value):
            raise ValueError(
                "text must not contain NUL or other control characters "
                "(tab, line feed and carriage return excepted)"
            )
        return value
