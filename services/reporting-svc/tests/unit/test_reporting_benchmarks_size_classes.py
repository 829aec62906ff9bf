"""The size class of a project and the evaluation settings, as `application.standards` tells
them: the bands of the standards in force for the project's currency (upper bounds inclusive),
else the defaults (S up to 250,000, M up to 1,000,000, L above, in any currency); minimum
sizes and the fiscal year's first month from the set, else 5, 5 and January. A stored set is
read tolerantly: a setting it lacks takes the default."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from reporting_svc.application.standards import (
    DEFAULT_SIZE_CLASSES,
    evaluation_settings,
    size_bands_of,
    size_class_of,
)
from reporting_svc.readmodel.evaluation_queries import (
    EvaluationStandards,
    KnownEvaluationStandards,
    SizeBand,
    evaluation_standards,
)

D = Decimal
ON = date.fromisoformat
EUR_BANDS = (SizeBand("small", D("100000")), SizeBand("medium", D("500000")), SizeBand("big", None))
SET = EvaluationStandards(
    version=3,
    effective_on=ON("2026-02-01"),
    size_classes={"EUR": EUR_BANDS},
    benchmark_min_group=3,
    reference_class_min=8,
    fiscal_year_start_month=4,
)


@pytest.mark.parametrize(
    ("bac", "currency", "expected"),
    [
        ("0", "EUR", "small"),
        ("100000", "EUR", "small"),  # up to, inclusive
        ("100000.01", "EUR", "medium"),
        ("500000", "EUR", "medium"),
        ("500000.01", "EUR", "big"),
        ("250000", "USD", "S"),  # no bands for USD: the defaults
        ("250001", "USD", "M"),
        ("1000000", "JPY", "M"),
        ("1000001", "JPY", "L"),
    ],
)
def test_the_size_class_by_the_bands_in_force(bac: str, currency: str, expected: str) -> None:
    assert size_class_of(D(bac), currency, SET) == expected


def test_without_standards_the_defaults() -> None:
    assert [(b.name, b.up_to) for b in DEFAULT_SIZE_CLASSES] == [
        ("S", D(250000)),
        ("M", D(1000000)),
        ("L", None),
    ]
    assert size_bands_of("EUR", None) == DEFAULT_SIZE_CLASSES
    assert [size_class_of(D(x), "EUR", None) for x in ("250000", "250000.01", "9" * 20)] == [
        "S",
        "M",
        "L",
    ]


def test_above_a_bounded_last_band_is_the_last_band() -> None:
    bounded = EvaluationStandards(1, ON("2026-01-01"), {"EUR": (SizeBand("only", D(10)),)})
    assert size_class_of(D(11), "EUR", bounded) == "only"


def test_the_settings_of_the_set_else_the_defaults() -> None:
    applied = evaluation_settings(SET)
    assert (applied.benchmark_min_group, applied.reference_class_min) == (3, 8)
    assert (applied.fiscal_year_start_month, applied.source) == (4, "pmo-standards")
    assert (applied.effective_on, applied.version) == (ON("2026-02-01"), 3)
    default = evaluation_settings(None)
    assert (default.benchmark_min_group, default.reference_class_min) == (5, 5)
    assert (default.fiscal_year_start_month, default.source, default.version) == (
        1,
        "defaults",
        None,
    )


def test_a_stored_set_is_read_tolerantly() -> None:
    full = SimpleNamespace(
        version=2,
        effective_on=ON("2026-03-01"),
        standards={
            "size_classes": {"EUR": [{"name": "S", "up_to": "100000.00"}, {"name": "L"}]},
            "benchmark_min_group": 4,
            "reference_class_min": 6,
            "fiscal_year_start_month": 7,
            "time_zone": "UTC",
        },
    )
    read = evaluation_standards(full)
    assert read.size_classes == {"EUR": (SizeBand("S", D("100000.00")), SizeBand("L", None))}
    assert (read.benchmark_min_group, read.reference_class_min, read.fiscal_year_start_month) == (
        4,
        6,
        7,
    )
    older = SimpleNamespace(version=1, effective_on=ON("2026-01-01"), standards={"spi": {}})
    assert evaluation_standards(older) == EvaluationStandards(1, ON("2026-01-01"))
    known = KnownEvaluationStandards((evaluation_standards(older), read))
    assert known.in_force(ON("2025-12-31")) is None
    assert known.in_force(ON("2026-02-28")) == evaluation_standards(older)
    assert known.in_force(ON("2026-03-01")) == read
