"""The benchmarks' box plot is a well-formed SVG: a row per group in the order given, each box
from P25 to P75 with its median and whiskers at the minimum and maximum on one scale, groups
below the minimum hatched, faded and labelled, a group without values said so, long labels
shortened inside the margin, text escaped, a dashed line at 0 %, rows beyond the maximum
counted."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from reporting_svc.domain import boxplot
from reporting_svc.domain.benchmarks import distribution
from reporting_svc.domain.boxplot import BoxRow, render_boxplot

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal


def _parse(svg: str) -> ET.Element:
    # The document is the code under test's own output, not untrusted input.
    return ET.fromstring(svg.encode())  # noqa: S314


def _row(label: str, *values: str, below: bool = False, note: str = "n") -> BoxRow:
    return BoxRow(label, note, distribution(D(v) for v in values), below)


ROWS = [
    _row("agile", "-10", "0", "5", "10", "20", "50", note="n=6 · +1 cancelled"),
    _row("waterfall <&>", "0", "30", "60", below=True, note="n=3 · below minimum 5"),
    _row("x" * 60, "7", below=True),
    _row("none", below=True, note="n=0 · +2 cancelled"),
]


def _groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "data-group" in g.attrib]


def test_a_box_per_group_on_one_scale() -> None:
    root = _parse(render_boxplot(ROWS, title="Cost overrun", subtitle="s", minimum=5))
    groups = _groups(root)
    assert [g.get("data-group") for g in groups] == ["agile", "waterfall <&>", "x" * 60, "none"]
    agile = groups[0]
    assert [agile.get(k) for k in ("data-min", "data-p25", "data-median", "data-p75")] == [
        "-10.00",
        "1.25",
        "7.50",
        "17.50",
    ]
    assert agile.get("data-max") == "50.00"
    assert agile.get("data-below-minimum") == "false"
    [box] = agile.iter(f"{SVG}rect")
    lines = list(agile.iter(f"{SVG}line"))
    whiskers = [ln for ln in lines if ln.get("y1") == ln.get("y2")]
    left, right = sorted(whiskers, key=lambda ln: float(ln.get("x1", "0")))
    x25, width = float(box.get("x", "0")), float(box.get("width", "0"))
    # Whiskers from the minimum to P25 and from P75 to the maximum; the median inside the box.
    assert float(left.get("x2", "0")) == x25
    assert float(right.get("x1", "0")) == x25 + width
    [median] = [ln for ln in lines if ln.get("data-median")]
    assert x25 < float(median.get("x1", "0")) < x25 + width
    assert float(left.get("x1", "0")) < x25 < x25 + width < float(right.get("x2", "0"))
    # One scale for every row: the dashed line at 0 % is under the tick labelled 0, and the
    # scale has room beyond the largest value (60 %, not on the plot's edge).
    [zero] = [ln for ln in root.iter(f"{SVG}line") if ln.get("data-line") == "on-budget"]
    ticks = {
        "".join(t.itertext()): t.get("x")
        for t in root.iter(f"{SVG}text")
        if t.get("text-anchor") == "middle"
    }
    assert zero.get("x1") == ticks["0"]
    assert float(ticks["60"] or 0) < boxplot.WIDTH - boxplot.RIGHT
    # Agile's maximum, 50 %, half way between the ticks at 40 and 60.
    halfway = (float(ticks["40"] or 0) + float(ticks["60"] or 0)) / 2
    assert float(right.get("x2", "0")) == pytest.approx(halfway, abs=0.1)
    assert zero.get("stroke-dasharray")


def test_groups_below_the_minimum_are_hatched_faded_and_labelled() -> None:
    svg = render_boxplot(ROWS, title="Cost overrun", subtitle="s", minimum=5)
    root = _parse(svg)
    below = [g for g in _groups(root) if g.get("data-below-minimum") == "true"]
    assert [g.get("data-group") for g in below] == ["waterfall <&>", "x" * 60]
    for g in below:
        assert float(g.get("opacity", "1")) < 1
        assert [r.get("fill") for r in g.iter(f"{SVG}rect")] == ["url(#below-minimum)"]
    assert root.find(f"{SVG}defs/{SVG}pattern[@id='below-minimum']") is not None
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "n=3 · below minimum 5" in texts
    assert "Fewer than 5 completed projects" in texts  # the legend explains the hatching
    assert "waterfall <&>" in texts  # escaped in the document, itself when read
    assert "&lt;&amp;&gt;" in svg


def test_a_group_without_values_says_so_and_long_labels_are_shortened() -> None:
    root = _parse(render_boxplot(ROWS, title="Cost overrun", subtitle="s", minimum=5))
    [empty] = [g for g in _groups(root) if g.get("data-empty")]
    assert empty.get("data-group") == "none"
    assert "no completed project" in "".join(empty.itertext())
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    shortened = [t for t in texts if t.startswith("xxx")]
    assert shortened == ["x" * 31 + "…"]
    # Every label ends at the plot's left edge, so none runs into the boxes.
    labels = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert {t.get("x") for t in labels} == {f"{boxplot.LEFT - 10}.0"}


def test_the_height_follows_the_rows_and_extra_rows_are_counted() -> None:
    many = [_row(f"g{i}", str(i)) for i in range(boxplot.MAX_ROWS + 3)]
    root = _parse(render_boxplot(many, title="t", subtitle="s", minimum=1))
    assert len(_groups(root)) == boxplot.MAX_ROWS
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any("3 more groups" in t for t in texts)
    two = _parse(render_boxplot(many[:2], title="t", subtitle="s", minimum=1))
    assert int(two.get("height", "0")) == boxplot.TOP + 2 * boxplot.ROW + boxplot.BOTTOM


def test_no_groups_is_still_a_chart() -> None:
    root = _parse(render_boxplot([], title="t", subtitle="s", minimum=5))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "No closed projects yet" in texts
    assert _groups(root) == []
