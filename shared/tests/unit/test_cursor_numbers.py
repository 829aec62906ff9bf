"""Cursors carrying a number: what the API issued comes back; anything else, a number no
PostgreSQL bigint holds or a negative one included, is a 400 `bad-cursor` (never a 500)."""

from __future__ import annotations

import base64

import pytest

from pmo_shared.web.cursors import MAX_CURSOR_NUMBER, decode_cursor_number, encode_cursor_number
from pmo_shared.web.problems import Problem


@pytest.mark.parametrize("number", [0, 1, 50, MAX_CURSOR_NUMBER])
def test_an_issued_cursor_comes_back(number: int) -> None:
    assert decode_cursor_number(encode_cursor_number("p", number), "p") == number


def test_no_cursor_is_none() -> None:
    assert decode_cursor_number(None, "p") is None


@pytest.mark.parametrize(
    "value",
    [
        "p:99999999999999999999",
        f"p:{MAX_CURSOR_NUMBER + 1}",
        "p:-1",
        "p:",
        "p:1.5",
        "p:²",  # a digit to str.isdigit, not to int()
        "p:٣",
        "o:5",
        "p5",
        "p: 5",
    ],
)
def test_anything_else_is_a_bad_cursor(value: str) -> None:
    cursor = base64.urlsafe_b64encode(value.encode()).decode()
    with pytest.raises(Problem) as refused:
        decode_cursor_number(cursor, "p")
    assert refused.value.status == 400
    assert refused.value.type.endswith("/bad-cursor")
