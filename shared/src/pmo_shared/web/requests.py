"""Base of every request body: unknown members are an error, and no text may hold a NUL
(PostgreSQL text and jsonb cannot store it, so it would otherwise surface as a 500)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

NUL_FREE = r"^[^\x00]*$"

QueryText = Annotated[str, Field(max_length=200, pattern=NUL_FREE)]
"""A free-text query parameter."""


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class RequestBody(BaseModel):
    """A command or create body."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("text must not contain NUL characters")
        return value
