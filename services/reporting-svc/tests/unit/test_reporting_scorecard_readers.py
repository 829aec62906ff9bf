"""The facts the closure scorecard and the lesson suggestions read: a project's description,
and a risk's business dates and outcome (RiskRaised and RiskClosed v2), with their v1 upcast
as every other undated event (no date: the read model takes the recorded day; a v1 closure's
outcome "unrecorded"), and the rows the projection writes of them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from pmo_shared.domain.events import EventEnvelope
from reporting_svc import events as ev
from reporting_svc.readmodel.projection import readers, rows_for

SEALED = {"subject_ref": str(uuid4()), "key_id": str(uuid4()), "ciphertext": "c2VhbGVk"}
PROPOSED = {
    "project_id": str(uuid4()),
    "code": "P-1",
    "name": "Payroll",
    "manager": SEALED,
    "sponsor": SEALED,
    "methodology": "agile",
    "currency": "EUR",
    "flagged_large": False,
}
RAISED = {
    "risk_id": str(uuid4()),
    "title": "Vendor late",
    "probability": "0.4",
    "impact": "1000",
    "owner": SEALED,
}


def _envelope(kind: str, version: int, payload: dict[str, Any]) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid4(),
        event_type=kind,
        schema_version=version,
        stream_type="project",
        stream_id=uuid4(),
        stream_version=3,
        occurred_at=datetime(2026, 3, 4, 23, 30, tzinfo=UTC),
        tenant_id="acme",
        actor="u",
        correlation_id="c",
        causation_id=None,
        payload=payload,
    )


def _params(env: EventEnvelope) -> list[dict[str, Any]]:
    return [params for _statement, params in rows_for(env, readers.decode_envelope(env))]


def test_a_proposal_keeps_its_description_and_one_without_reads_empty() -> None:
    described = _envelope("ProjectProposed", 1, {**PROPOSED, "description": "New payroll"})
    [row, _status] = _params(described)
    assert row["description"] == "New payroll"
    [row, _status] = _params(_envelope("ProjectProposed", 1, PROPOSED))
    assert row["description"] == ""


def test_a_v2_risk_keeps_its_dates_and_its_outcome_as_text() -> None:
    raised = _envelope("RiskRaised", 2, {**RAISED, "raised_on": "2026-02-01"})
    event = readers.decode_envelope(raised)
    assert isinstance(event, ev.RiskRaised)
    [row] = _params(raised)
    assert (row["on"], row["rid"]) == (date(2026, 2, 1), event.risk_id)
    closure = {"risk_id": RAISED["risk_id"], "resolution": "it came", "closed_on": "2026-03-01"}
    # a value project-svc may add later is kept as it came
    for outcome in ("materialised", "mitigated", "withdrawn"):
        [row] = _params(_envelope("RiskClosed", 2, {**closure, "outcome": outcome}))
        assert (row["on"], row["outcome"]) == (date(2026, 3, 1), outcome)


def test_a_v1_risk_has_no_dates_of_its_own_and_its_closure_no_outcome() -> None:
    [row] = _params(_envelope("RiskRaised", 1, RAISED))
    assert row["on"] is None  # the read model takes the day it was recorded on
    closed = _envelope("RiskClosed", 1, {"risk_id": RAISED["risk_id"], "resolution": "gone"})
    event = readers.decode_envelope(closed)
    assert isinstance(event, ev.RiskClosed)
    assert (event.closed_on, event.outcome) == (None, "unrecorded")
    [row] = _params(closed)
    assert (row["on"], row["outcome"], row["at"]) == (None, "unrecorded", closed.occurred_at)
