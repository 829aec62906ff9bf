"""Every business date of a project-svc request lies in the kernel's documented range
(issue 10, item 3): outside it the body is invalid (a 422), and the range is in the OpenAPI
descriptions."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from pmo_shared.domain.values import BUSINESS_DATE_RANGE
from pmo_shared.web.auth import issue_dev_token
from project_svc.api import schemas
from project_svc.api.app import create_app
from project_svc.settings import ProjectSettings

TOO_EARLY, TOO_LATE = date(1899, 12, 31), date(3000, 1, 1)
# Each request's date field, with the rest of a valid body.
DATED: list[tuple[type[BaseModel], str, dict[str, Any]]] = [
    (
        schemas.BaselineCreate,
        "planned_start",
        {"budget_at_completion": "1", "planned_finish": "2026-01-01"},
    ),
    (
        schemas.BaselineCreate,
        "planned_finish",
        {"budget_at_completion": "1", "planned_start": "2026-01-01"},
    ),
    (
        schemas.BaselineCreate,
        "effective_on",
        {
            "budget_at_completion": "1",
            "planned_start": "2026-01-01",
            "planned_finish": "2026-02-01",
        },
    ),
    (schemas.DatedRequest, "effective_on", {}),
    (schemas.StartRequest, "actual_start", {}),
    (schemas.DatedReasonRequest, "effective_on", {"reason": "r"}),
    (schemas.CompleteRequest, "actual_finish", {}),
    (schemas.CloseRequest, "effective_on", {}),
    (schemas.ProgressCreate, "as_of", {"percent_complete": "1"}),
    (schemas.CostCreate, "incurred_on", {"amount": "1", "category": "c"}),
    (schemas.MilestoneCreate, "due_date", {"name": "m"}),
    (schemas.MilestoneAchieve, "achieved_on", {}),
    (schemas.OfficeCreate, "established_on", {"lead": "l", "reporting_cadence_days": 7}),
    (schemas.DisbandRequest, "disbanded_on", {"reason": "r"}),
    (schemas.OfficeReportCreate, "period_end", {"kind": "status", "summary": "s"}),
]


@pytest.mark.parametrize(("model", "field", "rest"), DATED)
@pytest.mark.parametrize("day", [TOO_EARLY, TOO_LATE, date.min, date.max])
def test_a_date_outside_the_range_is_invalid(
    model: type[BaseModel], field: str, rest: dict[str, Any], day: date
) -> None:
    with pytest.raises(ValidationError):
        model.model_validate({**rest, field: day.isoformat()})


@pytest.mark.parametrize(("model", "field", "rest"), DATED)
@pytest.mark.parametrize("day", [date(1900, 1, 1), date(2999, 12, 31)])
def test_the_ends_of_the_range_are_valid(
    model: type[BaseModel], field: str, rest: dict[str, Any], day: date
) -> None:
    body = {**rest, field: day.isoformat()}
    if model is schemas.BaselineCreate:
        body = {"planned_start": day.isoformat(), "planned_finish": day.isoformat(), **body}
    assert getattr(model.model_validate(body), field) == day


@pytest.mark.parametrize(("model", "field", "rest"), DATED)
def test_the_range_is_in_the_field_description(
    model: type[BaseModel], field: str, rest: dict[str, Any]
) -> None:
    assert BUSINESS_DATE_RANGE in (model.model_fields[field].description or "")


@pytest.mark.parametrize(
    "known_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1899-12-31T23:00:00Z"]
)
async def test_a_known_at_beyond_the_calendar_is_a_422_not_a_500(known_at: str) -> None:
    settings = ProjectSettings(
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret="known-at-test-secret-of-at-least-32-chars",
        personal_data_master_key="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    )
    token = issue_dev_token(
        "known-at-test-secret-of-at-least-32-chars", sub="u", tenant="t", roles=["pmo"]
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(
            f"/v1/projects/{uuid4()}",
            params={"known_at": known_at},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 422, response.text
