"""If-Match: the pattern the OpenAPI declares is exactly what the server accepts (a value it
rejects is a 400, never a 422)."""

from __future__ import annotations

import re

import pytest

from pmo_shared.web.commands import IF_MATCH_PATTERN, get_if_match
from pmo_shared.web.problems import Problem

ACCEPTED = ['"3"', 'W/"3"', "*", ' "42" ', '"123456789"']
REJECTED = ["3", "abc", '"3', '"-1"', '"1234567890"', 'w/"3"', '"3", "4"', ""]


@pytest.mark.parametrize("value", ACCEPTED)
async def test_what_the_pattern_allows_is_accepted(value: str) -> None:
    assert re.match(IF_MATCH_PATTERN, value)
    await get_if_match(value)


@pytest.mark.parametrize("value", REJECTED)
async def test_what_the_pattern_refuses_is_a_400(value: str) -> None:
    assert not re.match(IF_MATCH_PATTERN, value)
    with pytest.raises(Problem) as refused:
        await get_if_match(value)
    assert refused.value.status == 400
