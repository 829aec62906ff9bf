"""Every required text of every project-svc request body refuses a blank value (422 at the
API), found by walking the bodies, so a new body cannot forget it."""

from __future__ import annotations

import inspect

import pytest
from pydantic import ValidationError

from pmo_shared.web.requests import RequestBody
from project_svc.api import schemas

BODIES = [
    cls
    for _, cls in inspect.getmembers(schemas, inspect.isclass)
    if issubclass(cls, RequestBody) and cls.__module__ == schemas.__name__
]
REQUIRED_TEXT = [
    (body, name)
    for body in BODIES
    for name, field in body.model_fields.items()
    if field.annotation is str and field.is_required()
]


def test_the_required_texts_are_found() -> None:
    assert {f"{body.__name__}.{name}" for body, name in REQUIRED_TEXT} == {
        "ProjectCreate.code",
        "ProjectCreate.name",
        "ProjectCreate.manager",
        "ProjectCreate.sponsor",
        "ProjectCreate.currency",
        "DatedReasonRequest.reason",
        "CostCreate.category",
        "MilestoneCreate.name",
        "RiskCreate.title",
        "RiskCreate.owner",
        "RiskClose.resolution",
        "StatusReportCreate.summary",
        "LessonCreate.category",
        "LessonCreate.what_happened",
        "LessonCreate.recommendation",
        "OfficeCreate.lead",
        "DisbandRequest.reason",
        "StaffAssign.user_id",
        "StaffAssign.role",
        "OfficeReportCreate.summary",
        "DocumentCreate.title",
        "DocumentCreate.kind",
        "DocumentCreate.link",
    }


@pytest.mark.parametrize(
    ("body", "field"), REQUIRED_TEXT, ids=[f"{b.__name__}.{n}" for b, n in REQUIRED_TEXT]
)
@pytest.mark.parametrize("blank", ["", " ", "\t \n"])
def test_a_blank_required_text_is_refused(body: type[RequestBody], field: str, blank: str) -> None:
    with pytest.raises(ValidationError):
        body.__pydantic_validator__.validate_assignment(body.model_construct(), field, blank)
    body.__pydantic_validator__.validate_assignment(body.model_construct(), field, "EUR")
