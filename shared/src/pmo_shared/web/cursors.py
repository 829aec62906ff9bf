"""Opaque pagination cursors: what is inside is the API's business, not the client's."""

from __future__ import annotations

import base64

from pmo_shared.web.problems import Problem


def encode_cursor(value: str) -> str:
    """An opaque cursor carrying `value`."""
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The value inside a cursor this API returned (None for no cursor); 400 for anything else."""
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:  # not base64, not ASCII, or not UTF-8 inside
        raise bad_cursor() from None


def bad_cursor() -> Problem:
    """The problem for a cursor the API did not issue."""
    return Problem(400, slug="bad-cursor", detail="cursor is not one this API returned")
