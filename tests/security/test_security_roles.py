"""The role matrix of every command (and read), generated from the live OpenAPI documents and
checked against the rules the README states, written once per service below: a caller a rule
does not name gets a 403 problem, one it names passes the check (whatever the domain then says,
never a 401, a 403 or a 5xx). A documented command without an entry fails the test, so the
table keeps up with the API.

Who is who: the objects of `roles_world` are managed by `k3-manager`, sponsored by `k3-sponsor`
and proposed by `k3-creator`; the Project Office is led by `k3-lead`.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from pmo_shared.testing.openapi_cases import Operation

from .security_stack import (
    LEAD,
    MANAGER,
    PUBLIC_ROUTES,
    SPONSOR,
    Service,
    World,
    bearer,
    bounded,
    problem_failure,
    request_of,
    token,
)

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Caller:
    """Someone calling a service of the world's tenant."""

    sub: str
    roles: tuple[str, ...]


MANAGER_ROLE = "<the service's manager role>"
CALLERS = {
    "pmo": Caller("k3-another-pmo", ("pmo",)),
    "manager": Caller(MANAGER, (MANAGER_ROLE,)),
    "manager-as-viewer": Caller(MANAGER, ("viewer",)),
    "manager-of-another-kind": Caller(MANAGER, ("<another manager role>",)),
    "another-manager": Caller("k3-another-manager", (MANAGER_ROLE,)),
    "sponsor": Caller(SPONSOR, (MANAGER_ROLE,)),
    "lead": Caller(LEAD, ("viewer",)),
    "viewer": Caller("k3-viewer", ("viewer",)),
    "platform-operator": Caller("k3-operator", ("platform_operator",)),
    "no-role": Caller("k3-nobody", ()),
}
TENANT_CALLERS = frozenset(CALLERS) - {"platform-operator", "no-role"}

# The rules (who may), from the README's "The API".
READ = TENANT_CALLERS  # everyone in the tenant reads
MANAGE = frozenset({"pmo", "manager"})  # the PMO and the object's own manager (in that role)
MANAGE_OR_LEAD = MANAGE | {"lead"}  # a Project Office's lead staffs it, reports, files documents
APPROVE = frozenset({"pmo", "sponsor"})  # never the proposer or manager (segregation of duties)
PMO = frozenset({"pmo"})
PRIVACY = frozenset({"pmo", "platform-operator"})  # a person's export and erasure
OPERATOR = frozenset({"platform-operator"})  # cross-tenant operations

DATA_SUBJECTS = {
    "POST /v1/data-subjects/{user_id}/erase": PRIVACY,
    "GET /v1/data-subjects/{user_id}": PRIVACY,
}
P = "/v1/projects/{project_id}"
G = "/v1/programs/{program_id}"
F = "/v1/portfolios/{portfolio_id}"
MATRIX: dict[str, dict[str, frozenset[str]]] = {
    "project-svc": {
        "POST /v1/projects": MANAGE,  # a project manager proposes only projects they manage
        **{
            f"POST {P}/{command}": MANAGE
            for command in [
                "baseline",
                "start",
                "hold",
                "resume",
                "complete",
                "cancel",
                "close",
                "progress",
                "costs",
                "milestones",
                "milestones/{milestone_id}/achieve",
                "risks",
                "risks/{risk_id}/close",
                "status-reports",
                "lessons",
                "office",
                "office/disband",
            ]
        },
        f"POST {P}/approve": APPROVE,
        **{
            f"POST {P}/office/{command}": MANAGE_OR_LEAD
            for command in ("staff", "staff/{user_id}/release", "reports", "documents")
        },
        **DATA_SUBJECTS,
    },
    "program-svc": {
        "POST /v1/programs": MANAGE,  # a program manager proposes only programs they manage
        f"POST {G}/activate": APPROVE,
        **{
            f"POST {G}/{command}": MANAGE
            for command in [
                "hold",
                "resume",
                "close",
                "cancel",
                "members",
                "members/{project_id}/remove",
                "funding/set",
                "funding/increase",
                "funding/decrease",
                "funding/allocations",
                "funding/reallocations",
                "resources",
                "assignments",
                "assignments/{assignment_id}/hours",
                "assignments/{assignment_id}/end-early",
                "assignments/{assignment_id}/release",
                "benefits",
                "benefits/{benefit_id}/realisations",
                "dependencies",
                "dependencies/{dependency_id}/remove",
            ]
        },
        **DATA_SUBJECTS,
    },
    "portfolio-svc": {
        "POST /v1/portfolios": MANAGE,  # a portfolio manager creates only portfolios they manage
        **{
            f"PUT {F}/{command}": MANAGE
            for command in [
                "weights",
                "weights/ahp",
                "budget",
                "capacities/{role}",
                "scenarios/{name}",
                "components/{component_id}/cost",
                "components/{component_id}/scores/{objective}",
            ]
        },
        **{
            f"POST {F}/{command}": MANAGE
            for command in [
                "dependencies",
                "exclusive-groups",
                "decisions",
                "selection/adoption",
                "components",
                "components/{component_id}/removal",
            ]
        },
        "PUT /v1/pmo/standards": PMO,
        "POST /v1/pmo/lesson-verdicts": PMO,
        **DATA_SUBJECTS,
    },
    "reporting-svc": {
        "GET /v1/projections": OPERATOR,
        "POST /v1/projections/{name}/rebuild": OPERATOR,
        **DATA_SUBJECTS,
    },
}
"""Who may call each route (a GET not listed: `READ`)."""

OTHER_MANAGER_ROLE = {
    "project_manager": "program_manager",
    "program_manager": "portfolio_manager",
    "portfolio_manager": "project_manager",
}


def _roles(caller: Caller, service: Service) -> list[str]:
    own = service.manager_role or "project_manager"
    wanted = {MANAGER_ROLE: own, "<another manager role>": OTHER_MANAGER_ROLE[own]}
    return [wanted.get(role, role) for role in caller.roles]


def _expected(service: Service, operation: Operation) -> frozenset[str] | None:
    rules = MATRIX[service.name]
    if operation.name in rules:
        return rules[operation.name]
    return READ if operation.method == "GET" else None


def test_every_command_has_an_entry(services: dict[str, Service]) -> None:
    missing = [
        f"{service.name} {op.name}"
        for service in services.values()
        for op in service.operations
        if op.name not in PUBLIC_ROUTES and _expected(service, op) is None
    ]
    stale = [
        f"{name} {route}"
        for name, rules in MATRIX.items()
        for route in rules
        if route not in {op.name for op in services[name].operations}
    ]
    assert not missing, f"commands without a row in MATRIX: {missing}"
    assert not stale, f"rows in MATRIX the API no longer has: {stale}"


async def test_each_route_admits_exactly_the_callers_its_rule_names(
    services: dict[str, Service], roles_world: World
) -> None:
    cases = [
        (service, op, name, allowed)
        for service in services.values()
        for op in service.operations
        if op.name not in PUBLIC_ROUTES
        for allowed in [_expected(service, op) or frozenset()]
        for name in CALLERS
    ]
    async with httpx.AsyncClient(timeout=30) as http:

        async def check(service: Service, op: Operation, name: str, allowed: frozenset[str]) -> str:
            caller = CALLERS[name]
            headers = bearer(token(roles_world.tenant, *_roles(caller, service), sub=caller.sub))
            path, body = request_of(op, roles_world)
            response = await http.request(op.method, service.url + path, headers=headers, json=body)
            if name in allowed:
                failure = _admitted_failure(response)
            else:
                failure = problem_failure(response, {403})
            return "" if failure is None else f"{service.name} {op.name} as {name}: {failure}"

        # The callers a rule refuses go first: an admitted command may change the objects
        # (cancel a project, disband its office), which must not change what they are told.
        # The admitted ones go one at a time, so what each is told depends on no race
        # (concurrent erasures have a test of their own, in test_security_hostile).
        refused = [c for c in cases if c[2] not in c[3]]
        admitted = [c for c in cases if c[2] in c[3]]
        failures = [f for f in await bounded(check(*c) for c in refused) if f]
        failures += [f for f in await bounded((check(*c) for c in admitted), limit=1) if f]

    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)


def _admitted_failure(response: httpx.Response) -> str | None:
    """Why the answer shows the caller was not let past the role check (None: it was)."""
    status = response.status_code
    if status in (401, 403) or status >= 500:
        return f"{status}: {response.text[:300]}"
    if status >= 400:
        failure = problem_failure(response, {status})
        if failure is None and response.json()["type"].endswith("/validation-error"):
            return f"the sample body is invalid: {response.text[:300]}"
        return failure
    return None
