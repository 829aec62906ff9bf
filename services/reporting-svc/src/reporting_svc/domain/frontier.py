"""An adopted selection's efficient frontier (the optimal value at each budget) as a standalone
SVG document, the adopted budget and selection marked.

Hand-written like the S-curve (`chart`, which says why). The optimum of a 0/1 selection never
falls as the budget grows, and between two budgets portfolio-svc solved for it is at least the
lower one's: so the curve is drawn as steps (each optimum held until the next budget), which
never shows more value than a budget is known to buy. A budget at which the forced-in
components do not fit is infeasible: a hollow marker on the budget axis. Okabe-Ito colours;
the adopted point is also larger and labelled, so colour is never the only cue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pmo_shared.domain.values import round_money
from reporting_svc.domain.chart import money_ticks
from reporting_svc.domain.svg import FONT, compact, number, xml_text

WIDTH, HEIGHT = 800, 470
LEFT, RIGHT, TOP, BOTTOM = 80, 40, 104, 64
_CURVE, _ADOPTED, _MUTED = "#0072B2", "#D55E00", "#777777"
_CHAR = Decimal("7.2")  # average advance of 12px sans-serif text
_MAX_TITLE = 60
_HEADROOM = Decimal("1.15")


def money_text(amount: Decimal, currency: str) -> str:
    """An amount as a chart shows it: the currency's minor unit, thousands separated."""
    return f"{round_money(amount, currency):,f}"


@dataclass(frozen=True, slots=True)
class FrontierPoint:
    """The optimum at one budget: its value and cost (None when infeasible); `current`: the
    adopted budget's point."""

    budget: Decimal
    feasible: bool
    value: Decimal | None = None
    cost: Decimal | None = None
    current: bool = False


@dataclass(frozen=True, slots=True)
class Adopted:
    """The adopted selection: the budget it was solved under, its value and cost."""

    budget: Decimal
    value: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True)
class _Frame:
    x_high: Decimal
    y_high: Decimal

    def x(self, budget: Decimal) -> Decimal:
        return LEFT + (WIDTH - LEFT - RIGHT) * budget / self.x_high

    def y(self, value: Decimal) -> Decimal:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / self.y_high


def _frame(
    points: Sequence[FrontierPoint], adopted: Adopted
) -> tuple[_Frame, list[Decimal], list[Decimal]]:
    x_ticks = money_ticks([p.budget for p in points] + [adopted.budget])
    values = [p.value for p in points if p.value is not None] + [adopted.value]
    # Headroom over the best value, so the labels above a point stay inside the plot.
    y_ticks = money_ticks([max(values) * _HEADROOM])
    return _Frame(x_ticks[-1], y_ticks[-1]), x_ticks, y_ticks


def _text(x: Decimal | int, y: Decimal | int, content: str, *, anchor: str = "start") -> str:
    return (
        f'<text x="{number(Decimal(x))}" y="{number(Decimal(y))}" text-anchor="{anchor}">'
        f"{xml_text(content)}</text>"
    )


def _axes(
    frame: _Frame, x_ticks: Sequence[Decimal], y_ticks: Sequence[Decimal], currency: str
) -> Iterator[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    yield '<g stroke="#e3e3e3" stroke-width="1">'
    for tick in y_ticks:
        y = number(frame.y(tick))
        yield f'<line x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}"/>'
    yield "</g>"
    yield f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>'
    yield '<g font-size="12" fill="#333">'
    for tick in y_ticks:
        yield _text(LEFT - 8, frame.y(tick) + 4, f"{tick.normalize():f}", anchor="end")
    for tick in x_ticks:
        x = frame.x(tick)
        at = number(x)
        yield f'<line x1="{at}" y1="{bottom}" x2="{at}" y2="{bottom + 5}" stroke="#333"/>'
        yield _text(x, bottom + 20, compact(tick), anchor="middle")
    yield "</g>"
    budget = _text((LEFT + right) // 2, HEIGHT - 14, f"Budget ({currency})", anchor="middle")
    yield (
        f'<g font-size="12" fill="#333">{budget}'
        f'<text transform="translate(22 {(TOP + bottom) // 2}) rotate(-90)" text-anchor="middle">'
        "Value (Σ weight &#215; score of the selected)</text></g>"
    )


def _steps(frame: _Frame, feasible: Sequence[FrontierPoint]) -> Iterator[str]:
    if not feasible:
        return
    coords: list[str] = []
    previous: FrontierPoint | None = None
    for point in feasible:
        assert point.value is not None  # feasible points carry their value
        x, y = number(frame.x(point.budget)), number(frame.y(point.value))
        if previous is not None and previous.value is not None:
            coords.append(f"{x},{number(frame.y(previous.value))}")  # held until this budget
        coords.append(f"{x},{y}")
        previous = point
    yield (
        f'<polyline data-series="frontier" fill="none" stroke="{_CURVE}" stroke-width="2.5" '
        f'stroke-linejoin="round" points="{" ".join(coords)}"/>'
    )


def _markers(frame: _Frame, points: Sequence[FrontierPoint], currency: str) -> Iterator[str]:
    bottom = HEIGHT - BOTTOM
    for p in points:
        x = number(frame.x(p.budget))
        if p.feasible and p.value is not None:
            tip = (
                f"budget {money_text(p.budget, currency)} {currency}: value {p.value.normalize():f}"
            )
            tip += (
                f" at cost {money_text(p.cost, currency)} {currency}" if p.cost is not None else ""
            )
            yield (
                f'<circle data-budget="{p.budget}" data-value="{p.value}" cx="{x}" '
                f'cy="{number(frame.y(p.value))}" r="4" fill="{_CURVE}">'
                f"<title>{xml_text(tip)}</title></circle>"
            )
        else:
            tip = f"budget {money_text(p.budget, currency)} {currency}: infeasible"
            tip += " (the forced-in components do not fit)"
            yield (
                f'<circle data-budget="{p.budget}" data-infeasible="true" cx="{x}" cy="{bottom}" '
                f'r="4.5" fill="#ffffff" stroke="{_MUTED}" stroke-width="1.5">'
                f"<title>{xml_text(tip)}</title></circle>"
            )


def _adopted(frame: _Frame, adopted: Adopted, currency: str) -> Iterator[str]:
    x, y = frame.x(adopted.budget), frame.y(adopted.value)
    right = WIDTH - RIGHT
    budget = f"adopted budget {money_text(adopted.budget, currency)} {currency}"
    fits_right = x + 6 + _CHAR * len(budget) <= right
    yield (
        f'<line data-adopted="budget" x1="{number(x)}" y1="{TOP}" x2="{number(x)}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="{_ADOPTED}" stroke-width="1.5" stroke-dasharray="6 4"/>'
    )
    yield (
        f'<g font-size="12" fill="{_ADOPTED}">'
        + _text(
            x + 6 if fits_right else x - 6,
            TOP + 12,
            budget,
            anchor="start" if fits_right else "end",
        )
        + "</g>"
    )
    label = f"value {adopted.value.normalize():f} at cost {money_text(adopted.cost, currency)}"
    # Below-right of the point lies under the curve's later steps, above-left over its earlier.
    below = x + 10 + _CHAR * len(label) <= right and y + 22 <= HEIGHT - BOTTOM - 4
    tx, ty, anchor = (x + 10, y + 20, "start") if below else (x - 10, y - 16, "end")
    yield (
        f'<circle data-adopted="selection" cx="{number(x)}" cy="{number(y)}" r="7" '
        f'fill="{_ADOPTED}" stroke="#ffffff" stroke-width="2">'
        f"<title>{xml_text('adopted selection: ' + label + ' ' + currency)}</title></circle>"
    )
    yield (
        f'<g font-size="12" font-weight="600" fill="#222">{_text(tx, ty, label, anchor=anchor)}</g>'
    )


_LINE = '<line x1="0" y1="-4" x2="24" y2="-4" stroke-width'
_LEGEND = (
    (f'{_LINE}="3" stroke="{_CURVE}"/>', "Optimal value at a budget"),
    (f'<circle cx="12" cy="-4" r="6" fill="{_ADOPTED}"/>', "Adopted selection"),
    (f'{_LINE}="1.5" stroke="{_ADOPTED}" stroke-dasharray="6 4"/>', "Adopted budget"),
)
_INFEASIBLE = (
    f'<circle cx="12" cy="-4" r="4.5" fill="#fff" stroke="{_MUTED}" stroke-width="1.5"/>',
    "Infeasible budget",
)


def _legend(infeasible: bool) -> Iterator[str]:
    entries = [*_LEGEND, *([_INFEASIBLE] if infeasible else [])]
    x = Decimal(LEFT)
    yield '<g font-size="12" fill="#222" data-legend="frontier">'
    for swatch, label in entries:
        yield (
            f'<g transform="translate({number(x)} 82)">{swatch}'
            f'<text x="30" y="0">{xml_text(label)}</text></g>'
        )
        x += 30 + _CHAR * len(label) + 22
    yield "</g>"


def render_frontier(
    points: Sequence[FrontierPoint], *, adopted: Adopted, title: str, subtitle: str, currency: str
) -> str:
    """The frontier of `points` (in any order) with the `adopted` selection marked."""
    ordered = sorted(points, key=lambda p: p.budget)
    frame, x_ticks, y_ticks = _frame(ordered, adopted)
    feasible = [p for p in ordered if p.feasible and p.value is not None]
    shown = title if len(title) <= _MAX_TITLE else title[: _MAX_TITLE - 1] + "…"
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="{FONT}">'
        f"<title>{xml_text(title)}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        f'<text x="{LEFT}" y="32" font-size="18" font-weight="600" fill="#111">'
        f"{xml_text(shown)}</text>"
        f'<text x="{LEFT}" y="54" font-size="13" fill="#444">{xml_text(subtitle)}</text>'
    )
    body = [
        *_axes(frame, x_ticks, y_ticks, currency),
        *_steps(frame, feasible),
        *_markers(frame, ordered, currency),
        *_adopted(frame, adopted, currency),
        *_legend(len(feasible) < len(ordered)),
    ]
    return "\n".join([head, *body, "</svg>\n"])
