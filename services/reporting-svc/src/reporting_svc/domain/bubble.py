"""A portfolio's components as an SVG bubble chart: value (Σ weight x score, 0..5) across, risk
score (0..1) up, each bubble's area in proportion to the component's cost, its colour its
health, labelled with its code; the components of the adopted selection ringed. The legend
states the bands health was rated on (the PMO's standards in force, or the defaults).

Hand-written like the S-curve (`chart`, which says why). Labels are placed one by one, biggest
bubble first, at the first of a few spots around the bubble that stays inside the plot and
overlaps no label placed before nor another bubble; failing that, at the spot that overlaps
least. Health is told by colour and, for a component without health, a dashed outline: the
colours differ in lightness too (red dark, amber light, green mid), and every figure is in the
bubble's tooltip. A component without a value (a score missing, no weights) cannot be placed:
it is named under the chart."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reporting_svc.domain.frontier import money_text
from reporting_svc.domain.health import HealthThresholds, Rag
from reporting_svc.domain.svg import FONT, compact, number, xml_text

WIDTH, HEIGHT = 860, 600
LEFT, RIGHT, TOP, BOTTOM = 80, 200, 84, 96  # the legend stands in the right margin
MAX_RADIUS, MIN_RADIUS = Decimal(38), Decimal(3)
_CHAR, _LABEL_HEIGHT = Decimal("7.2"), Decimal(14)  # 12px sans-serif text
_MAX_TITLE = 64
_MAX_LABEL = 24
_LEADER_FROM = Decimal(10)  # px between a bubble and its label from which a line joins them
_COLOURS: dict[Rag | None, tuple[str, str, str]] = {
    Rag.RED: ("#c0392b", "#7b241c", "red"),
    Rag.AMBER: ("#f5b041", "#9a6212", "amber"),
    Rag.GREEN: ("#52a36b", "#1e5631", "green"),
    None: ("#d5d8dc", "#707b7c", "no health yet"),
}


@dataclass(frozen=True, slots=True)
class Bubble:
    """One component as a bubble: its code (`label`), what its tooltip says of it, its value,
    risk score, cost and health, and whether the adopted selection has it."""

    key: str
    label: str
    description: str
    value: Decimal
    risk: Decimal
    cost: Decimal
    health: Rag | None
    selected: bool


@dataclass(frozen=True, slots=True)
class _Box:
    left: Decimal
    top: Decimal
    right: Decimal
    bottom: Decimal

    def overlap(self, other: _Box) -> Decimal:
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return width * height if width > 0 and height > 0 else Decimal(0)


@dataclass(frozen=True, slots=True)
class _Placed:
    bubble: Bubble
    x: Decimal
    y: Decimal
    r: Decimal

    @property
    def box(self) -> _Box:
        return _Box(self.x - self.r, self.y - self.r, self.x + self.r, self.y + self.r)


@dataclass(frozen=True, slots=True)
class _Frame:
    x_high: Decimal
    y_high: Decimal
    max_cost: Decimal

    def x(self, value: Decimal) -> Decimal:
        return LEFT + (WIDTH - LEFT - RIGHT) * value / self.x_high

    def y(self, risk: Decimal) -> Decimal:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * risk / self.y_high

    def r(self, cost: Decimal) -> Decimal:
        if self.max_cost <= 0 or cost <= 0:
            return MIN_RADIUS
        return max(MAX_RADIUS * (cost / self.max_cost).sqrt(), MIN_RADIUS)


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "…"


def _label_box(x: Decimal, y: Decimal, text: str, anchor: str) -> _Box:
    width = _CHAR * len(text)
    left = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
    return _Box(left, y - _LABEL_HEIGHT + 3, left + width, y + 3)


def _spots(p: _Placed) -> Iterator[tuple[Decimal, Decimal, str]]:
    """Where a label may go, nearest first: right, left, above, below, then the corners."""
    for gap in (Decimal(4), Decimal(14), Decimal(28)):
        d = p.r + gap
        yield p.x + d, p.y + 4, "start"
        yield p.x - d, p.y + 4, "end"
        yield p.x, p.y - d, "middle"
        yield p.x, p.y + d + 10, "middle"
        yield p.x + d * Decimal("0.7"), p.y - d * Decimal("0.7"), "start"
        yield p.x - d * Decimal("0.7"), p.y - d * Decimal("0.7"), "end"
        yield p.x + d * Decimal("0.7"), p.y + d * Decimal("0.7") + 10, "start"
        yield p.x - d * Decimal("0.7"), p.y + d * Decimal("0.7") + 10, "end"


_PLOT = _Box(Decimal(LEFT), Decimal(TOP), Decimal(WIDTH - RIGHT), Decimal(HEIGHT - BOTTOM))


def _place_labels(placed: Sequence[_Placed]) -> list[tuple[Decimal, Decimal, str]]:
    taken: list[_Box] = []
    spots = []
    for p in placed:
        text = _short(p.bubble.label)
        best: tuple[Decimal, tuple[Decimal, Decimal, str]] | None = None
        for x, y, anchor in _spots(p):
            box = _label_box(x, y, text, anchor)
            outside = box.left < _PLOT.left or box.right > _PLOT.right
            outside |= box.top < _PLOT.top or box.bottom > _PLOT.bottom
            clash = sum((box.overlap(t) for t in taken), Decimal(0))
            clash += sum((box.overlap(o.box) for o in placed if o is not p), Decimal(0))
            cost = clash + (Decimal(10) ** 6 if outside else 0)
            if best is None or cost < best[0]:
                best = (cost, (x, y, anchor))
            if cost == 0:
                break
        assert best is not None  # there is always a spot
        x, y, anchor = best[1]
        taken.append(_label_box(x, y, text, anchor))
        spots.append(best[1])
    return spots


def _axes(frame: _Frame) -> Iterator[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    x_ticks = [Decimal(v) for v in range(int(frame.x_high) + 1)]
    y_ticks = [Decimal(v) / 5 * frame.y_high for v in range(6)]
    yield '<g stroke="#ececec" stroke-width="1">'
    for t in x_ticks:
        x = number(frame.x(t))
        yield f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{bottom}"/>'
    for t in y_ticks:
        y = number(frame.y(t))
        yield f'<line x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}"/>'
    yield "</g>"
    yield (
        f'<rect x="{LEFT}" y="{TOP}" width="{right - LEFT}" height="{bottom - TOP}" '
        'fill="none" stroke="#333"/>'
    )
    yield '<g font-size="12" fill="#333">'
    for t in x_ticks:
        yield f'<text x="{number(frame.x(t))}" y="{bottom + 18}" text-anchor="middle">{t:f}</text>'
    for t in y_ticks:
        yield (
            f'<text x="{LEFT - 8}" y="{number(frame.y(t) + 4)}" text-anchor="end">'
            f"{t.quantize(Decimal('0.1')):f}</text>"
        )
    yield (
        f'<text x="{(LEFT + right) // 2}" y="{bottom + 40}" text-anchor="middle">'
        "Value (Σ weight &#215; score, 0&#8211;5)</text>"
        f'<text transform="translate(24 {(TOP + bottom) // 2}) rotate(-90)" '
        'text-anchor="middle">Risk score (0&#8211;1)</text></g>'
    )


def _bubbles(
    placed: Sequence[_Placed], spots: Sequence[tuple[Decimal, Decimal, str]]
) -> Iterator[str]:
    yield '<g data-layer="bubbles">'
    for p in placed:
        fill, edge, _ = _COLOURS[p.bubble.health]
        dash = ' stroke-dasharray="4 3"' if p.bubble.health is None else ""
        yield (
            f'<circle data-component="{xml_text(p.bubble.key)}" '
            f'data-health="{p.bubble.health.value if p.bubble.health else "none"}" '
            f'data-selected="{str(p.bubble.selected).lower()}" cx="{number(p.x)}" '
            f'cy="{number(p.y)}" r="{number(p.r)}" fill="{fill}" fill-opacity="0.78" '
            f'stroke="{edge}" stroke-width="1.2"{dash}>'
            f"<title>{xml_text(p.bubble.description)}</title></circle>"
        )
        if p.bubble.selected:  # a ring just outside the bubble
            yield (
                f'<circle cx="{number(p.x)}" cy="{number(p.y)}" r="{number(p.r + 3)}" '
                'fill="none" stroke="#111" stroke-width="2"/>'
            )
    yield "</g>"
    yield '<g font-size="12" fill="#111" data-layer="labels">'
    for p, (x, y, anchor) in zip(placed, spots, strict=True):
        yield from _leader(p, _label_box(x, y, _short(p.bubble.label), anchor))
        yield (
            f'<text data-label="{xml_text(p.bubble.key)}" x="{number(x)}" y="{number(y)}" '
            f'text-anchor="{anchor}">{xml_text(_short(p.bubble.label))}</text>'
        )
    yield "</g>"


def _leader(p: _Placed, box: _Box) -> Iterator[str]:
    """A thin line from the bubble to its label, when the label had to stand off."""
    near_x = min(max(p.x, box.left), box.right)
    near_y = min(max(p.y, box.top), box.bottom)
    dx, dy = near_x - p.x, near_y - p.y
    distance = (dx * dx + dy * dy).sqrt()
    if distance - p.r <= _LEADER_FROM:
        return
    start_x, start_y = p.x + dx * (p.r + 1) / distance, p.y + dy * (p.r + 1) / distance
    yield (
        f'<line data-leader="{xml_text(p.bubble.key)}" x1="{number(start_x)}" '
        f'y1="{number(start_y)}" x2="{number(near_x)}" y2="{number(near_y)}" '
        'stroke="#666" stroke-width="0.8"/>'
    )


def _bands(x: int, y: int, thresholds: HealthThresholds) -> Iterator[str]:
    """The bands the colours were rated on, SPI's and CPI's side by side, and their source."""
    spi, cpi = thresholds.spi, thresholds.cpi
    since = thresholds.effective_on
    source = ["default thresholds"]
    if thresholds.source == "pmo-standards" and since is not None:
        source = ["PMO standards", f"from {since.isoformat()}"]
    yield f'<text x="{x}" y="{y}" font-weight="600">Rated on SPI / CPI</text>'
    yield f'<text x="{x}" y="{y + 18}">green &#8805; {spi.green:f} / {cpi.green:f}</text>'
    yield f'<text x="{x}" y="{y + 36}">amber &#8805; {spi.amber:f} / {cpi.amber:f}</text>'
    for i, line in enumerate(source):
        yield f'<text x="{x}" y="{y + 54 + 16 * i}" fill="#555">{xml_text(line)}</text>'


def _legend(frame: _Frame, currency: str, thresholds: HealthThresholds | None) -> Iterator[str]:
    x = WIDTH - RIGHT + 24
    yield (
        f'<g font-size="12" fill="#222" data-legend="bubbles">'
        f'<text x="{x}" y="{TOP + 10}" font-weight="600">Health</text>'
    )
    y = TOP + 30
    for rating in (Rag.RED, Rag.AMBER, Rag.GREEN, None):
        fill, edge, name = _COLOURS[rating]
        dash = ' stroke-dasharray="3 2"' if rating is None else ""
        yield f'<circle cx="{x + 7}" cy="{y - 4}" r="7" fill="{fill}" stroke="{edge}"{dash}/>'
        yield f'<text x="{x + 22}" y="{y}">{name}</text>'
        y += 22
    yield f'<circle cx="{x + 7}" cy="{y - 4}" r="7" fill="#fff" stroke="#111" stroke-width="2"/>'
    yield f'<text x="{x + 22}" y="{y}">adopted selection</text>'
    if thresholds is not None:
        yield from _bands(x, y + 34, thresholds)
        y += 104
    y += 36
    yield f'<text x="{x}" y="{y}" font-weight="600">Area = cost ({xml_text(currency)})</text>'
    for share in (Decimal(1), Decimal("0.25")):
        cost = frame.max_cost * share
        r = frame.r(cost)
        y += int(r * 2) + 10
        yield (
            f'<circle cx="{number(x + MAX_RADIUS)}" cy="{number(y - r)}" r="{number(r)}" '
            'fill="none" stroke="#555"/>'
        )
        at = f'x="{number(x + MAX_RADIUS * 2 + 8)}" y="{number(y - r + 4)}"'
        yield f"<text {at}>{compact(cost)}</text>"
    yield "</g>"


def _unplotted(names: Sequence[str]) -> Iterator[str]:
    if names:
        shown = ", ".join(_short(n) for n in names[:12]) + (" …" if len(names) > 12 else "")
        yield (
            f'<text x="{LEFT}" y="{HEIGHT - 22}" font-size="12" fill="#555">'
            f"{xml_text('Not placed (no value: a score missing or no weights): ' + shown)}</text>"
        )


def render_bubbles(
    bubbles: Sequence[Bubble],
    *,
    unplotted: Sequence[str],
    title: str,
    subtitle: str,
    currency: str,
    thresholds: HealthThresholds | None = None,
) -> str:
    """The bubble chart of `bubbles` as a standalone SVG document; `unplotted`: the labels of
    components without a value; `thresholds`: what their health was rated on (in the legend)."""
    frame = _Frame(
        x_high=max([Decimal(5), *(b.value for b in bubbles)]).to_integral_value(
            rounding="ROUND_CEILING"
        ),
        y_high=max([Decimal(1), *(b.risk for b in bubbles)]),
        max_cost=max([Decimal(0), *(b.cost for b in bubbles)]),
    )
    # Biggest first: drawn under the small ones, and labelled first.
    order = sorted(bubbles, key=lambda b: (-b.cost, b.label, b.key))
    placed = [_Placed(b, frame.x(b.value), frame.y(b.risk), frame.r(b.cost)) for b in order]
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
    body = [*_axes(frame)]
    if placed:
        body += [*_bubbles(placed, _place_labels(placed)), *_legend(frame, currency, thresholds)]
    else:
        body.append(
            f'<text x="{(LEFT + WIDTH - RIGHT) // 2}" y="{(TOP + HEIGHT - BOTTOM) // 2}" '
            'text-anchor="middle" font-size="15" fill="#666">No component to place</text>'
        )
    body += [*_unplotted(unplotted)]
    return "\n".join([head, *body, "</svg>\n"])


def description(
    *,
    code: str,
    name: str | None,
    value: Decimal,
    risk: Decimal,
    cost: Decimal,
    currency: str,
    health: Rag | None,
    decision: str,
    selected: bool,
) -> str:
    """What a bubble's tooltip says of its component."""
    named = f"{code} {name}" if name else code
    health_text = health.value if health is not None else "no health yet"
    chosen = ", in the adopted selection" if selected else ""
    return (
        f"{named}: value {value.normalize():f}, risk {risk.normalize():f}, cost "
        f"{money_text(cost, currency)} {currency}, health {health_text}, {decision}{chosen}"
    )
