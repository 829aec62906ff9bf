"""Objective weights: set directly (normalised to exactly 1) or by AHP (principal eigenvector,
consistency ratio), with the issue's worked checks and every refusal."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from portfolio_svc.domain.errors import (
    InconsistentComparisonsError,
    InvalidComparisonMatrixError,
    InvalidWeightsError,
)
from portfolio_svc.domain.weights import RANDOM_INDEX, ahp_weights, direct_weights

D = Decimal
F = Fraction

ABC = ["a", "b", "c"]
SAATY_3 = [[1, 3, 5], [F(1, 3), 1, 3], [F(1, 5), F(1, 3), 1]]
CYCLIC_3 = [[1, 9, F(1, 9)], [F(1, 9), 1, 9], [9, F(1, 9), 1]]


def q3(x: D) -> D:
    return x.quantize(D("0.001"))


# --- the worked checks ------------------------------------------------------------------------


def test_worked_check_consistent_matrix() -> None:
    result = ahp_weights(ABC, SAATY_3)
    assert {k: q3(v) for k, v in result.weights.items()} == {
        "a": D("0.637"),
        "b": D("0.258"),
        "c": D("0.105"),
    }
    assert q3(result.lambda_max) == D("3.039")
    assert q3(result.cr) == D("0.033")
    assert result.random_index == D("0.58")
    assert result.ci == D("0.019256")
    assert sum(result.weights.values()) == 1
    assert all(v.as_tuple().exponent == -6 for v in result.weights.values())


@pytest.mark.parametrize(
    "matrix",
    [
        SAATY_3,
        [[1.0, 3.0, 5.0], [1 / 3, 1.0, 3.0], [0.2, 1 / 3, 1.0]],
        [[D(1), D(3), D(5)], [D("0.333"), D(1), D(3)], [D("0.2"), D("0.333"), D(1)]],
    ],
    ids=["fractions", "floats", "decimals"],
)
def test_worked_check_in_any_number_type(matrix: Any) -> None:
    result = ahp_weights(ABC, matrix)
    assert [q3(v) for v in result.weights.values()] == [D("0.637"), D("0.258"), D("0.105")]


def test_worked_check_inconsistent_matrix_is_refused_with_its_cr() -> None:
    with pytest.raises(InconsistentComparisonsError) as refused:
        ahp_weights(ABC, CYCLIC_3)
    error = refused.value
    assert error.status == 422
    extra = error.problem_extra()
    assert D(extra["cr"]) > D("0.10")
    assert extra["threshold"] == "0.10"
    assert extra["random_index"] == "0.58"
    assert D(extra["lambda_max"]) > 3
    assert f"CR = {extra['cr']}" in error.problem_detail()
    # CR = ((lambda_max - 3) / 2) / 0.58, from the reported figures
    lam = D(extra["lambda_max"])
    assert abs((lam - 3) / 2 / D("0.58") - D(extra["cr"])) < D("0.00001")


# --- AHP figures ------------------------------------------------------------------------------


def test_two_objectives_have_cr_zero_by_definition() -> None:
    result = ahp_weights(["x", "y"], [[1, 3], [F(1, 3), 1]])
    assert result.weights == {"x": D("0.750000"), "y": D("0.250000")}
    assert result.cr == 0
    assert result.random_index == 0
    assert result.lambda_max == D("2.000000")


def test_identity_matrix_gives_equal_weights_summing_to_one() -> None:
    n = 7
    names = [f"o{i}" for i in range(n)]
    result = ahp_weights(names, [[1] * n for _ in range(n)])
    # 1/7 = 0.142857142..., six times 0.142857 plus the remainder on the first
    assert result.weights["o0"] == D("0.142858")
    assert all(result.weights[name] == D("0.142857") for name in names[1:])
    assert sum(result.weights.values()) == 1
    assert result.cr == 0


def test_random_index_is_saatys_table() -> None:
    assert [str(RANDOM_INDEX[n]) for n in range(1, 16)] == [
        "0", "0", "0.58", "0.90", "1.12", "1.24", "1.32", "1.41",
        "1.45", "1.49", "1.51", "1.48", "1.56", "1.57", "1.59",
    ]  # fmt: skip


def test_fifteen_objectives_are_taken() -> None:
    names = [f"o{i}" for i in range(15)]
    result = ahp_weights(names, [[1] * 15 for _ in range(15)])
    assert result.random_index == D("1.59")
    assert sum(result.weights.values()) == 1


# --- AHP refusals -----------------------------------------------------------------------------


def refusal(objectives: list[str], matrix: Any) -> InvalidComparisonMatrixError:
    with pytest.raises(InvalidComparisonMatrixError) as refused:
        ahp_weights(objectives, matrix)
    assert refused.value.status == 422
    return refused.value


def test_refuses_fewer_than_two_objectives() -> None:
    assert "at least 2 objectives, got 1" in str(refusal(["a"], [[1]]))
    assert "got 0" in str(refusal([], []))


def test_refuses_more_than_fifteen_objectives() -> None:
    names = [f"o{i}" for i in range(16)]
    assert "at most 15" in str(refusal(names, [[1] * 16 for _ in range(16)]))


def test_refuses_repeated_objectives() -> None:
    assert "objective a is listed twice" in str(refusal(["a", "a"], [[1, 1], [1, 1]]))


def test_refuses_wrong_number_of_rows() -> None:
    assert "has 2 rows for 3 objectives" in str(refusal(ABC, SAATY_3[:2]))


def test_refuses_a_short_row_naming_it() -> None:
    error = refusal(ABC, [[1, 3, 5], [F(1, 3), 1], [F(1, 5), F(1, 3), 1]])
    assert "row 1 (b)" in str(error)
    assert error.problem_extra() == {"row": 1, "row_objective": "b"}


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (0, "must be positive"),
        (-3, "must be positive"),
        (float("nan"), "must be a finite number"),
        (float("inf"), "must be a finite number"),
        (D("NaN"), "must be a finite number"),
        ("3", "must be a finite number"),
        (True, "must be a finite number"),
    ],
)
def test_refuses_a_bad_entry_naming_the_cell(bad: Any, says: str) -> None:
    matrix = [list(row) for row in SAATY_3]
    matrix[0][2] = bad
    error = refusal(ABC, matrix)
    assert f"a[0][2] (a vs c) {says}" in str(error)
    assert error.problem_extra() == {
        "row": 0,
        "column": 2,
        "row_objective": "a",
        "column_objective": "c",
    }


def test_refuses_a_diagonal_other_than_one() -> None:
    matrix = [list(row) for row in SAATY_3]
    matrix[1][1] = 2
    error = refusal(ABC, matrix)
    assert "a[1][1] (b vs b) is on the diagonal and must be 1, got 2" in str(error)


def test_refuses_a_non_reciprocal_entry_naming_the_cell() -> None:
    matrix = [list(row) for row in SAATY_3]
    matrix[2][1] = F(1, 2)  # should be 1/3
    error = refusal(ABC, matrix)
    assert "a[2][1] (c vs b) must be the reciprocal of a[1][2] (b vs c)" in str(error)
    assert error.problem_extra()["row"] == 2
    assert error.problem_extra()["column"] == 1


def test_reciprocal_within_one_percent_is_taken() -> None:
    ahp_weights(["x", "y"], [[1, 3], [D("0.33"), 1]])  # 3 x 0.33 = 0.99
    refusal(["x", "y"], [[1, 3], [D("0.32"), 1]])  # 3 x 0.32 = 0.96


# --- direct weights ---------------------------------------------------------------------------


def test_direct_weights_are_normalised() -> None:
    assert direct_weights({"a": D(2), "b": D(1), "c": D(1)}) == {
        "a": D("0.500000"),
        "b": D("0.250000"),
        "c": D("0.250000"),
    }


def test_direct_weights_already_normalised_stay() -> None:
    weights = direct_weights({"a": D("0.6"), "b": D("0.3"), "c": D("0.1")})
    assert weights == {"a": D("0.6"), "b": D("0.3"), "c": D("0.1")}


def test_direct_weights_round_and_sum_exactly_to_one() -> None:
    weights = direct_weights({"a": D(1), "b": D(1), "c": D(1)})
    assert weights == {"a": D("0.333334"), "b": D("0.333333"), "c": D("0.333333")}
    assert sum(weights.values()) == 1
    # the remainder goes to the largest, not the first
    weights = direct_weights({"a": D(1), "b": D(2), "c": D(2), "d": D(2)})
    assert weights == {
        "a": D("0.142857"),
        "b": D("0.285715"),
        "c": D("0.285714"),
        "d": D("0.285714"),
    }
    assert sum(weights.values()) == 1


def test_direct_weights_keep_a_zero() -> None:
    assert direct_weights({"a": D(0), "b": D(5)}) == {"a": D(0), "b": D(1)}


@pytest.mark.parametrize(
    ("raw", "says", "objective"),
    [
        ({}, "at least one objective", None),
        ({"a": D(1), "b": D(-1)}, "objective b is negative (-1)", "b"),
        ({"a": D(0), "b": D(0)}, "all zero", None),
        ({"a": D("NaN")}, "objective a must be a finite decimal", "a"),
        ({"a": D("Infinity")}, "objective a must be a finite decimal", "a"),
        ({"a": 0.5}, "objective a must be a finite decimal", "a"),
    ],
)
def test_direct_weights_refusals(raw: Any, says: str, objective: str | None) -> None:
    with pytest.raises(InvalidWeightsError) as refused:
        direct_weights(raw)
    assert refused.value.status == 422
    assert says in str(refused.value)
    assert refused.value.problem_extra() == ({} if objective is None else {"objective": objective})
