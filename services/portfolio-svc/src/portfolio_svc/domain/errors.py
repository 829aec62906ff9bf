"""What a portfolio refuses, beyond the kernel's four kinds of refusal: each names its figures in
`problem_extra` (decimals as plain strings), so a client can show why without parsing the
detail."""

from __future__ import annotations

from typing import Any

from pmo_shared.domain.errors import InvalidValueError, NotFoundError, RuleViolationError

# --- objective weights and ranking (weights.py, ranking.py) ---------------------------------


class InvalidWeightsError(InvalidValueError):
    """Directly set objective weights that cannot be normalised (422): none, a negative or
    non-finite one, or all zero."""

    code = "invalid-weights"

    def __init__(self, reason: str, *, objective: str | None = None) -> None:
        super().__init__(reason)
        self.objective = objective

    def problem_extra(self) -> dict[str, Any]:
        """The objective at fault, when one is."""
        return {} if self.objective is None else {"objective": self.objective}


class InvalidComparisonMatrixError(InvalidValueError):
    """An AHP pairwise comparison matrix that is not one (422): wrong shape, too few or too
    many objectives, a non-positive entry, a diagonal other than 1, or a_ji not 1/a_ij. When a
    cell is at fault, `row` and `column` (0-based) and both objectives name it."""

    code = "invalid-comparison-matrix"

    def __init__(
        self,
        reason: str,
        *,
        row: int | None = None,
        column: int | None = None,
        row_objective: str | None = None,
        column_objective: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.row = row
        self.column = column
        self.row_objective = row_objective
        self.column_objective = column_objective

    def problem_extra(self) -> dict[str, Any]:
        """The cell at fault (0-based row and column, and their objectives), when one is."""
        extra: dict[str, Any] = {}
        if self.row is not None:
            extra["row"] = self.row
        if self.column is not None:
            extra["column"] = self.column
        if self.row_objective is not None:
            extra["row_objective"] = self.row_objective
        if self.column_objective is not None:
            extra["column_objective"] = self.column_objective
        return extra


class InconsistentComparisonsError(InvalidValueError):
    """The pairwise comparisons contradict each other too much: consistency ratio CR above the
    threshold (0.10, Saaty) (422). The figures are plain decimal strings."""

    code = "inconsistent-comparisons"
    title = "Pairwise comparisons are inconsistent"

    def __init__(self, *, cr: str, lambda_max: str, ci: str, random_index: str, threshold: str):
        super().__init__(
            f"the pairwise comparisons are inconsistent: consistency ratio CR = {cr} exceeds "
            f"{threshold} (lambda_max {lambda_max}, CI {ci}, RI {random_index}); revise the "
            "comparisons"
        )
        self.figures = {
            "cr": cr,
            "lambda_max": lambda_max,
            "ci": ci,
            "random_index": random_index,
            "threshold": threshold,
        }

    def problem_extra(self) -> dict[str, Any]:
        """CR, lambda_max, CI, the random index used and the threshold."""
        return dict(self.figures)


class InvalidScoreError(InvalidValueError):
    """A score outside 0 to 5, or not a finite decimal (422)."""

    code = "invalid-score"

    def __init__(self, value: object) -> None:
        super().__init__(f"a score is a decimal from 0 to 5, got {value!r}")
        self.value = value

    def problem_extra(self) -> dict[str, Any]:
        """The value refused."""
        return {"value": str(self.value)}


class IncompleteScoresError(InvalidValueError):
    """A component lacks a score for a weighted objective, or scores one that is not weighted
    (422): a ranking counts every objective, and nothing else."""

    code = "incomplete-scores"

    def __init__(self, *, component_id: str, missing: list[str], unknown: list[str]) -> None:
        parts = []
        if missing:
            parts.append("no score for objective(s) " + ", ".join(missing))
        if unknown:
            parts.append("a score for unweighted objective(s) " + ", ".join(unknown))
        super().__init__(f"component {component_id} has " + " and ".join(parts))
        self.component_id = component_id
        self.missing = missing
        self.unknown = unknown

    def problem_extra(self) -> dict[str, Any]:
        """The component, the objectives it lacks a score for and those it should not score."""
        return {
            "component_id": self.component_id,
            "missing_objectives": list(self.missing),
            "unknown_objectives": list(self.unknown),
        }


# --- budget-constrained selection and its frontier (selection.py) ---------------------------


class InvalidSelectionModelError(InvalidValueError):
    """A selection model that is not one (422): a duplicate or unknown component id, a
    negative or non-finite cost, value, demand, budget or capacity, figures too large to solve
    exactly, or a frontier of fewer than 2 or too many points. `field` names the part at fault."""

    code = "invalid-selection-model"

    def __init__(self, reason: str, *, field: str, component_id: str | None = None) -> None:
        super().__init__(reason)
        self.field = field
        self.component_id = component_id

    def problem_extra(self) -> dict[str, Any]:
        """The field at fault, and the component when one is."""
        extra: dict[str, Any] = {"field": self.field}
        if self.component_id is not None:
            extra["component_id"] = self.component_id
        return extra


class InfeasibleSelectionError(InvalidValueError):
    """No selection satisfies the model (422): the forced-in components (with what they need)
    break a constraint. `constraint` names it: `forced` (a component both forced in and out),
    `dependency` (a forced-in component needs a forced-out one), `exclusive_group` (two of the
    forced-in components share a group), `budget`, or `capacity` (with `role`); `components`
    are the ids involved, and `required`/`limit` the figures as plain decimal strings."""

    code = "infeasible-selection"
    title = "No selection satisfies the constraints"

    def __init__(
        self,
        reason: str,
        *,
        constraint: str,
        components: list[str],
        role: str | None = None,
        required: str | None = None,
        limit: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.constraint = constraint
        self.components = components
        self.role = role
        self.required = required
        self.limit = limit

    def problem_extra(self) -> dict[str, Any]:
        """The constraint at fault, the components involved, and the figures when any."""
        extra: dict[str, Any] = {"constraint": self.constraint, "components": list(self.components)}
        if self.role is not None:
            extra["role"] = self.role
        if self.required is not None:
            extra["required"] = self.required
        if self.limit is not None:
            extra["limit"] = self.limit
        return extra


# --- the Portfolio aggregate (portfolio.py) -------------------------------------------------


class PortfolioCurrencyMismatchError(InvalidValueError):
    """A component in another currency than the portfolio's (422): a portfolio has one."""

    code = "currency-mismatch"

    def __init__(self, *, component_id: str, component_currency: str, currency: str) -> None:
        super().__init__(
            f"component {component_id} is kept in {component_currency}, the portfolio in "
            f"{currency}: a portfolio's components share its one currency"
        )
        self.component_id = component_id
        self.component_currency = component_currency
        self.currency = currency

    def problem_extra(self) -> dict[str, Any]:
        """The component and both currencies."""
        return {
            "component_id": self.component_id,
            "component_currency": self.component_currency,
            "portfolio_currency": self.currency,
        }


class BackdatedFactError(InvalidValueError):
    """A fact dated before the portfolio was created, or before the fact it replaces (422): a
    ranking once given for a business date stays the ranking of that date."""

    code = "backdated-fact"

    def __init__(self, *, what: str, on: str, earliest: str) -> None:
        super().__init__(f"{what} dated {on} may not be dated before {earliest}")
        self.what = what
        self.on = on
        self.earliest = earliest

    def problem_extra(self) -> dict[str, Any]:
        """The date given and the earliest allowed."""
        return {"what": self.what, "on": self.on, "earliest": self.earliest}


class ComponentExistsError(RuleViolationError):
    """A component of that id is (or was) already in the portfolio (409)."""

    code = "already-exists"

    def __init__(self, component_id: str) -> None:
        super().__init__(f"component {component_id} is or was already in this portfolio")
        self.component_id = component_id

    def problem_extra(self) -> dict[str, Any]:
        """The component."""
        return {"component_id": self.component_id}


class UnknownComponentError(NotFoundError):
    """No component of that id is in the portfolio on that date (404)."""

    code = "unknown-component"

    def __init__(self, component_id: str, *, on: str) -> None:
        super().__init__(f"component {component_id} is not in the portfolio on {on}")
        self.component_id = component_id

    def problem_extra(self) -> dict[str, Any]:
        """The component."""
        return {"component_id": self.component_id}


class UnknownObjectiveError(InvalidValueError):
    """A score for an objective the portfolio's weights do not name (422)."""

    code = "unknown-objective"

    def __init__(self, objective: str) -> None:
        super().__init__(f"objective {objective} is not one of the portfolio's weighted objectives")
        self.objective = objective

    def problem_extra(self) -> dict[str, Any]:
        """The objective."""
        return {"objective": self.objective}


class UnknownScenarioError(NotFoundError):
    """No scenario of that name saved on or before that date (404)."""

    code = "unknown-scenario"

    def __init__(self, name: str, *, on: str) -> None:
        super().__init__(f"no scenario {name!r} saved on or before {on}")
        self.name = name


class NothingInForceError(RuleViolationError):
    """A ranking or selection asked for a date with no weights or no budget in force (409)."""

    code = "nothing-in-force"

    def __init__(self, what: str, *, on: str) -> None:
        super().__init__(f"the portfolio has no {what} in force on {on}")
        self.what = what
        self.on = on

    def problem_extra(self) -> dict[str, Any]:
        """What is missing and the date."""
        return {"missing": self.what, "as_of": self.on}
