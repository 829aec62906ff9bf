"""Resource utilisation as an SVG heatmap: one row per resource, one column per ISO week, each
cell coloured by hours assigned over capacity, with a legend, the year and week numbers on top,
and the figures in each cell's tooltip (and in the cell itself when it is wide enough).

Hand-written like the S-curve (`chart`, which says why). Blues up to full capacity, oranges
beyond it: told apart with the common colour-vision deficiencies, and an overbooked cell also
has a dark outline, so colour is never the only cue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from reporting_svc.domain.svg import FONT, number, xml_text
from reporting_svc.domain.utilisation import ResourceLoad, WeekLoad

# (upper bound of utilisation or None for no bound, fill, text colour, legend label)
_BANDS: tuple[tuple[Decimal | None, str, str, str], ...] = (
    (Decimal(0), "#f2f2f2", "#333333", "0%"),
    (Decimal("0.5"), "#c6dbef", "#111111", "1-50%"),
    (Decimal("0.8"), "#6baed6", "#111111", "51-80%"),
    (Decimal(1), "#2171b5", "#ffffff", "81-100%"),
    (Decimal("1.2"), "#fdae6b", "#111111", "101-120%"),
    (None, "#d94801", "#ffffff", "over 120%"),
)
_NO_CAPACITY = ("#ffffff", "#333333", "no capacity")
_OUTLINE = "#3b0f00"
_TOP, _ROW, _MARGIN = 118, 28, 24
_MAX_LABEL = 32  # characters of a resource's label
_MAX_TITLE = 90  # characters of 18px bold text that fit the narrowest document
_CHAR = Decimal("7.2")  # average advance of 12px sans-serif text
_PLOT_WIDTH = Decimal(900)


@dataclass(frozen=True, slots=True)
class HeatmapRow:
    """One resource's row: its label (a person or a role) and its weekly load."""

    label: str
    load: ResourceLoad


def _band(week: WeekLoad) -> tuple[str, str]:
    if week.utilisation is None:
        return _NO_CAPACITY[0], _NO_CAPACITY[1]
    for bound, fill, ink, _ in _BANDS:
        if bound is None or week.utilisation <= bound:
            return fill, ink
    raise AssertionError("the last band has no bound")  # pragma: no cover


def _percent(week: WeekLoad) -> str:
    if week.utilisation is None:
        return "-"
    return f"{(week.utilisation * 100).quantize(Decimal(1)):f}%"


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "…"


@dataclass(frozen=True, slots=True)
class _Grid:
    left: Decimal
    cell: Decimal
    weeks: Sequence[str]

    def x(self, column: int) -> Decimal:
        return self.left + self.cell * column

    @property
    def right(self) -> Decimal:
        return self.x(len(self.weeks))


def _grid(rows: Sequence[HeatmapRow], weeks: Sequence[str]) -> _Grid:
    longest = max((len(_short(r.label)) for r in rows), default=8)
    left = min(max(_CHAR * longest + 20, Decimal(120)), Decimal(280))
    cell = min(max(_PLOT_WIDTH / max(len(weeks), 1), Decimal(10)), Decimal(48))
    return _Grid(left.quantize(Decimal(1)), cell.quantize(Decimal("0.1")), weeks)


def _week_axis(grid: _Grid) -> Iterator[str]:
    every = int((Decimal(30) / grid.cell).to_integral_value(rounding=ROUND_CEILING))
    year = ""
    yield '<g font-size="11" fill="#333">'
    for column, week in enumerate(grid.weeks):
        middle = grid.x(column) + grid.cell / 2
        if week[:4] != year:
            year = week[:4]
            x = number(grid.x(column))
            yield f'<text x="{x}" y="{_TOP - 24}" font-weight="600">{xml_text(year)}</text>'
        if column % every == 0:
            yield (
                f'<text x="{number(middle)}" y="{_TOP - 8}" text-anchor="middle">'
                f"{xml_text(week[5:])}</text>"
            )
    yield "</g>"


def _cell(grid: _Grid, row: int, column: int, label: str, week: WeekLoad) -> Iterator[str]:
    fill, ink = _band(week)
    x, y = grid.x(column), _TOP + row * _ROW
    edge = "#cccccc" if week.utilisation is None else "#ffffff"  # a white cell still shows
    tip = (
        f"{label}, {week.week}: {week.assigned.normalize():f} of "
        f"{week.capacity.normalize():f} h ({_percent(week)})"
        + (", overbooked" if week.overbooked else "")
    )
    yield (
        f'<rect x="{number(x)}" y="{y}" width="{number(grid.cell)}" height="{_ROW}" '
        f'fill="{fill}" stroke="{edge}" data-week="{xml_text(week.week)}" '
        f'data-utilisation="{week.utilisation if week.utilisation is not None else ""}">'
        f"<title>{xml_text(tip)}</title></rect>"
    )
    if grid.cell >= 34:
        yield (
            f'<text x="{number(x + grid.cell / 2)}" y="{y + 18}" text-anchor="middle" '
            f'font-size="11" fill="{ink}">{_percent(week)}</text>'
        )


def _rows(grid: _Grid, rows: Sequence[HeatmapRow]) -> Iterator[str]:
    for index, row in enumerate(rows):
        y = _TOP + index * _ROW
        yield (
            f'<g data-resource="{row.load.resource_id}">'
            f'<text x="{number(grid.left - 8)}" y="{y + 18}" text-anchor="end" font-size="12" '
            f'fill="#222">{xml_text(_short(row.label))}<title>{xml_text(row.label)}</title></text>'
        )
        for column, week in enumerate(row.load.weeks):
            yield from _cell(grid, index, column, row.label, week)
        yield "</g>"


def _outlines(grid: _Grid, rows: Sequence[HeatmapRow]) -> Iterator[str]:
    """Overbooked cells outlined, drawn over every cell so no neighbour hides an edge."""
    yield f'<g fill="none" stroke="{_OUTLINE}" stroke-width="2" data-outline="overbooked">'
    for index, row in enumerate(rows):
        for column, week in enumerate(row.load.weeks):
            if week.overbooked:
                yield (
                    f'<rect x="{number(grid.x(column) + 1)}" y="{_TOP + index * _ROW + 1}" '
                    f'width="{number(grid.cell - 2)}" height="{_ROW - 2}" '
                    f'data-week="{xml_text(week.week)}"/>'
                )
    yield "</g>"


_LEGEND = [(fill, label) for _, fill, _, label in _BANDS] + [(_NO_CAPACITY[0], _NO_CAPACITY[2])]
_LEGEND_TITLE = "Assigned / capacity:"


def _legend_width() -> Decimal:
    entries = [label for _, label in _LEGEND] + ["overbooked"]
    return Decimal(140) + sum((40 + _CHAR * len(label) for label in entries), Decimal(0))


def _legend(x: Decimal, y: int) -> Iterator[str]:
    yield (
        f'<g font-size="12" fill="#222" data-legend="utilisation">'
        f'<text x="{number(x)}" y="{y + 12}">{_LEGEND_TITLE}</text>'
    )
    x += 140
    for fill, label in _LEGEND:
        yield (
            f'<rect x="{number(x)}" y="{y}" width="16" height="16" fill="{fill}" stroke="#999999"/>'
        )
        yield f'<text x="{number(x + 22)}" y="{y + 12}">{xml_text(label)}</text>'
        x += 22 + _CHAR * len(label) + 18
    yield (
        f'<rect x="{number(x)}" y="{y}" width="16" height="16" fill="#ffffff" '
        f'stroke="{_OUTLINE}" stroke-width="2"/>'
        f'<text x="{number(x + 22)}" y="{y + 12}">overbooked</text></g>'
    )


def render_heatmap(
    rows: Sequence[HeatmapRow], *, weeks: Sequence[str], title: str, subtitle: str
) -> str:
    """The heatmap of `rows` over `weeks` (ISO weeks, as in each row's load) as a standalone
    SVG document; a "no resources" note when there is nothing to show."""
    grid = _grid(rows, weeks)
    empty = not rows or not weeks
    width = max(grid.right, _MARGIN + _legend_width()).quantize(Decimal(1)) + _MARGIN
    shown = title if len(title) <= _MAX_TITLE else title[: _MAX_TITLE - 1] + "…"
    legend_y = _TOP + max(len(rows), 2) * _ROW + 24
    height = legend_y + 40
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="{FONT}">'
        f"<title>{xml_text(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>'
        f'<text x="{_MARGIN}" y="32" font-size="18" font-weight="600" fill="#111">'
        f"{xml_text(shown)}</text>"
        f'<text x="{_MARGIN}" y="54" font-size="13" fill="#444">{xml_text(subtitle)}</text>'
    )
    if empty:
        body = [
            f'<text x="{_MARGIN}" y="{_TOP + 20}" font-size="15" fill="#666">'
            "No resources or weeks to show</text>"
        ]
    else:
        body = [
            *_week_axis(grid),
            *_rows(grid, rows),
            *_outlines(grid, rows),
            *_legend(Decimal(_MARGIN), legend_y),
        ]
    return "\n".join([head, *body, "</svg>\n"])
