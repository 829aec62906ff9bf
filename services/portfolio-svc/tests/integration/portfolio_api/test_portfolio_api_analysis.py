"""The worked checks through the running service, on both time axes: the AHP weights, the
worked selection (A forced out by a scenario, or terminated: B, C, E, value 1.25, cost 650),
the ranking, a scenario against the baseline, and the frontier as JSON and as an SVG image."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from .portfolio_flows import (
    References,
    create_portfolio,
    letters,
    post,
    put,
    worked_portfolio,
)

pytestmark = pytest.mark.integration

SVG = "{http://www.w3.org/2000/svg}"


async def test_the_worked_selection_under_a_scenario_and_after_a_termination(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    portfolio_id, ids = await worked_portfolio(api, projects, known)
    p = f"/v1/portfolios/{portfolio_id}"

    scenario = (await api.get(f"{p}/selection", params={"scenario": "no A"})).json()
    baseline = (await api.get(f"{p}/selection")).json()
    before = datetime.now(UTC).isoformat()
    await post(
        api,
        f"{p}/decisions",
        {
            "component_id": ids["A"],
            "decision": "terminate",
            "rationale": "off strategy",
            "decided_on": "2026-03-01",
        },
    )
    terminated = (await api.get(f"{p}/selection", params={"as_of": "2026-03-01"})).json()
    known_before = await api.get(
        f"{p}/selection", params={"as_of": "2026-03-01", "known_at": before}
    )
    as_of_before = (await api.get(f"{p}/selection", params={"as_of": "2026-02-28"})).json()

    for chosen in (scenario, terminated):
        assert letters(ids, chosen["selected"]) == ["B", "C", "E"]
        assert (chosen["value"], chosen["cost"]) == ("1.25", "650.00")
        reasons = {r["component_id"]: r for r in chosen["reasons"]}
        assert reasons[ids["A"]]["kind"] == "forced_out"
        assert reasons[ids["D"]]["selected"] is False
        assert chosen["slacks"] == [
            {
                "constraint": "budget",
                "role": None,
                "limit": "800.00",
                "used": "650.00",
                "slack": "150.00",
                "binding": False,
            }
        ]
    assert (baseline["value"], baseline["cost"]) == ("1.5", "750.00")
    assert letters(ids, baseline["selected"]) == ["A", "C", "E"]
    assert known_before.status_code == 200, known_before.text
    assert letters(ids, known_before.json()["selected"]) == ["A", "C", "E"]
    assert known_before.json()["known_at"] is not None
    assert letters(ids, as_of_before["selected"]) == ["A", "C", "E"]


async def test_the_ranking_and_the_comparison_on_both_axes(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    portfolio_id, ids = await worked_portfolio(api, projects, known)
    p = f"/v1/portfolios/{portfolio_id}"
    between = datetime.now(UTC).isoformat()
    for name, project_id in ids.items():
        await put(
            api,
            f"{p}/components/{project_id}/scores/fit",
            {
                "score": "5" if name == "E" else "0",
                "rationale": "rethought",
                "effective_on": "2026-04-01",
            },
        )

    march = (await api.get(f"{p}/ranking", params={"as_of": "2026-03-01"})).json()
    april = (await api.get(f"{p}/ranking", params={"as_of": "2026-04-01"})).json()
    april_then = (
        await api.get(f"{p}/ranking", params={"as_of": "2026-04-01", "known_at": between})
    ).json()
    compared = await api.get(f"{p}/scenarios/no A/comparison", params={"as_of": "2026-03-01"})

    by = {v: k for k, v in ids.items()}
    assert [by[i["component_id"]] for i in march["items"]] == ["A", "B", "C", "D", "E"]
    assert [i["value"] for i in march["items"]] == ["0.8", "0.55", "0.5", "0.45", "0.2"]
    assert march["items"][0]["terms"] == [
        {
            "objective": "fit",
            "weight": "1",
            "score": "0.8",
            "product": "0.8",
            "rationale": "A fits",
        }
    ]
    assert by[april["items"][0]["component_id"]] == "E"
    assert [i["rank"] for i in april["items"]] == [1, 2, 2, 2, 2]
    assert april_then["items"] == march["items"]
    assert compared.status_code == 200, compared.text
    body = compared.json()
    assert (body["value_delta"], body["cost_delta"]) == ("-0.25", "-100.00")
    assert letters(ids, body["selected_in"]) == ["B"]
    assert letters(ids, body["selected_out"]) == ["A"]
    assert letters(ids, body["with_scenario"]["selected"]) == ["B", "C", "E"]


async def test_the_frontier_as_json_and_as_an_image(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References, tmp_path: Path
) -> None:
    portfolio_id, _ids = await worked_portfolio(api, projects, known)
    p = f"/v1/portfolios/{portfolio_id}"
    query = {"scenario": "no A", "points": 5}

    curve = (await api.get(f"{p}/frontier", params=query)).json()
    image = await api.get(f"{p}/frontier.svg", params=query)

    budgets = [point["budget"] for point in curve["points"]]
    assert budgets == ["0.00", "325.00", "650.00", "800.00", "975.00", "1300.00"]
    current = [point for point in curve["points"] if point["current"]]
    assert [(c["budget"], c["value"], c["cost"]) for c in current] == [("800.00", "1.25", "650.00")]
    assert curve["budget"] == "800.00"
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(image.text)  # noqa: S314 -- our own service's answer
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}circle")) == len(curve["points"]) + 1  # + the current ring
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "current budget 800.00 EUR: value 1.25" in texts
    (tmp_path / "frontier.svg").write_text(image.text)


async def test_the_worked_ahp_matrix_and_an_inconsistent_one(api: httpx.AsyncClient) -> None:
    portfolio_id = (await create_portfolio(api))["portfolio_id"]
    path = f"/v1/portfolios/{portfolio_id}/weights/ahp"
    objectives = ["growth", "cost", "risk"]

    weighed = await api.put(
        path,
        json={"objectives": objectives, "matrix": [[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]},
    )
    refused = await api.put(
        path,
        json={"objectives": objectives, "matrix": [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]},
    )

    assert weighed.status_code == 200, weighed.text
    (weighting,) = weighed.json()["weights"]
    assert weighting["method"] == "ahp"
    assert [round(float(weighting["weights"][o]), 3) for o in objectives] == [0.637, 0.258, 0.105]
    assert round(float(weighting["cr"]), 3) == 0.033
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert float(problem["cr"]) > 0.10
    assert f"CR = {problem['cr']}" in problem["detail"]
    assert len((await api.get(f"/v1/portfolios/{portfolio_id}")).json()["weights"]) == 1
