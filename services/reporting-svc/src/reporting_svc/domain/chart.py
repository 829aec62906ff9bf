"""Earned-value S-curve (PV, EV, AC over time, BAC dashed) as a standalone SVG document.

Hand-written SVG rather than a charting library. matplotlib's SVG backend would bring numpy
and a font cache into a web service's import for three polylines. pygal is lighter, but its
default output links a tooltip script from a third-party site (to be switched off per chart),
embeds a stylesheet and interactive markup we do not need, and is typed only through a separate
stubs package. One fixed chart needs axes with round ticks, a legend and escaped text: about
200 lines here, no dependency to pin, small deterministic output that the tests can parse, and
Decimal (never float) from the figures to the pixel coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from reporting_svc.domain.evm import SeriesPoint
from reporting_svc.domain.svg import FONT as _FONT
from reporting_svc.domain.svg import compact
from reporting_svc.domain.svg import number as _num
from reporting_svc.domain.svg import xml_text as _text

WIDTH, HEIGHT = 800, 440
LEFT, RIGHT, TOP, BOTTOM = 88, 48, 92, 64  # margins around the plot area
# Okabe-Ito colours: told apart with the common colour-vision deficiencies too.
_Read = Callable[[SeriesPoint], Decimal | None]
_SERIES: tuple[tuple[str, str, str, _Read], ...] = (
    ("pv", "Planned value (PV)", "#0072B2", lambda p: p.pv),
    ("ev", "Earned value (EV)", "#009E73", lambda p: p.ev),
    ("ac", "Actual cost (AC)", "#D55E00", lambda p: p.ac),
)
_BAC_COLOUR = "#555555"
_MAX_TITLE = 56  # characters of 18px bold text that fit the width
_CHAR_WIDTH = Decimal("7.5")  # average advance of 13px sans-serif text, to space the legend
_NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True, slots=True)
class _Frame:
    """Maps dates and amounts onto the plot area's pixels."""

    first: date
    days: int
    low: Decimal
    high: Decimal

    def x(self, day: date) -> Decimal:
        width = Decimal(WIDTH - LEFT - RIGHT)
        if self.days == 0:  # a single date sits in the middle
            return LEFT + width / 2
        return LEFT + width * (day - self.first).days / self.days

    def y(self, value: Decimal) -> Decimal:
        height = Decimal(HEIGHT - TOP - BOTTOM)
        return HEIGHT - BOTTOM - height * (value - self.low) / (self.high - self.low)


def money_ticks(values: Sequence[Decimal], *, count: int = 5) -> list[Decimal]:
    """About `count` round amounts (steps of 1, 2, 2.5 or 5 times 10^n) spanning 0 and `values`."""
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in _NICE_STEPS if m * magnitude >= raw)
    first = (low / step).to_integral_value(rounding=ROUND_FLOOR)
    last = (high / step).to_integral_value(rounding=ROUND_CEILING)
    return [(first + i) * step for i in range(int(last - first) + 1)]


def _date_ticks(first: date, days: int, *, count: int = 6) -> list[date]:
    """Up to `count` evenly spaced whole dates, both ends included."""
    if days < count:
        return [first + timedelta(days=d) for d in range(days + 1)]
    last = count - 1
    return [first + timedelta(days=(i * days + last // 2) // last) for i in range(count)]


def _label(x: Decimal | int, y: Decimal | int, text: str, *, anchor: str = "start") -> str:
    return (
        f'<text x="{_num(Decimal(x))}" y="{_num(Decimal(y))}" text-anchor="{anchor}">'
        f"{_text(text)}</text>"
    )


def _y_axis(frame: _Frame, ticks: Sequence[Decimal], currency: str) -> Iterator[str]:
    yield '<g stroke="#e3e3e3" stroke-width="1">'
    for tick in ticks:
        y = _num(frame.y(tick))
        yield f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>'
    yield "</g>"
    yield '<g font-size="12" fill="#333">'
    for tick in ticks:
        yield _label(LEFT - 8, frame.y(tick) + 4, compact(tick), anchor="end")
    yield "</g>"
    middle = (TOP + HEIGHT - BOTTOM) // 2
    yield (
        f'<text transform="translate(20 {middle}) rotate(-90)" text-anchor="middle" '
        f'font-size="12" fill="#333">{_text(f"Amount ({currency})")}</text>'
    )


def _x_axis(frame: _Frame) -> Iterator[str]:
    bottom = HEIGHT - BOTTOM
    yield f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#333"/>'
    yield '<g font-size="12" fill="#333">'
    for day in _date_ticks(frame.first, frame.days):
        x = _num(frame.x(day))
        yield f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="#333"/>'
        yield _label(frame.x(day), bottom + 20, day.isoformat(), anchor="middle")
    yield "</g>"
    yield _label((LEFT + WIDTH - RIGHT) // 2, HEIGHT - 12, "Date", anchor="middle")


def _curves(frame: _Frame, series: Sequence[SeriesPoint]) -> Iterator[str]:
    for field, name, colour, read in _SERIES:
        known = [(p.date, v) for p in series if (v := read(p)) is not None]
        if not known:
            continue
        coords = " ".join(f"{_num(frame.x(d))},{_num(frame.y(v))}" for d, v in known)
        yield (
            f'<polyline data-series="{field}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-linejoin="round" points="{coords}"><title>{_text(name)}</title></polyline>'
        )
        # A dot on the latest value marks the status date and shows a one-point series.
        last_day, last = known[-1]
        yield (
            f'<circle cx="{_num(frame.x(last_day))}" cy="{_num(frame.y(last))}" r="3.5" '
            f'fill="{colour}"/>'
        )


def _bac_line(frame: _Frame, bac: Decimal | None, currency: str) -> Iterator[str]:
    if bac is None:
        return
    y = _num(frame.y(bac))
    yield (
        f'<line data-series="bac" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
        f'stroke="{_BAC_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>'
    )
    # The exact amount sits on the line itself, where it never crowds the legend.
    yield (
        f'<g font-size="12" fill="{_BAC_COLOUR}">'
        f"{_label(WIDTH - RIGHT, frame.y(bac) - 6, f'BAC {bac:,.2f} {currency}', anchor='end')}</g>"
    )


def _legend(series: Sequence[SeriesPoint], bac: Decimal | None) -> Iterator[str]:
    entries = [
        (name, colour, "")
        for _, name, colour, read in _SERIES
        if any(read(p) is not None for p in series)
    ]
    if bac is not None:
        entries.append(("Budget (BAC)", _BAC_COLOUR, ' stroke-dasharray="6 4"'))
    yield '<g font-size="13" fill="#222">'
    x = Decimal(LEFT)
    for name, colour, dash in entries:
        yield (
            f'<line x1="{_num(x)}" y1="62" x2="{_num(x + 24)}" y2="62" stroke="{colour}" '
            f'stroke-width="3"{dash}/>'
        )
        yield _label(x + 30, 66, name)
        x += 30 + _CHAR_WIDTH * len(name) + 20  # swatch, text, gap
    yield "</g>"


def _document(title: str, body: Sequence[str]) -> str:
    shown = title if len(title) <= _MAX_TITLE else title[: _MAX_TITLE - 1] + "…"
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="{_FONT}">'
        f"<title>{_text(title)}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        f'<text x="{LEFT}" y="34" font-size="18" font-weight="600" fill="#111">'
        f"{_text(shown)}</text>"
    )
    return "\n".join([head, *body, "</svg>\n"])


def _no_data() -> list[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    return [
        f'<rect x="{LEFT}" y="{TOP}" width="{right - LEFT}" height="{bottom - TOP}" '
        'fill="#fafafa" stroke="#cccccc" stroke-dasharray="4 4"/>',
        f'<text x="{(LEFT + right) // 2}" y="{(TOP + bottom) // 2}" text-anchor="middle" '
        'font-size="16" fill="#666">No earned-value data yet</text>',
    ]


def render_evm_chart(
    series: Sequence[SeriesPoint], *, title: str, currency: str, bac: Decimal | None
) -> str:
    """An SVG chart of PV, EV and AC over the series' dates, with BAC dashed when given."""
    if not series:
        return _document(title, _no_data())
    ordered = sorted(series, key=lambda p: p.date)
    amounts = [v for p in ordered for v in (p.pv, p.ev, p.ac) if v is not None]
    ticks = money_ticks([*amounts, *([] if bac is None else [bac])])
    days = (ordered[-1].date - ordered[0].date).days
    frame = _Frame(ordered[0].date, days, ticks[0], ticks[-1])
    body = [
        *_y_axis(frame, ticks, currency),
        *_x_axis(frame),
        *_bac_line(frame, bac, currency),
        *_curves(frame, ordered),
        *_legend(ordered, bac),
    ]
    return _document(title, body)
