"""Tables of the lessons' relevance to new projects, part of every generation
(`ddl.generation_ddl`) and added to older generations by migration 0008, hence `IF NOT EXISTS`.

`lesson_feedback`: the PMO's verdicts on suggested lessons (`LessonSuggestionJudged` on the
PMO's stream of the tenant, `pmo.portfolio.events`), one row per event, keyed by that stream's
version, with the business date it was judged on and the instant it was recorded; the person
who judged kept sealed beside their pseudonym (`readmodel.personal`). The suggestions' ranking
reads the verdicts in force at its status date as known at its instant.

Trigram similarity (`pg_trgm`) is created in the `public` schema by migration 0008 (a trusted
extension: the database owner may create it); its functions and operator classes are named with
that schema. No trigram index on the lessons: the ranking (`readmodel.lessons`) scores every
lesson of the tenant's closed projects, so it computes each one's similarity anyway, which an
index cannot spare (a GIN `gin_trgm_ops` index serves only a search for texts above a
similarity threshold). Measured on 5,000 lessons of one tenant: about 0.2 s for the read.
"""

from __future__ import annotations

LESSON_TABLES: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS lesson_feedback (
        tenant_id     text NOT NULL,
        version       integer NOT NULL,
        project_id    uuid NOT NULL,
        lesson_id     uuid NOT NULL,
        useful        boolean NOT NULL,
        note          text NOT NULL,
        judged_on     date NOT NULL,
        judged_by     jsonb NOT NULL,
        judged_by_ref uuid,
        occurred_at   timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS lesson_feedback_lesson_idx "
    "ON lesson_feedback (tenant_id, lesson_id)",
)
LESSON_CONTENT_TABLES: dict[str, str] = {"lesson_feedback": "tenant_id, version"}
