"""Opaque pagination cursors: what is inside is the API's business, not the client's."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

from fastapi import Response
from pydantic import BaseModel

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


MAX_CURSOR_NUMBER = 2**63 - 1
"""The largest number a cursor may carry: a PostgreSQL bigint."""
_DIGITS = re.compile(r"[0-9]{1,19}")


def encode_cursor_number(prefix: str, number: int) -> str:
    """An opaque cursor carrying `number` (a position or an offset) under a `prefix`."""
    return encode_cursor(f"{prefix}:{number}")


def decode_cursor_number(cursor: str | None, prefix: str) -> int | None:
    """The number inside a cursor `encode_cursor_number(prefix, n)` returned (None for no
    cursor); 400 `bad-cursor` for another prefix, anything but ASCII digits, or a number that
    does not fit a bigint."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    head, _, digits = value.partition(":")
    if head != prefix or not _DIGITS.fullmatch(digits):
        raise bad_cursor()
    number = int(digits)
    if number > MAX_CURSOR_NUMBER:
        raise bad_cursor()
    return number


def bad_cursor() -> Problem:
    """The problem for a cursor the API did not issue."""
    return Problem(400, slug="bad-cursor", detail="cursor is not one this API returned")


def page_response(
    page: type[BaseModel], items: Sequence[object], next_cursor: str | None
) -> Response:
    """A page of a list as its answer: `page` (a model of `items` and `next_cursor`) made from
    the rows (their attributes) in one validation and written as JSON once, as FastAPI writes
    the route's `response_model` (declare it there, for the docs) -- without validating each
    item apart first, then the page again."""
    body = page.model_validate(
        {"items": items, "next_cursor": next_cursor}, from_attributes=True
    ).model_dump_json()
    return Response(content=body, media_type="application/json")
