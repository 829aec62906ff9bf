"""A program's whole life on the running services: projects made in project-svc reach
program-svc through Kafka, join the program, share its funds and resources, and the program
closes once they have ended."""

from __future__ import annotations

import httpx
import pytest

from .program_flows import (
    MANAGER,
    References,
    active_program,
    as_user,
    post,
    propose_program,
    started_project,
)

pytestmark = pytest.mark.integration


async def test_a_program_of_two_real_projects_from_proposal_to_close(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    proposal = await propose_program(api)
    program_id = proposal["program_id"]
    p = f"/v1/programs/{program_id}"
    assert (proposal["status"], proposal["version"]) == ("proposed", 1)
    activated = await post(api, f"{p}/activate")
    assert (activated["status"], activated["activated_by"]) == ("active", "pmo-carol")
    a, b = await started_project(projects), await started_project(projects)
    await post(
        projects,
        f"/v1/projects/{a}/costs",
        {
            "amount": "150000.00",
            "incurred_on": "2026-03-01",
            "category": "labour",
        },
    )
    await known.wait(b, version=4)
    await known.wait(a, version=5)
    manager = as_user(api, MANAGER, "program_manager")

    for project_id in (a, b):
        await post(api, f"{p}/members", {"project_id": project_id}, **manager)
    await post(api, f"{p}/funding/set", {"amount": "1000000.00"}, **manager)
    await post(api, f"{p}/funding/allocations", {"project_id": a, "amount": "400000"}, **manager)
    below_cost = await api.post(
        f"{p}/funding/reallocations",
        json={"from_project_id": a, "to_project_id": b, "amount": "300000", "reason": "x"},
    )
    assert below_cost.status_code == 409, below_cost.text
    assert below_cost.json()["actual_cost"] == "150000.00"
    await post(
        api,
        f"{p}/funding/reallocations",
        {
            "from_project_id": a,
            "to_project_id": b,
            "amount": "249999.50",
            "reason": "B is late",
        },
    )
    resource = await api.post(
        f"{p}/resources",
        json={
            "kind": "person",
            "person": "dev-dora",
            "skills": ["python"],
            "weekly_capacity_hours": "40",
            "cost_rate": "85.5",
        },
        headers=manager,
    )
    assert resource.status_code == 201, resource.text
    resource_id = resource.json()["id"]
    assignment = await post(
        api,
        f"{p}/assignments",
        {
            "resource_id": resource_id,
            "project_id": a,
            "hours_per_week": "24",
            "first_week": "2026-W10",
            "last_week": "2026-W20",
        },
    )
    await post(
        api,
        f"{p}/assignments",
        {
            "resource_id": resource_id,
            "project_id": b,
            "hours_per_week": "16",
            "first_week": "2026-W15",
            "last_week": "2026-W30",
        },
    )
    overbooked = await api.post(
        f"{p}/assignments",
        json={
            "resource_id": resource_id,
            "project_id": b,
            "hours_per_week": "1",
            "first_week": "2026-W15",
            "last_week": "2026-W15",
        },
    )
    assert overbooked.status_code == 409
    await post(api, f"{p}/assignments/{assignment['id']}/end-early", {"last_week": "2026-W18"})
    benefit = await post(
        api,
        f"{p}/benefits",
        {
            "name": "Faster payroll",
            "measure": "run time saved",
            "unit": "h",
            "target_value": "300",
            "target_date": "2027-06-30",
            "owner": "cfo-bob",
        },
    )
    await post(api, f"{p}/benefits/{benefit['id']}/realisations", {"value": "100"})
    await post(
        api,
        f"{p}/dependencies",
        {
            "dependent_project_id": b,
            "prerequisite_project_id": a,
            "kind": "deliverable",
            "deliverable": "new payroll API",
        },
    )

    read = await api.get(p)
    program = read.json()
    assert read.headers["etag"] == f'"{program["version"]}"'
    assert program["funding"] == {
        "pool": "1000000.00",
        "allocated": "400000.00",
        "unallocated": "600000.00",
    }
    assert {m["project_id"]: m["allocation"] for m in program["members"]} == {
        a: "150000.50",
        b: "249999.50",
    }
    (dora,) = program["resources"]
    assert (dora["person"], dora["cost_rate"]) == ("dev-dora", "85.50")
    assert dora["booked"] == [
        {"first_week": "2026-W10", "last_week": "2026-W14", "hours_per_week": "24"},
        {"first_week": "2026-W15", "last_week": "2026-W18", "hours_per_week": "40"},
        {"first_week": "2026-W19", "last_week": "2026-W30", "hours_per_week": "16"},
    ]
    (realisation,) = program["benefits"]
    assert (realisation["value"], realisation["realisation_percent"]) == ("100", "33.33")
    assert [d["kind"] for d in program["dependencies"]] == ["deliverable"]

    still_open = await api.post(f"{p}/close")
    assert still_open.status_code == 409
    assert {m["project_id"] for m in still_open.json()["open_members"]} == {a, b}
    for project_id in (a, b):
        await post(projects, f"/v1/projects/{project_id}/complete", {"actual_finish": "2026-11-30"})
    await known.wait(a, version=6)
    await known.wait(b, version=5)
    closed = await post(api, f"{p}/close")
    assert closed["status"] == "closed"

    trail = (await api.get(f"{p}/events")).json()
    assert [e["event_type"] for e in trail][:3] == [
        "ProgramProposed",
        "ProgramActivated",
        "MemberProjectAdded",
    ]
    assert trail[-1]["event_type"] == "ProgramClosed"
    then = await api.get(p, params={"known_at": trail[1]["occurred_at"]})
    assert (then.json()["status"], then.json()["version"]) == ("active", 2)


async def test_the_list_filters_by_status_and_manager_a_page_at_a_time(
    api: httpx.AsyncClient,
) -> None:
    first = (await propose_program(api))["program_id"]
    second = await active_program(api)
    third = (await propose_program(api, manager="pgm-max"))["program_id"]

    page = (await api.get("/v1/programs", params={"limit": 2})).json()
    rest = await api.get("/v1/programs", params={"limit": 2, "cursor": page["next_cursor"]})
    by_status = (await api.get("/v1/programs", params={"status": "active"})).json()
    by_manager = (await api.get("/v1/programs", params={"manager": "pgm-max"})).json()
    nobody = (await api.get("/v1/programs", params={"manager": "nobody"})).json()

    assert [i["program_id"] for i in page["items"]] == [first, second]
    assert [i["program_id"] for i in rest.json()["items"]] == [third]
    assert [i["program_id"] for i in by_status["items"]] == [second]
    assert [(i["program_id"], i["manager"]) for i in by_manager["items"]] == [(third, "pgm-max")]
    assert nobody == {"items": [], "next_cursor": None}
