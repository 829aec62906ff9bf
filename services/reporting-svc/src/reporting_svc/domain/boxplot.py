"""Benchmarks as a box plot: one horizontal box per group of the cost overrun % of its completed
projects (box from P25 to P75, a line at the median, whiskers to the minimum and maximum), as a
standalone SVG document.

Hand-written like the S-curve (`chart`, which says why). Groups are rows, so a long label (a
program's name, a manager's id) never collides with its neighbour's; labels longer than the
margin are shortened with an ellipsis (the whole one in the row's tooltip). A group below the
minimum size is drawn faded and hatched and says so in its label, so colour is never the only
cue. A dashed line marks 0 % (on budget). Okabe-Ito colours; coordinates from Decimal."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reporting_svc.domain.benchmarks import Distribution
from reporting_svc.domain.chart import money_ticks
from reporting_svc.domain.svg import FONT, number, xml_text

WIDTH = 900
LEFT, RIGHT, TOP, BOTTOM = 250, 40, 112, 64
ROW = 44
MAX_ROWS = 40
_BOX, _EDGE, _MUTED, _ZERO = "#56B4E9", "#0072B2", "#999999", "#D55E00"
_CHAR = Decimal("7.2")  # average advance of 12px sans-serif text
_LABEL_CHARS = 32  # what fits the left margin at 12px
_MAX_TITLE = 70


@dataclass(frozen=True, slots=True)
class BoxRow:
    """One group: its label, a note under it (counts), its distribution, whether below the
    minimum group size."""

    label: str
    note: str
    stats: Distribution
    below_minimum: bool


@dataclass(frozen=True, slots=True)
class _Frame:
    low: Decimal
    high: Decimal

    def x(self, value: Decimal) -> Decimal:
        return LEFT + (WIDTH - LEFT - RIGHT) * (value - self.low) / (self.high - self.low)


def _height(rows: int) -> int:
    return TOP + ROW * max(rows, 1) + BOTTOM


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(x: Decimal | int, y: Decimal | int, content: str, *, anchor: str = "start") -> str:
    return (
        f'<text x="{number(Decimal(x))}" y="{number(Decimal(y))}" text-anchor="{anchor}">'
        f"{xml_text(content)}</text>"
    )


def _grid(frame: _Frame, ticks: Sequence[Decimal], rows: int) -> Iterator[str]:
    for i in range(1, rows, 2):  # every other row shaded, to follow a row across
        yield (
            f'<rect x="{LEFT}" y="{TOP + ROW * i}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{ROW}" fill="#f4f6f8"/>'
        )
    bottom = TOP + ROW * max(rows, 1)
    yield '<g stroke="#e3e3e3" stroke-width="1">'
    for tick in ticks:
        x = number(frame.x(tick))
        yield f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{bottom}"/>'
    yield "</g>"
    # Under the boxes, so it never hides a median on 0 %.
    zero = number(frame.x(Decimal(0)))
    yield (
        f'<line data-line="on-budget" x1="{zero}" y1="{TOP - 6}" x2="{zero}" y2="{bottom}" '
        f'stroke="{_ZERO}" stroke-width="1.5" stroke-dasharray="5 4"/>'
    )


def _axis(frame: _Frame, ticks: Sequence[Decimal], rows: int) -> Iterator[str]:
    bottom, right = TOP + ROW * max(rows, 1), WIDTH - RIGHT
    yield f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>'
    yield '<g font-size="12" fill="#333">'
    for tick in ticks:
        x = frame.x(tick)
        yield (
            f'<line x1="{number(x)}" y1="{bottom}" x2="{number(x)}" y2="{bottom + 5}" '
            'stroke="#333"/>'
        )
        yield _text(x, bottom + 20, f"{tick.normalize():f}", anchor="middle")
    label = "Cost overrun % (AC at closing vs the first baseline's BAC)"
    yield _text((LEFT + right) // 2, bottom + 44, label, anchor="middle")
    yield "</g>"


def _width(left: Decimal, right: Decimal) -> str:
    """The width between two coordinates as drawn (each to a tenth), so edges meet exactly."""
    return number(Decimal(number(right)) - Decimal(number(left)))


def _tooltip(row: BoxRow) -> str:
    s = row.stats
    parts = [f"{row.label}: n={s.n}"]
    if s.n:
        shown = (s.minimum, s.p25, s.median, s.p75, s.maximum)
        names = ("min", "P25", "median", "P75", "max")
        parts += [f"{n} {v:f} %" for n, v in zip(names, shown, strict=True) if v is not None]
    if row.below_minimum:
        parts.append("below the minimum group size")
    return ", ".join(parts)


def _box(frame: _Frame, row: BoxRow, middle: int) -> Iterator[str]:
    s = row.stats
    five = (s.minimum, s.p25, s.median, s.p75, s.maximum)
    x_min, x25, x50, x75, x_max = (frame.x(v or Decimal(0)) for v in five)  # n > 0: all given
    top, low, high = middle - 11, middle - 6, middle + 6
    faded = row.below_minimum
    stroke = _MUTED if faded else _EDGE
    fill = "url(#below-minimum)" if faded else _BOX
    dash = ' stroke-dasharray="4 3"' if faded else ""
    yield (
        f'<g data-group="{xml_text(row.label)}" data-below-minimum="{str(faded).lower()}" '
        f'data-min="{s.minimum}" data-p25="{s.p25}" data-median="{s.median}" '
        f'data-p75="{s.p75}" data-max="{s.maximum}" opacity="{"0.6" if faded else "1"}">'
        f"<title>{xml_text(_tooltip(row))}</title>"
    )
    for a, b in ((x_min, x25), (x75, x_max)):
        yield (
            f'<line x1="{number(a)}" y1="{middle}" x2="{number(b)}" y2="{middle}" '
            f'stroke="{stroke}" stroke-width="1.5"{dash}/>'
        )
    for x in (x_min, x_max):
        yield (
            f'<line x1="{number(x)}" y1="{low}" x2="{number(x)}" y2="{high}" '
            f'stroke="{stroke}" stroke-width="1.5"/>'
        )
    yield (
        f'<rect x="{number(x25)}" y="{top}" width="{_width(x25, x75)}" height="22" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>'
    )
    yield (
        f'<line data-median="{s.median}" x1="{number(x50)}" y1="{top}" x2="{number(x50)}" '
        f'y2="{top + 22}" stroke="#111" stroke-width="3"/>'
    )
    yield "</g>"


def _row(frame: _Frame, row: BoxRow, index: int) -> Iterator[str]:
    middle = TOP + ROW * index + ROW // 2
    weight = ' font-weight="600"' if not row.below_minimum else ""
    yield (
        f'<g font-size="12" fill="#222"{weight}>'
        f"<title>{xml_text(row.label)}</title>"
        f"{_text(LEFT - 10, middle - 3, _short(row.label, _LABEL_CHARS), anchor='end')}</g>"
    )
    colour = _ZERO if row.below_minimum else "#555"
    yield (
        f'<g font-size="11" fill="{colour}">'
        f"{_text(LEFT - 10, middle + 12, _short(row.note, _LABEL_CHARS + 4), anchor='end')}</g>"
    )
    if row.stats.n:
        yield from _box(frame, row, middle)
    else:
        empty = "no completed project with a cost overrun"
        backing = number(_CHAR * len(empty) + 12)  # keeps the grid and 0 % line off the text
        yield (
            f'<g font-size="12" fill="#777" data-group="{xml_text(row.label)}" data-empty="true">'
            f'<rect x="{LEFT + 6}" y="{middle - 10}" width="{backing}" height="20" '
            f'fill="#ffffff" opacity="0.9"/>{_text(LEFT + 12, middle + 4, empty)}</g>'
        )


_PATTERN = (
    '<defs><pattern id="below-minimum" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
    f'<line x1="0" y1="0" x2="0" y2="6" stroke="{_MUTED}" stroke-width="2"/></pattern></defs>'
)


def _legend(minimum: int) -> Iterator[str]:
    entries = (
        (
            f'<rect x="0" y="-12" width="24" height="14" fill="{_BOX}" stroke="{_EDGE}"/>'
            '<line x1="12" y1="-12" x2="12" y2="2" stroke="#111" stroke-width="3"/>',
            "P25 to P75, median; whiskers to min and max",
        ),
        (
            f'<rect x="0" y="-12" width="24" height="14" fill="url(#below-minimum)" '
            f'stroke="{_MUTED}" stroke-dasharray="4 3" opacity="0.6"/>',
            f"Fewer than {minimum} completed projects",
        ),
        (
            f'<line x1="12" y1="-14" x2="12" y2="4" stroke="{_ZERO}" stroke-width="1.5" '
            'stroke-dasharray="5 4"/>',
            "On budget (0 %)",
        ),
    )
    x = Decimal(40)
    yield '<g font-size="12" fill="#222" data-legend="boxplot">'
    for swatch, label in entries:
        yield (
            f'<g transform="translate({number(x)} 88)">{swatch}'
            f'<text x="30" y="0">{xml_text(label)}</text></g>'
        )
        x += 30 + _CHAR * len(label) + 24
    yield "</g>"


def _frame(rows: Sequence[BoxRow]) -> tuple[_Frame, list[Decimal]]:
    values = [v for r in rows for v in (r.stats.minimum, r.stats.maximum) if v is not None]
    ticks = money_ticks(values or [Decimal(10)], count=6)
    # A value on an end tick would sit on the plot's edge (0 % under the axis): one step more.
    step = ticks[1] - ticks[0]
    if values and min(values) <= ticks[0]:
        ticks.insert(0, ticks[0] - step)
    if values and max(values) >= ticks[-1]:
        ticks.append(ticks[-1] + step)
    return _Frame(ticks[0], ticks[-1]), ticks


def render_boxplot(rows: Sequence[BoxRow], *, title: str, subtitle: str, minimum: int) -> str:
    """The box plot of `rows` (in the order given; at most `MAX_ROWS`, the rest counted)."""
    shown_rows = list(rows[:MAX_ROWS])
    frame, ticks = _frame(shown_rows)
    height = _height(len(shown_rows))
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="{FONT}">'
        f"<title>{xml_text(title)}</title>{_PATTERN}"
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>'
        f'<text x="40" y="32" font-size="18" font-weight="600" fill="#111">'
        f"{xml_text(_short(title, _MAX_TITLE))}</text>"
        f'<text x="40" y="54" font-size="13" fill="#444">'
        f"{xml_text(_short(subtitle, _MAX_TITLE + 40))}</text>"
    )
    body = list(_grid(frame, ticks, len(shown_rows)))
    for i, row in enumerate(shown_rows):
        body += _row(frame, row, i)
    if not shown_rows:
        middle = (LEFT + WIDTH - RIGHT) // 2
        body.append(
            '<g font-size="14" fill="#666">'
            + _text(middle, TOP + ROW // 2 + 5, "No closed projects yet", anchor="middle")
            + "</g>"
        )
    if len(rows) > MAX_ROWS:
        more = f"… and {len(rows) - MAX_ROWS} more groups (in the JSON answer)"
        body.append(f'<g font-size="12" fill="#555">{_text(40, 76, more)}</g>')
    body += [*_axis(frame, ticks, len(shown_rows)), *_legend(minimum)]
    return "\n".join([head, *body, "</svg>\n"])
