"""Property: a perfectly consistent comparison matrix built from a weight vector w
(a_ij = w_i / w_j) has lambda_max = n, CR = 0, and gives back w (normalised)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from portfolio_svc.domain.weights import ahp_weights, direct_weights

D = Decimal
F = Fraction

# Weights within the 1/9..9 scale's spirit: ratios of at most 100.
raw_weights = st.lists(st.integers(min_value=1, max_value=100), min_size=2, max_size=15)


@settings(max_examples=150, deadline=None)
@for_all(raw_weights)
def test_consistent_matrix_gives_back_its_weights(raw: list[int]) -> None:
    n = len(raw)
    names = [f"o{i}" for i in range(n)]
    matrix = [[F(raw[i], raw[j]) for j in range(n)] for i in range(n)]
    result = ahp_weights(names, matrix)

    total = sum(raw)
    for name, w in zip(names, raw, strict=True):
        assert abs(result.weights[name] - D(w) / D(total)) <= D("0.000005")
    assert sum(result.weights.values()) == 1
    assert abs(result.lambda_max - n) <= D("0.000001")
    assert abs(result.cr) <= D("0.000001")


@settings(max_examples=150, deadline=None)
@for_all(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20))
def test_direct_weights_sum_exactly_to_one_and_stay_close(raw: list[int]) -> None:
    if not any(raw):
        return
    weights = direct_weights({f"o{i}": D(x) for i, x in enumerate(raw)})
    assert sum(weights.values()) == 1
    total = sum(raw)
    for i, x in enumerate(raw):
        # half a unit of rounding, plus at most the remainder on the largest
        assert abs(weights[f"o{i}"] - D(x) / D(total)) <= D("0.000001") * len(raw)
