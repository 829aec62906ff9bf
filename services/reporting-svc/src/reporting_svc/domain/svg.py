"""What the SVG documents of the reports share: their font, escaped text, numbers and amounts
as tick labels."""

from __future__ import annotations

import re
from decimal import Decimal
from xml.sax.saxutils import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
# Characters XML 1.0 forbids even escaped, plus lone surrogates that cannot be encoded.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    """`value` safe as XML text or a double-quoted attribute."""
    return escape(_NOT_XML.sub("", value), {'"': "&quot;"})


def number(value: Decimal | int) -> str:
    """A coordinate or length, to a tenth of a pixel."""
    return f"{Decimal(value).quantize(Decimal('0.1')):f}"


def compact(amount: Decimal) -> str:
    """An amount as a tick label: 2.5M, 750k, 40."""
    for unit, suffix in ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(1000), "k")):
        if abs(amount) >= unit:
            return f"{(amount / unit).normalize():f}{suffix}"
    return f"{amount.normalize():f}"
