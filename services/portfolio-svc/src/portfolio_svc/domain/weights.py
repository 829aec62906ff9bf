"""Strategic objectives' weights: set directly (normalised to sum 1) or derived from an AHP
pairwise comparison matrix (Saaty's principal eigenvector method with its consistency ratio).

Every weight is a `Decimal` with `WEIGHT_PLACES` decimal places, and a set of weights sums to
exactly 1: each weight is rounded half-even to `WEIGHT_PLACES`, then the rounding remainder
(1 - Σ rounded, a few units of the last place at most) is added to the largest weight (the first
of equal largest, in objective order), where it changes the weight least in relative terms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import numpy as np

from portfolio_svc.domain.errors import (
    InconsistentComparisonsError,
    InvalidComparisonMatrixError,
    InvalidWeightsError,
)

WEIGHT_PLACES = 6
"""Decimal places of a weight (and of lambda_max, CI and CR as reported)."""

_QUANTUM = Decimal(1).scaleb(-WEIGHT_PLACES)

CR_THRESHOLD = Decimal("0.10")
"""A comparison matrix whose consistency ratio exceeds this is refused (Saaty's 10 % rule)."""

RECIPROCAL_TOLERANCE = Fraction(1, 100)
"""a_ij · a_ji may differ from 1 by at most this (1 %), so 0.33 stands for 1/3."""

# Saaty's random consistency index RI(n): the mean consistency index of random reciprocal
# matrices of order n with entries from the 1/9..9 scale. Values as tabulated in T. L. Saaty,
# "The Analytic Hierarchy Process", McGraw-Hill, 1980 (n = 1..15; the dip at n = 12 is in the
# source), and reproduced in T. L. Saaty & L. G. Vargas, "Models, Methods, Concepts &
# Applications of the Analytic Hierarchy Process", 2nd ed., Springer, 2012. Later simulations
# give slightly different figures; these are the ones the worked check (CR 0.033) relies on.
RANDOM_INDEX: Mapping[int, Decimal] = {
    n: Decimal(ri)
    for n, ri in enumerate(
        (
            "0",
            "0",
            "0.58",
            "0.90",
            "1.12",
            "1.24",
            "1.32",
            "1.41",
            "1.45",
            "1.49",
            "1.51",
            "1.48",
            "1.56",
            "1.57",
            "1.59",
        ),
        start=1,
    )
}
MAX_OBJECTIVES = max(RANDOM_INDEX)

Entry = Decimal | float | Fraction | int


@dataclass(frozen=True, slots=True)
class AhpResult:
    """The weights an AHP comparison matrix yields, with its consistency figures.

    `weights` in objective order, summing exactly to 1; `lambda_max` the principal eigenvalue;
    `ci` = (lambda_max - n)/(n - 1); `cr` = CI/RI(n), 0 by definition for n ≤ 2 (RI = 0);
    `random_index` RI(n). The figures are rounded half-even to `WEIGHT_PLACES`.
    """

    weights: dict[str, Decimal]
    lambda_max: Decimal
    ci: Decimal
    cr: Decimal
    random_index: Decimal


def direct_weights(raw: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The weights set directly, normalised to sum exactly 1 (see the module's rounding note).

    Refuses (422) no objectives, a weight that is not a finite decimal, a negative weight, or
    weights that are all zero. Zero weights are kept (an objective may count for nothing).
    """
    if not raw:
        raise InvalidWeightsError("at least one objective needs a weight")
    for objective, weight in raw.items():
        if not isinstance(weight, Decimal) or not weight.is_finite():
            raise InvalidWeightsError(
                f"the weight of objective {objective} must be a finite decimal, got {weight!r}",
                objective=objective,
            )
        if weight < 0:
            raise InvalidWeightsError(
                f"the weight of objective {objective} is negative ({weight})",
                objective=objective,
            )
    fractions = {objective: Fraction(weight) for objective, weight in raw.items()}
    total = sum(fractions.values(), Fraction(0))
    if total == 0:
        raise InvalidWeightsError("the weights are all zero: at least one must be positive")
    return _rounded_to_one({objective: f / total for objective, f in fractions.items()})


def ahp_weights(objectives: Sequence[str], matrix: Sequence[Sequence[Entry]]) -> AhpResult:
    """The weights of `objectives` from their pairwise comparison matrix (a_ij: how much more
    objective i matters than objective j), by Saaty's principal eigenvector.

    Refuses (422, `InvalidComparisonMatrixError`) fewer than 2 or more than `MAX_OBJECTIVES`
    objectives, repeated objectives, a matrix not n x n, an entry that is not a finite positive
    number, a diagonal entry other than 1, and a_ji not 1/a_ij (within `RECIPROCAL_TOLERANCE`);
    and (422, `InconsistentComparisonsError`) a consistency ratio above `CR_THRESHOLD`.
    """
    names = list(objectives)
    n = len(names)
    exact = _validated(names, matrix)

    a = np.array([[float(x) for x in row] for row in exact], dtype=np.float64)
    eigenvalues, eigenvectors = np.linalg.eig(a)
    principal = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues.real[principal])
    vector = eigenvectors[:, principal].real
    vector = vector / vector.sum()  # also undoes the arbitrary sign numpy may give it

    random_index = RANDOM_INDEX[n]
    ci = (lambda_max - n) / (n - 1)
    cr = 0.0 if random_index == 0 else ci / float(random_index)

    lambda_text, ci_text, cr_text = (_figure(x) for x in (lambda_max, ci, cr))
    if Decimal(repr(cr)) > CR_THRESHOLD:
        raise InconsistentComparisonsError(
            cr=str(cr_text),
            lambda_max=str(lambda_text),
            ci=str(ci_text),
            random_index=str(random_index),
            threshold=str(CR_THRESHOLD),
        )
    weights = _rounded_to_one(
        {name: Fraction(float(w)) for name, w in zip(names, vector, strict=True)}
    )
    return AhpResult(
        weights=weights,
        lambda_max=lambda_text,
        ci=ci_text,
        cr=cr_text,
        random_index=random_index,
    )


def _validated(names: list[str], matrix: Sequence[Sequence[Entry]]) -> list[list[Fraction]]:
    """The matrix as exact fractions, once it is a positive reciprocal n x n matrix."""
    n = len(names)
    if n < 2:
        raise InvalidComparisonMatrixError(
            f"pairwise comparison needs at least 2 objectives, got {n}"
        )
    if n > MAX_OBJECTIVES:
        raise InvalidComparisonMatrixError(
            f"pairwise comparison takes at most {MAX_OBJECTIVES} objectives (Saaty's random "
            f"index is tabulated up to {MAX_OBJECTIVES}), got {n}"
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidComparisonMatrixError(f"objective {name} is listed twice")
        seen.add(name)
    if len(matrix) != n:
        raise InvalidComparisonMatrixError(
            f"the comparison matrix has {len(matrix)} rows for {n} objectives; it must be {n} x {n}"
        )
    for i, row in enumerate(matrix):
        if len(row) != n:
            raise InvalidComparisonMatrixError(
                f"row {i} ({names[i]}) of the comparison matrix has {len(row)} entries; it "
                f"must have {n}",
                row=i,
                row_objective=names[i],
            )

    def cell(i: int, j: int) -> str:
        return f"a[{i}][{j}] ({names[i]} vs {names[j]})"

    def refuse(reason: str, i: int, j: int) -> InvalidComparisonMatrixError:
        return InvalidComparisonMatrixError(
            reason, row=i, column=j, row_objective=names[i], column_objective=names[j]
        )

    exact: list[list[Fraction]] = []
    for i, row in enumerate(matrix):
        exact_row: list[Fraction] = []
        for j, entry in enumerate(row):
            value = _fraction(entry)
            if value is None:
                raise refuse(f"{cell(i, j)} must be a finite number, got {entry!r}", i, j)
            if value <= 0:
                raise refuse(f"{cell(i, j)} must be positive, got {entry}", i, j)
            if i == j and value != 1:
                raise refuse(f"{cell(i, j)} is on the diagonal and must be 1, got {entry}", i, j)
            exact_row.append(value)
        exact.append(exact_row)
    for i in range(n):
        for j in range(i + 1, n):
            if abs(exact[i][j] * exact[j][i] - 1) > RECIPROCAL_TOLERANCE:
                raise refuse(
                    f"{cell(j, i)} must be the reciprocal of {cell(i, j)}: 1/{matrix[i][j]} "
                    f"≈ {_figure(float(1 / exact[i][j]))}, got {matrix[j][i]}",
                    j,
                    i,
                )
    return exact


def _fraction(entry: object) -> Fraction | None:
    """The entry as an exact fraction, or None when it is not a finite real number."""
    if isinstance(entry, bool) or not isinstance(entry, Decimal | float | Fraction | int):
        return None
    if isinstance(entry, float) and not math.isfinite(entry):
        return None
    if isinstance(entry, Decimal) and not entry.is_finite():
        return None
    return Fraction(entry)


def _figure(x: float) -> Decimal:
    """A computed figure as a decimal of `WEIGHT_PLACES` places (never -0)."""
    figure = Decimal(repr(x)).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
    return figure.copy_abs() if figure.is_zero() else figure


def _rounded_to_one(shares: Mapping[str, Fraction]) -> dict[str, Decimal]:
    """Shares summing to 1, rounded to `WEIGHT_PLACES` and summing to exactly 1: the rounding
    remainder goes to the largest share (the first of equal largest)."""
    with localcontext() as ctx:
        ctx.prec = 50
        rounded = {
            name: (Decimal(share.numerator) / Decimal(share.denominator)).quantize(
                _QUANTUM, rounding=ROUND_HALF_EVEN
            )
            for name, share in shares.items()
        }
        remainder = Decimal(1) - sum(rounded.values(), Decimal(0))
        if remainder:
            largest = max(rounded, key=lambda name: rounded[name])
            rounded[largest] += remainder
    return rounded
