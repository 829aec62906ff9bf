"""The earned-value chart is well-formed SVG that shows its series, axes and escaped title."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest

from reporting_svc.domain.chart import money_ticks, render_evm_chart
from reporting_svc.domain.evm import Baseline, CostPoint, ProgressPoint, SeriesPoint, evm_series

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal
CENT = D("0.01")  # the EUR minor unit
START = date(2026, 1, 1)
BASELINE = Baseline(D(100000), START, START + timedelta(days=100))
SERIES = evm_series(
    BASELINE,
    [ProgressPoint(START + timedelta(days=20), D(15))],
    [CostPoint(START + timedelta(days=5), D("8000.50"))],
    start=START,
    end=START + timedelta(days=40),
    money=CENT,
)


def _parse(svg: str) -> ET.Element:
    # The document is the code under test's own output, not untrusted input.
    return ET.fromstring(svg.encode())  # noqa: S314


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _series(root: ET.Element) -> dict[str, ET.Element]:
    return {e.get("data-series", ""): e for e in root.iter() if e.get("data-series")}


def test_the_chart_has_three_lines_a_legend_axes_and_the_bac() -> None:
    root = _parse(render_evm_chart(SERIES, title="Data centre", currency="EUR", bac=D(100000)))
    assert root.tag == f"{SVG}svg"
    lines = _series(root)
    assert set(lines) == {"pv", "ev", "ac", "bac"}
    assert len(lines["pv"].get("points", "").split()) == 41  # one vertex a day
    assert lines["bac"].get("stroke-dasharray")
    texts = _texts(root)
    legend = ["Planned value (PV)", "Earned value (EV)", "Actual cost (AC)"]
    assert {*legend, "Budget (BAC)", "BAC 100,000.00 EUR"} <= set(texts)
    assert {"0", "20k", "40k", "60k", "80k", "100k"} <= set(texts)  # money ticks
    assert {"2026-01-01", "2026-02-10"} <= set(texts)  # both ends of the date axis
    assert "Amount (EUR)" in texts


def test_without_bac_or_baseline_only_the_known_lines_are_drawn() -> None:
    no_baseline = [SeriesPoint(p.date, None, None, p.ac) for p in SERIES]
    root = _parse(render_evm_chart(no_baseline, title="t", currency="USD", bac=None))
    assert set(_series(root)) == {"ac"}
    assert "Planned value (PV)" not in _texts(root)


def test_the_title_is_escaped() -> None:
    title = 'Q1 <script>alert("x")</script> & co\x00\x1b'
    svg = render_evm_chart(SERIES, title=title, currency='E"R<', bac=None)
    assert "<script>" not in svg
    root = _parse(svg)
    assert root.findtext(f"{SVG}title") == 'Q1 <script>alert("x")</script> & co'
    assert 'Q1 <script>alert("x")</script> & co' in _texts(root)
    assert 'Amount (E"R<)' in _texts(root)


def test_a_long_title_is_shortened_on_the_picture_but_kept_whole_in_its_title() -> None:
    root = _parse(render_evm_chart(SERIES, title="x" * 200, currency="EUR", bac=None))
    assert root.findtext(f"{SVG}title") == "x" * 200
    assert "x" * 55 + "…" in _texts(root)


def test_an_empty_series_says_there_is_no_data() -> None:
    root = _parse(render_evm_chart([], title="Nothing yet", currency="EUR", bac=D(5)))
    assert "No earned-value data yet" in _texts(root)
    assert "Nothing yet" in _texts(root)
    assert _series(root) == {}


def test_a_single_point_is_drawn_as_a_dot() -> None:
    one = [SeriesPoint(START, D(0), D(0), D(0))]
    root = _parse(render_evm_chart(one, title="t", currency="EUR", bac=None))
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    assert "2026-01-01" in _texts(root)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([D(95000)], [D(0), D(20000), D(40000), D(60000), D(80000), D(100000)]),
        ([D(12)], [D(0), D("2.5"), D(5), D("7.5"), D(10), D("12.5")]),
        ([D(-500), D(1500)], [D(-500), D(0), D(500), D(1000), D(1500)]),
        ([D(0)], [D("0"), D("0.2"), D("0.4"), D("0.6"), D("0.8"), D("1.0")]),
    ],
)
def test_money_ticks_are_round_and_cover_zero_and_the_values(
    values: list[Decimal], expected: list[Decimal]
) -> None:
    assert money_ticks(values) == expected
