"""The utilisation heatmap is well-formed SVG: a cell per resource and week coloured by its
band, overbooked cells outlined, every figure in a tooltip, a legend, escaped labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from uuid import uuid4

from reporting_svc.domain.heatmap import HeatmapRow, render_heatmap
from reporting_svc.domain.utilisation import Assignment, Resource, utilisation, weeks_from

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal
ANN, ROLE = uuid4(), uuid4()
WEEKS = weeks_from("2026-W01", count=4)


def _parse(svg: str) -> ET.Element:
    # The document is the code under test's own output, not untrusted input.
    return ET.fromstring(svg.encode())  # noqa: S314


def _rows() -> list[HeatmapRow]:
    loads = utilisation(
        [Resource(ANN, D(40)), Resource(ROLE, D(20))],
        [
            Assignment(uuid4(), ANN, uuid4(), D(20), "2026-W01", "2026-W04"),
            Assignment(uuid4(), ANN, uuid4(), D(30), "2026-W02", "2026-W02"),
            Assignment(uuid4(), ROLE, uuid4(), D(16), "2026-W03", "2026-W04"),
        ],
        weeks=WEEKS,
    )
    return [HeatmapRow("ann@example.org", loads[0]), HeatmapRow("Tester <QA> & co", loads[1])]


def test_one_cell_per_resource_and_week_coloured_by_utilisation() -> None:
    root = _parse(render_heatmap(_rows(), weeks=WEEKS, title="P-1 Payroll", subtitle="as of"))
    assert root.tag == f"{SVG}svg"
    rows = [g for g in root.iter(f"{SVG}g") if g.get("data-resource")]
    assert [g.get("data-resource") for g in rows] == [str(ANN), str(ROLE)]
    ann = {r.get("data-week"): r for r in rows[0].iter(f"{SVG}rect")}
    assert list(ann) == WEEKS
    assert {w: r.get("data-utilisation") for w, r in ann.items()} == {
        "2026-W01": "0.5000",
        "2026-W02": "1.2500",
        "2026-W03": "0.5000",
        "2026-W04": "0.5000",
    }
    assert ann["2026-W01"].get("fill") == "#c6dbef"  # 1-50%
    assert ann["2026-W02"].get("fill") == "#d94801"  # over 120%
    tip = ann["2026-W02"].find(f"{SVG}title")
    assert tip is not None
    assert tip.text == "ann@example.org, 2026-W02: 50 of 40 h (125%), overbooked"
    outlined = [
        r.get("data-week") for g in root.iter(f"{SVG}g") if g.get("data-outline") for r in g
    ]
    assert outlined == ["2026-W02"]


def test_labels_legend_and_axis_are_there_and_escaped() -> None:
    svg = render_heatmap(_rows(), weeks=WEEKS, title="P-1 <Payroll> & more", subtitle="as of 2026")
    root = _parse(svg)  # parses: the label and title are escaped
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "Tester <QA> & co" in texts
    assert "P-1 <Payroll> & more" in texts
    assert {"2026", "W01", "W04"} <= set(texts)
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("data-legend"))
    labels = [t.text for t in legend.iter(f"{SVG}text")]
    assert labels == [
        "Assigned / capacity:",
        "0%",
        "1-50%",
        "51-80%",
        "81-100%",
        "101-120%",
        "over 120%",
        "no capacity",
        "overbooked",
    ]
    assert "125%" in texts  # wide cells show their figure


def test_a_long_label_is_cut_with_the_whole_in_its_tooltip() -> None:
    [row, _] = _rows()
    long = HeatmapRow("x" * 80, row.load)
    root = _parse(render_heatmap([long], weeks=WEEKS, title="t", subtitle="s"))
    label = next(t for t in root.iter(f"{SVG}text") if (t.text or "").startswith("xxx"))
    assert label.text == "x" * 31 + "…"
    title = label.find(f"{SVG}title")
    assert title is not None
    assert title.text == "x" * 80


def test_without_resources_or_weeks_a_note_says_so() -> None:
    for rows, weeks in (([], WEEKS), (_rows(), [])):
        root = _parse(render_heatmap(rows, weeks=weeks, title="Empty", subtitle="as of"))
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert "No resources or weeks to show" in texts
        assert not [r for r in root.iter(f"{SVG}rect") if r.get("data-week")]
