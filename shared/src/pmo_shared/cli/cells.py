"""Reading one row of a history file, cell by cell: each reader returns the value or None and
notes a precise problem (row, column, what is wrong) instead of raising, so that one pass over
the file reports every problem at once.

The rules are project-svc's request rules, restated here because a client never imports a
service: text lengths (`Name` 200, `Prose` 10,000), business dates within
`BUSINESS_DATE_RANGE`, money at most its currency's ISO 4217 minor unit of decimals
(`pmo_shared.domain.values`), percentages 0..100 and probabilities 0..1 with 4 decimals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from pmo_shared.domain.errors import InvalidValueError
from pmo_shared.domain.values import (
    FIRST_BUSINESS_DATE,
    LAST_BUSINESS_DATE,
    check_amount,
    minor_unit,
)

NAME_MAX = 200
PROSE_MAX = 10_000
REASON_MAX = 2_000
AMOUNT_DIGITS = 19  # project-svc's `Amount`: 19 digits, 4 of them decimals at most
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0", ""})


@dataclass(frozen=True, slots=True, order=True)
class FileProblem:
    """What is wrong in one place of the file: spreadsheet row (the header is row 1), column
    (empty for a whole row) and a sentence."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(slots=True)
class Cells:
    """The cells of one row by column name, and the problems found reading them."""

    row: int
    values: Mapping[str, str]
    problems: list[FileProblem] = field(default_factory=list)

    def fail(self, column: str, message: str) -> None:
        """Note a problem in `column` of this row."""
        self.problems.append(FileProblem(self.row, column, message))

    def raw(self, column: str) -> str:
        """The cell as written, without surrounding whitespace ('' when absent)."""
        return (self.values.get(column) or "").strip()

    def text(self, column: str, *, required: bool = True, max_length: int = NAME_MAX) -> str:
        """A text cell: not blank when required, at most `max_length` characters, no NUL."""
        value = self.raw(column)
        if not value and required:
            self.fail(column, "is required and empty")
        elif len(value) > max_length:
            self.fail(column, f"has {len(value)} characters, at most {max_length} are allowed")
        elif "\x00" in value:
            self.fail(column, "contains a NUL character")
        return value

    def choice(self, column: str, allowed: tuple[str, ...]) -> str | None:
        """One of `allowed` (case-insensitive)."""
        value = self.raw(column).lower()
        if value not in allowed:
            shown = repr(self.raw(column)) if value else "empty"
            self.fail(column, f"is {shown}: expected one of {', '.join(allowed)}")
            return None
        return value

    def flag(self, column: str) -> bool:
        """A yes/no cell (true/false, yes/no, y/n, 1/0; empty is no)."""
        value = self.raw(column).lower()
        if value not in _TRUE | _FALSE:
            self.fail(column, f"is {self.raw(column)!r}: expected true or false (yes/no, 1/0)")
        return value in _TRUE

    def day(self, column: str, *, required: bool = True, today: date | None = None) -> date | None:
        """A date cell (YYYY-MM-DD) within the business date range, not after `today` when
        given (a fact that already happened)."""
        value = self.raw(column)
        if not value:
            if required:
                self.fail(column, "is required and empty (a date YYYY-MM-DD)")
            return None
        return self.day_of(column, value, today=today)

    def day_of(self, column: str, value: str, *, today: date | None = None) -> date | None:
        """`value` (a date written in `column`) as a business date, not after `today`."""
        parsed = parse_day(value)
        if isinstance(parsed, str):
            self.fail(column, parsed)
            return None
        if today is not None and parsed > today:
            self.fail(column, f"{parsed} is in the future (today is {today})")
            return None
        return parsed

    def currency(self, column: str) -> str | None:
        """An ISO 4217 code with a minor unit (EUR, JPY, BHD ...)."""
        value = self.raw(column)
        try:
            minor_unit(value)
        except InvalidValueError as exc:
            self.fail(column, f"{exc} (an ISO 4217 code such as EUR, USD, JPY)")
            return None
        return value

    def money(self, column: str, currency: str | None, *, required: bool = True) -> Decimal | None:
        """A positive amount of `currency` (its check skipped when the currency is invalid)."""
        value = self.raw(column)
        if not value:
            if required:
                self.fail(column, "is required and empty (an amount such as 250000.00)")
            return None
        return self.amount_in(column, value, currency)

    def amount_in(
        self, column: str, value: str, currency: str | None, *, positive: bool = True
    ) -> Decimal | None:
        """`value` as an amount of `currency`: positive (or not negative), its decimals at most
        the currency's minor unit."""
        amount = self.number(column, value)
        if amount is None:
            return None
        if amount < 0 or (positive and amount == 0):
            self.fail(column, f"{value} must be {'above' if positive else 'at least'} zero")
            return None
        if currency is None:
            return amount
        try:
            return check_amount(amount, currency, what="amount")
        except InvalidValueError as exc:
            self.fail(column, str(exc))
            return None

    def number(self, column: str, value: str) -> Decimal | None:
        """`value` as a plain decimal number of at most 19 digits."""
        if not _DECIMAL.match(value):
            self.fail(
                column,
                f"{value!r} is not a decimal number such as 1250000.50 (a point for decimals; "
                "no thousands separators, currency signs or exponents)",
            )
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            self.fail(column, f"{value!r} is not a decimal number")
            return None
        if len(number.as_tuple().digits) > AMOUNT_DIGITS:
            self.fail(column, f"{value} has more than {AMOUNT_DIGITS} digits")
            return None
        return number

    def share(self, column: str, value: str, *, upper: int) -> Decimal | None:
        """A number from 0 to `upper` with at most 4 decimals (a percentage, a probability)."""
        number = self.number(column, value)
        if number is None:
            return None
        exponent = number.as_tuple().exponent
        if not 0 <= number <= upper:
            self.fail(column, f"{value} is not between 0 and {upper}")
        elif isinstance(exponent, int) and exponent < -4:
            self.fail(column, f"{value} has more than 4 decimal places")
        else:
            return number
        return None


def parse_day(value: str) -> date | str:
    """`value` as a business date, or the sentence saying why it is not one."""
    if not _DATE.match(value):
        return f"{value!r} is not a date written YYYY-MM-DD"
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a date of the calendar"
    if not FIRST_BUSINESS_DATE <= parsed <= LAST_BUSINESS_DATE:
        return f"{value} is outside {FIRST_BUSINESS_DATE}..{LAST_BUSINESS_DATE}"
    return parsed
