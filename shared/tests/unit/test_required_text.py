"""The requests' required text types refuse a blank value; the events' types do not change."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pmo_shared.domain.values import Text, UserId
from pmo_shared.web.requests import Name, Prose, RequestBody, UserRef


class Body(RequestBody):
    name: Name
    who: UserRef
    why: Prose


class Stored(RequestBody):
    name: Text
    who: UserId


VALID = {"name": "Payroll upgrade", "who": "pm-ann", "why": "waiting for the vendor"}


@pytest.mark.parametrize("field", ["name", "who", "why"])
@pytest.mark.parametrize("blank", ["", " ", "   ", "\t\n", "\u00a0\u2003"])
def test_a_blank_required_text_is_refused(field: str, blank: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({**VALID, field: blank})

    assert [e["loc"] for e in refused.value.errors()] == [(field,)]


def test_text_with_a_visible_character_is_kept_as_sent() -> None:
    body = Body.model_validate({**VALID, "name": "  Payroll  "})

    assert body.name == "  Payroll  "


def test_the_schema_says_a_visible_character_is_needed() -> None:
    properties = Body.model_json_schema()["properties"]

    assert {name: p["pattern"] for name, p in properties.items()} == {
        "name": r"\S",
        "who": r"\S",
        "why": r"\S",
    }


def test_the_event_types_still_accept_what_was_stored() -> None:
    # Stored events were validated by these: a whitespace name recorded before still reads.
    assert Stored.model_validate({"name": " ", "who": " "}).name == " "
