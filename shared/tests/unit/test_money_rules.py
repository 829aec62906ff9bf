"""Money rules of the kernel: each currency's ISO 4217 minor unit on input, one canonical string
with exactly that exponent on output."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_shared.domain.errors import InvalidValueError
from pmo_shared.domain.values import (
    AmountPrecisionError,
    canonical,
    check_amount,
    minor_unit,
    money_quantum,
    round_money,
)

D = Decimal


@pytest.mark.parametrize(("currency", "exponent"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("BHD", 3)])
def test_the_minor_unit_is_iso_4217s(currency: str, exponent: int) -> None:
    assert minor_unit(currency) == exponent


@pytest.mark.parametrize("code", ["XYZ", "EURO", "eur", ""])
def test_an_unknown_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidValueError, match="not an ISO 4217 currency code"):
        minor_unit(code)


def test_a_code_without_a_minor_unit_is_refused() -> None:
    # Gold, the SDR: ISO 4217 codes, but no currency an amount is kept in.
    for code in ("XAU", "XDR"):
        with pytest.raises(InvalidValueError, match="has no ISO 4217 minor unit"):
            minor_unit(code)


@pytest.mark.parametrize(
    ("amount", "currency", "kept"),
    [
        ("2500000", "EUR", "2500000.00"),
        ("12.5", "EUR", "12.50"),
        ("0.01", "EUR", "0.01"),
        ("2500000.0000", "EUR", "2500000.00"),  # trailing zeros do not count
        ("100.00", "JPY", "100"),
        ("1.25", "BHD", "1.250"),
        ("0.001", "BHD", "0.001"),
    ],
)
def test_an_amount_within_the_minor_unit_is_kept_at_exactly_that_exponent(
    amount: str, currency: str, kept: str
) -> None:
    checked = check_amount(D(amount), currency)
    assert checked == D(amount)
    assert str(checked) == kept


@pytest.mark.parametrize(
    ("amount", "currency", "places", "exponent"),
    [("0.001", "EUR", 3, 2), ("0.5", "JPY", 1, 0), ("1.0001", "BHD", 4, 3)],
)
def test_more_decimals_than_the_minor_unit_are_refused_naming_currency_and_exponent(
    amount: str, currency: str, places: int, exponent: int
) -> None:
    with pytest.raises(AmountPrecisionError) as refused:
        check_amount(D(amount), currency, what="cost amount")
    error = refused.value
    assert isinstance(error, InvalidValueError)
    assert error.status == 422
    assert str(error).startswith(f"cost amount {amount} has {places} decimal place")
    assert f"{currency} amounts have at most {exponent}" in str(error)
    assert error.problem_extra() == {"currency": currency, "minor_unit": exponent}


def test_an_amount_in_an_unknown_currency_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="not an ISO 4217 currency code"):
        check_amount(D(1), "XYZ")


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("2500000", "EUR", "2500000.00"),
        ("2500000.0000", "EUR", "2500000.00"),
        ("2500000.00", "EUR", "2500000.00"),
        ("2500000", "JPY", "2500000"),
        ("2500000.0000", "JPY", "2500000"),
        ("1.25", "BHD", "1.250"),
        ("1E+3", "EUR", "1000.00"),  # plain notation, never an exponent
        ("-12.3", "EUR", "-12.30"),
    ],
)
def test_the_canonical_string_has_exactly_the_currencys_exponent(
    amount: str, currency: str, shown: str
) -> None:
    assert canonical(D(amount), currency) == shown


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("2.345", "EUR", "2.34"),  # half-even: to the even digit
        ("2.355", "EUR", "2.36"),
        ("0.0050", "EUR", "0.00"),
        ("0.0150", "EUR", "0.02"),
        ("1234.5", "JPY", "1234"),
        ("1235.5", "JPY", "1236"),
        ("1.2345", "BHD", "1.234"),
        ("-0.004", "EUR", "0.00"),  # never "-0.00"
    ],
)
def test_a_stored_amount_with_more_decimals_is_shown_rounded_half_even(
    amount: str, currency: str, shown: str
) -> None:
    assert canonical(D(amount), currency) == shown
    assert round_money(D(amount), currency) == D(shown)


def test_a_code_iso_4217_no_longer_lists_is_shown_with_the_stored_four_decimals() -> None:
    # A project recorded in a currency since withdrawn still reads, losing nothing.
    assert money_quantum("XYZ") == D("0.0001")
    assert canonical(D("1.23456"), "XYZ") == "1.2346"
    assert money_quantum("EUR") == D("0.01")
    assert money_quantum("JPY") == D(1)
