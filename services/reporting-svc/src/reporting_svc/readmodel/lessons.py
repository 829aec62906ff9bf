"""The lessons' relevance to new projects in the read model: the PMO's verdicts on suggested
lessons (`lesson_feedback`, `readmodel.lesson_ddl`) and the reads the suggestions rank from
(`application.lessons` scores them).

A verdict is one row per `LessonSuggestionJudged`, keyed by the tenant's PMO stream version
(an insert of a fact keyed by its own version, so the projection's bulk flush holds), with its
business date (`judged_on`) and the instant it was recorded; who judged is kept sealed beside
the pseudonym (`readmodel.personal`).

The reads, on a report's two time axes (`Cutoff`):
- the project asked about, known by `known_at` (its name, description, methodology);
- the stems PostgreSQL's English configuration makes of its words (`stems`), from which the
  full-text query is an OR of those stems;
- the candidates: every lesson recorded by then of the tenant's other projects that are
  closed at the status date as known then (last status change in force: completed,
  cancelled, or closed after one of those). A lesson has no business date of its own: it is
  part of its project's history and counts from its project's closing (so the lessons of
  back-dated history, recorded later, count at every status date after their project closed).
  Each comes with its full-text rank (`ts_rank` of the
  lesson's `search` vector against the query, normalised to rank / (rank + 1)), its trigram
  similarity to the project's text (`public.similarity`, pg_trgm in the `public` schema), the
  stems it shares with the project (all, and those in its category), the verdict in force for
  this project, and how many other projects have a verdict in force that it is useful, or not.
A verdict is in force at the cut-off when recorded by `known_at` and judged on or before the
status date; of a project's verdicts on a lesson, the one judged last (later in the stream on
the same day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.domain.events import EventEnvelope
from reporting_svc import portfolio_events as fev
from reporting_svc.readmodel import personal
from reporting_svc.readmodel.queries import Cutoff, business_day
from reporting_svc.readmodel.rows import Rows

INSERT_FEEDBACK = BulkStatement(
    """INSERT INTO lesson_feedback (tenant_id, version, project_id, lesson_id, useful, note,
       judged_on, judged_by, judged_by_ref, occurred_at)
       VALUES (:tenant, :v, :project_id, :lesson_id, :useful, :note, :on, CAST(:by AS jsonb),
       :by_ref, :at) ON CONFLICT DO NOTHING"""
)


def suggestion_judged(env: EventEnvelope, e: fev.LessonSuggestionJudged) -> Rows:
    """One verdict of the PMO on a suggested lesson."""
    row = {
        "tenant": env.tenant_id,
        "v": env.stream_version,
        "project_id": e.project_id,
        "lesson_id": e.lesson_id,
        "useful": e.useful,
        "note": e.note,
        "on": e.judged_on,
        "by": personal.column(e.judged_by),
        "by_ref": personal.pseudonym(e.judged_by),
        "at": env.occurred_at,
    }
    return [(INSERT_FEEDBACK, row)]


@dataclass(frozen=True, slots=True)
class TargetProject:
    """The project lessons are suggested for."""

    project_id: UUID
    code: str
    name: str
    description: str
    methodology: str


_TARGET = """
SELECT project_id, code, name, description, methodology FROM projects
WHERE tenant_id = :tenant AND project_id = :project AND proposed_at <= :known
"""


async def target_project(
    conn: AsyncConnection, *, tenant_id: str, project_id: UUID, known_at: datetime
) -> TargetProject | None:
    """The tenant's project as known at `known_at` (None: it did not know it then)."""
    params = {"tenant": tenant_id, "project": project_id, "known": known_at}
    row = (await conn.execute(text(_TARGET), params)).one_or_none()
    if row is None:
        return None
    return TargetProject(row.project_id, row.code, row.name, row.description, row.methodology)


_STEMS = """
SELECT w.word, tsvector_to_array(to_tsvector('english', w.word)) AS stems
FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS w(word, n) ORDER BY w.n
"""


async def stems(conn: AsyncConnection, words: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Each word with the stems the English configuration makes of it (none: a stop word)."""
    if not words:
        return []
    rows = await conn.execute(text(_STEMS), {"words": list(words)})
    return [(row.word, list(row.stems)) for row in rows]


_STATUS_ON = business_day("s.effective_on", "s.occurred_at")
_VERDICT_OF_OTHERS = (
    "(SELECT count(*) FROM verdicts v WHERE v.lesson_id = l.lesson_id "
    "AND v.project_id <> :project AND {condition})"
)
_SHARED = (
    "ARRAY(SELECT unnest(tsvector_to_array({vector})) "
    "INTERSECT SELECT unnest(CAST(:stems AS text[])))"
)
_CANDIDATES = f"""
WITH verdicts AS (
  SELECT DISTINCT ON (f.project_id, f.lesson_id)
         f.project_id, f.lesson_id, f.useful, f.note, f.judged_on, f.judged_by
  FROM lesson_feedback f
  WHERE f.tenant_id = :tenant AND f.occurred_at <= :known AND f.judged_on <= :day
  ORDER BY f.project_id, f.lesson_id, f.judged_on DESC, f.version DESC
),
closed AS (
  SELECT q.project_id, q.code, q.name, q.methodology, st.status FROM projects q
  CROSS JOIN LATERAL (
    SELECT s.status FROM project_status s WHERE s.project_id = q.project_id
      AND s.status <> 'proposed' AND s.occurred_at <= :known AND {_STATUS_ON} <= :day
    ORDER BY s.version DESC LIMIT 1) st
  WHERE q.tenant_id = :tenant AND q.project_id <> :project AND q.proposed_at <= :known
    AND st.status IN ('completed', 'cancelled', 'closed')
)
SELECT l.lesson_id, l.category, l.what_happened, l.recommendation, l.occurred_at,
  c.project_id, c.code, c.name, c.methodology, c.status,
  coalesce(ts_rank(l.search, to_tsquery('simple', :query), 32), 0)::numeric AS text_rank,
  public.similarity(:text, concat_ws(' ', l.category, l.what_happened, l.recommendation))
    ::numeric AS similarity,
  {_SHARED.format(vector="l.search")} AS shared,
  {_SHARED.format(vector="ts_filter(l.search, '{a}')")} AS shared_in_category,
  h.useful AS useful_here, h.note, h.judged_on, h.judged_by,
  {_VERDICT_OF_OTHERS.format(condition="v.useful")} AS useful_elsewhere,
  {_VERDICT_OF_OTHERS.format(condition="NOT v.useful")} AS not_useful_elsewhere
FROM lessons l JOIN closed c ON c.project_id = l.project_id
LEFT JOIN verdicts h ON h.lesson_id = l.lesson_id AND h.project_id = :project
WHERE l.tenant_id = :tenant AND l.occurred_at <= :known
ORDER BY l.occurred_at DESC, l.lesson_id
"""  # noqa: S608 - built from the constant fragments above, never from input


async def candidates(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    project_id: UUID,
    cutoff: Cutoff,
    project_text: str,
    query_stems: Sequence[str],
) -> Sequence[Any]:
    """The lessons of the tenant's other projects closed at the cut-off, each with what its
    relevance to the project is scored from (see the module docstring); `query_stems` make
    the full-text query (an OR of them; none: every rank is 0), `project_text` is compared by
    trigrams. `judged_by` comes back as stored (sealed)."""
    params = {
        "tenant": tenant_id,
        "project": project_id,
        **cutoff.params(),
        "text": project_text,
        "query": " | ".join(query_stems) if query_stems else None,
        "stems": list(query_stems),
    }
    return (await conn.execute(text(_CANDIDATES), params)).all()
