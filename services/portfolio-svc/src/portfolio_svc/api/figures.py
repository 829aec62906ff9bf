"""How a figure that is not money reads in a response: an exact decimal string in fixed-point
notation without trailing zeros ("0.75", "1.25", "800", never "1.25000000" nor "1E-7"), so a
product of a weight of 6 places and a score of 2 reads as the number it is."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

Figure = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+(\.[0-9]*[1-9])?$",
        description="an exact decimal, fixed-point, without trailing zeros",
        examples=["0.75"],
    ),
]


def plain(number: Decimal) -> str:
    """The figure as a `Figure` string."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def plains(numbers: dict[str, Decimal]) -> dict[str, str]:
    """Each figure of a mapping as a `Figure` string."""
    return {key: plain(value) for key, value in numbers.items()}
