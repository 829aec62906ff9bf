"""The portfolio charts are well-formed SVG. The bubble chart: a bubble per component at its
value and risk, its area in proportion to its cost, coloured by health, the selected ringed,
every bubble labelled with no label overlapping another or leaving the plot, escaped text, the
components without a value named. The frontier: the optimum at each budget as steps, the
infeasible budgets on the axis, the adopted budget and selection marked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from itertools import combinations, pairwise

from reporting_svc.domain import bubble, frontier
from reporting_svc.domain.bubble import Bubble, render_bubbles
from reporting_svc.domain.frontier import Adopted, FrontierPoint, render_frontier
from reporting_svc.domain.health import HealthBand, HealthThresholds, Rag

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal


def _parse(svg: str) -> ET.Element:
    # The document is the code under test's own output, not untrusted input.
    return ET.fromstring(svg.encode())  # noqa: S314


def _bubble(label: str, value: str, risk: str, cost: str, health: Rag | None, **kw: bool) -> Bubble:
    return Bubble(
        key=f"id-{label}",
        label=label,
        description=f"{label}: tip",
        value=D(value),
        risk=D(risk),
        cost=D(cost),
        health=health,
        selected=kw.get("selected", False),
    )


def _circles(root: ET.Element) -> dict[str, ET.Element]:
    return {
        c.get("data-component", ""): c for c in root.iter(f"{SVG}circle") if c.get("data-component")
    }


def test_a_bubble_per_component_at_its_value_and_risk_sized_by_cost() -> None:
    bubbles = [
        _bubble("BIG", "2.5", "0.5", "400", Rag.AMBER, selected=True),
        _bubble("QUARTER", "5", "0", "100", Rag.GREEN),
        _bubble("NONE", "0", "1", "0", None),
    ]
    root = _parse(render_bubbles(bubbles, unplotted=[], title="PF", subtitle="s", currency="EUR"))
    circles = _circles(root)
    big, quarter, none = circles["id-BIG"], circles["id-QUARTER"], circles["id-NONE"]
    middle_x = bubble.LEFT + (bubble.WIDTH - bubble.LEFT - bubble.RIGHT) / 2
    middle_y = bubble.TOP + (bubble.HEIGHT - bubble.TOP - bubble.BOTTOM) / 2
    assert (D(big.get("cx", "")), D(big.get("cy", ""))) == (D(middle_x), D(middle_y))
    assert D(quarter.get("cx", "")) == bubble.WIDTH - bubble.RIGHT  # value 5: the right edge
    assert D(none.get("cy", "")) == bubble.TOP  # risk 1: the top
    # area in proportion to cost: a quarter of the cost, half the radius
    assert (D(big.get("r", "")), D(quarter.get("r", ""))) == (
        bubble.MAX_RADIUS,
        bubble.MAX_RADIUS / 2,
    )
    assert D(none.get("r", "")) == bubble.MIN_RADIUS  # no cost: still seen
    assert [c.get("data-health") for c in (big, quarter, none)] == ["amber", "green", "none"]
    assert big.get("fill") != quarter.get("fill")
    assert none.get("stroke-dasharray")  # no health: not told by colour alone
    assert [c.get("data-selected") for c in (big, quarter, none)] == ["true", "false", "false"]
    rings = [
        c
        for c in root.iter(f"{SVG}circle")
        if c.get("fill") == "none" and c.get("stroke") == "#111"
    ]
    assert [D(r.get("r", "")) for r in rings] == [bubble.MAX_RADIUS + 3]
    tip = big.find(f"{SVG}title")
    assert tip is not None
    assert tip.text == "BIG: tip"


def _label_boxes(root: ET.Element) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    boxes = []
    for t in root.iter(f"{SVG}text"):
        if t.get("data-label") is None:
            continue
        x, y, width = D(t.get("x", "")), D(t.get("y", "")), D("7.2") * len(t.text or "")
        left = {"start": x, "end": x - width, "middle": x - width / 2}[t.get("text-anchor", "")]
        boxes.append((left, y - 11, left + width, y + 3))
    return boxes


def test_crowded_labels_never_overlap_nor_leave_the_plot() -> None:
    crowd = [
        _bubble(
            f"P-{n:02d}",
            str(D("2.4") + D(n % 4) / 10),
            str(D("0.4") + D(n // 4) / 20),
            str(50 + n * 10),
            Rag.GREEN,
        )
        for n in range(12)
    ]
    root = _parse(render_bubbles(crowd, unplotted=[], title="PF", subtitle="s", currency="EUR"))
    boxes = _label_boxes(root)
    assert len(boxes) == 12
    for (l1, t1, r1, b1), (l2, t2, r2, b2) in combinations(boxes, 2):
        assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, "two labels overlap"
    for left, top, right, bottom in boxes:
        assert left >= bubble.LEFT
        assert right <= bubble.WIDTH - bubble.RIGHT
        assert top >= bubble.TOP
        assert bottom <= bubble.HEIGHT - bubble.BOTTOM


def test_text_is_escaped_and_the_components_without_value_named() -> None:
    svg = render_bubbles(
        [_bubble("A<&>", "1", "0.1", "10", Rag.RED)],
        unplotted=["NEW-1", "<b>"],
        title="PF & co",
        subtitle="as of",
        currency="EUR",
    )
    root = _parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "A<&>" in texts
    assert "Not placed (no value: a score missing or no weights): NEW-1, <b>" in texts
    assert "PF & co" in texts


def test_the_legend_states_the_bands_health_was_rated_on() -> None:
    standards = HealthThresholds(
        spi=HealthBand(D("0.90"), D("0.80")),
        cpi=HealthBand(D("0.95"), D("0.85")),
        source="pmo-standards",
        effective_on=date(2026, 2, 1),
    )
    bubbles = [_bubble("G", "2", "0.3", "100", Rag.AMBER)]

    def legend(thresholds: HealthThresholds | None) -> list[str | None]:
        svg = render_bubbles(
            bubbles, unplotted=[], title="PF", subtitle="s", currency="EUR", thresholds=thresholds
        )
        return [t.text for t in _parse(svg).iter(f"{SVG}text")]

    rated = legend(standards)
    expected = {"green ≥ 0.90 / 0.95", "amber ≥ 0.80 / 0.85", "PMO standards", "from 2026-02-01"}
    assert expected <= set(rated)
    assert "default thresholds" in legend(HealthThresholds())
    assert not any(t and t.startswith("green ≥") for t in legend(None))


def test_no_bubble_to_place() -> None:
    root = _parse(render_bubbles([], unplotted=["A"], title="PF", subtitle="s", currency="EUR"))
    assert not _circles(root)
    assert "No component to place" in [t.text for t in root.iter(f"{SVG}text")]


def _points() -> list[FrontierPoint]:
    return [
        FrontierPoint(D(0), False),
        FrontierPoint(D(400), True, D("0.8"), D(400)),
        FrontierPoint(D(200), True, D("0.5"), D(200)),
        FrontierPoint(D(800), True, D("1.25"), D(650), current=True),
        FrontierPoint(D(1300), True, D("2.5"), D(1300)),
    ]


def test_the_frontier_steps_through_each_optimum_and_marks_the_adopted() -> None:
    svg = render_frontier(
        _points(),
        adopted=Adopted(D(800), D("1.25"), D(650)),
        title="PF-1",
        subtitle="adopted",
        currency="EUR",
    )
    root = _parse(svg)
    markers = [c for c in root.iter(f"{SVG}circle") if c.get("data-budget")]
    assert [(c.get("data-budget"), c.get("data-value")) for c in markers] == [
        ("0", None),
        ("200", "0.5"),
        ("400", "0.8"),
        ("800", "1.25"),
        ("1300", "2.5"),
    ]
    infeasible = markers[0]
    assert infeasible.get("data-infeasible") == "true"
    assert D(infeasible.get("cy", "")) == frontier.HEIGHT - frontier.BOTTOM  # on the budget axis
    [line] = [p for p in root.iter(f"{SVG}polyline") if p.get("data-series") == "frontier"]
    coords = [tuple(D(n) for n in p.split(",")) for p in (line.get("points") or "").split()]
    # each optimum is held until the next budget: a horizontal then a vertical segment
    assert len(coords) == 2 * 4 - 1
    for (x1, y1), (x2, y2) in pairwise(coords):
        assert x1 == x2 or y1 == y2
        assert x2 >= x1
        assert y2 <= y1
    [budget] = [e for e in root.iter(f"{SVG}line") if e.get("data-adopted") == "budget"]
    [chosen] = [c for c in root.iter(f"{SVG}circle") if c.get("data-adopted") == "selection"]
    assert budget.get("x1") == chosen.get("cx") == markers[3].get("cx")
    assert chosen.get("cy") == markers[3].get("cy")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "adopted budget 800.00 EUR" in texts
    assert "value 1.25 at cost 650.00" in texts
    assert "Infeasible budget" in texts
    tip = markers[3].find(f"{SVG}title")
    assert tip is not None
    assert tip.text == "budget 800.00 EUR: value 1.25 at cost 650.00 EUR"


def test_the_adopted_labels_stay_inside_the_plot_at_the_right_end() -> None:
    points = [FrontierPoint(D(b), True, D(b) / 100, D(b)) for b in (100, 200, 300)]
    svg = render_frontier(
        points, adopted=Adopted(D(300), D(3), D(300)), title="PF", subtitle="s", currency="JPY"
    )
    root = _parse(svg)
    texts = {t.text: t for t in root.iter(f"{SVG}text")}
    label = texts["value 3 at cost 300"]
    assert label.get("text-anchor") == "end"  # no room on the right: above-left of the point
    assert D(label.get("y", "")) > frontier.TOP + 14  # below the adopted budget's label
    assert texts["adopted budget 300 JPY"].get("text-anchor") == "end"
    assert "Infeasible budget" not in texts
