"""The efficient frontier as an SVG image: the optimal value (y) against the budget (x), each
optimum a point joined as a step line (the optimum holds until the next budget that buys more),
budgets too small for the forced-in components marked on the axis, and the current budget
marked by a dashed line through its point. Coordinates are floats: it is a picture; the exact
figures are in the JSON frontier."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from pmo_shared.domain.values import canonical
from portfolio_svc.domain.selection import FrontierPoint

WIDTH, HEIGHT = 760, 460
LEFT, RIGHT, TOP, BOTTOM = 90, 40, 60, 70
TICKS = 5


@dataclass(frozen=True, slots=True)
class Frame:
    """The plot area and the data ranges it shows."""

    x_max: float
    y_max: float

    def x(self, budget: float) -> float:
        """The horizontal pixel of a budget."""
        return LEFT + (WIDTH - LEFT - RIGHT) * (budget / self.x_max)

    def y(self, value: float) -> float:
        """The vertical pixel of a value."""
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (value / self.y_max)


def nice_step(span: float) -> float:
    """A tick step of 1, 2 or 5 times a power of ten giving about `TICKS` ticks over `span`."""
    raw = span / TICKS
    power = 10.0 ** math.floor(math.log10(raw))
    return next(float(m * power) for m in (1, 2, 5, 10) if m * power >= raw)


def frontier_svg(points: Sequence[FrontierPoint], *, currency: str, title: str) -> str:
    """The SVG document of a frontier (points in budget order, one of them `current`)."""
    budgets = [float(p.budget) for p in points]
    values = [float(p.value) for p in points if p.value is not None]
    x_step = nice_step(max(budgets, default=0.0) or 1.0)
    y_step = nice_step(max(values, default=0.0) or 1.0)
    frame = Frame(
        x_max=x_step * math.ceil((max(budgets, default=0.0) or 1.0) / x_step),
        y_max=y_step * math.ceil((max(values, default=0.0) or 1.0) / y_step),
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="28" text-anchor="middle" font-size="16" '
        f'font-weight="bold">{escape(title)}</text>',
        *_axes(frame, x_step, y_step, currency),
        *_curve(frame, points),
        *_current(frame, points, currency),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _axes(frame: Frame, x_step: float, y_step: float, currency: str) -> list[str]:
    bottom, top = HEIGHT - BOTTOM, TOP
    out = [
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="black"/>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{LEFT}" y2="{top}" stroke="black"/>',
    ]
    for i in range(round(frame.x_max / x_step) + 1):
        x = frame.x(i * x_step)
        out.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{top}" stroke="#e5e5e5"/>')
        out.append(
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">{_tick(i * x_step)}</text>'
        )
    for i in range(round(frame.y_max / y_step) + 1):
        y = frame.y(i * y_step)
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e5e5e5"/>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{_tick(i * y_step)}</text>'
        )
    out.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 22}" text-anchor="middle">'
        f"budget ({escape(currency)})</text>"
    )
    out.append(
        f'<text x="22" y="{(TOP + HEIGHT - BOTTOM) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 22 {(TOP + HEIGHT - BOTTOM) / 2})">'
        "value (Σ weight &#215; score)</text>"
    )
    return out


def _curve(frame: Frame, points: Sequence[FrontierPoint]) -> list[str]:
    feasible = [p for p in points if p.feasible and p.value is not None]
    out: list[str] = []
    if feasible:
        steps: list[str] = []
        for i, p in enumerate(feasible):
            x, y = frame.x(float(p.budget)), frame.y(float(p.value or 0))
            if i:
                steps.append(f"H {x:.1f}")
                steps.append(f"V {y:.1f}")
            else:
                steps.append(f"M {x:.1f} {y:.1f}")
        out.append(f'<path d="{" ".join(steps)}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    for p in feasible:
        x, y = frame.x(float(p.budget)), frame.y(float(p.value or 0))
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1f77b4"/>')
    for p in points:
        if not p.feasible:
            x, y = frame.x(float(p.budget)), HEIGHT - BOTTOM
            out.append(
                f'<text x="{x:.1f}" y="{y + 4}" text-anchor="middle" fill="#999">&#215;</text>'
            )
    return out


def _current(frame: Frame, points: Sequence[FrontierPoint], currency: str) -> list[str]:
    current = next((p for p in points if p.current), None)
    if current is None:
        return []
    x = frame.x(float(current.budget))
    right = x < WIDTH * 0.6
    label = f"current budget {canonical(current.budget, currency)} {currency}"
    if current.value is not None:
        label += f": value {_plain(current.value)}"
    out = [
        f'<line x1="{x:.1f}" y1="{HEIGHT - BOTTOM}" x2="{x:.1f}" y2="{TOP}" stroke="#d62728" '
        'stroke-width="1.5" stroke-dasharray="6 4"/>',
        # the label to the right of the line, or to its left near the right edge
        f'<text x="{x + 6 if right else x - 6:.1f}" y="{TOP + 14}" fill="#d62728" '
        f'text-anchor="{"start" if right else "end"}">{escape(label)}</text>',
    ]
    if current.value is not None:
        y = frame.y(float(current.value))
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="#d62728" '
            'stroke-width="2.5"/>'
        )
    return out


def _tick(number: float) -> str:
    return f"{number:,.10g}" if abs(number) >= 1 or number == 0 else f"{number:.4g}"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"
