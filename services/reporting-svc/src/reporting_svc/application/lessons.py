"""Lessons that find new projects: for a project (proposed, or passing a gate), the lessons of
the tenant's closed projects ranked by their relevance to it, every term of the score shown
with a plain-language reason. Facts from the live read model (`readmodel.lessons`), in one
snapshot (`ReportService.snapshot`), asked like every report (`When`: `as_of`, the status date
in business time, default the tenant's today; `known_at`, record time, default now).

Which lessons: those recorded by `known_at` of the tenant's other projects closed at the
status date as known then (completed or cancelled, or closed after one of those: the last
status change in force), never the project's own; a lesson has no business date of its own and
counts from its project's closing. A lesson the PMO judged not useful for this project (the
verdict in force) is not suggested; any other is suggested when it is relevant at all: it
shares a word with the project, or its trigram similarity reaches `MIN_SIMILARITY`, or the PMO
judged it useful for this project.

The score is the sum of these terms (`WEIGHTS`), each a measure times its weight, to 4
decimal places:
- `full_text`: PostgreSQL's `ts_rank` of the lesson's search vector (its category weighs most,
  then what happened and the recommendation) against an OR of the stems of the project's words
  (its name, description and methodology; English stop words dropped), normalised to
  rank / (rank + 1), times 2;
- `trigram`: pg_trgm's similarity of the project's text (name, description, methodology) and
  the lesson's (category, what happened, recommendation), 0..1, times 1;
- `methodology`: 1 when the lesson's project has the project's methodology, times 0.1;
- `verdict`: 1 when the PMO's verdict in force for this project is "useful", times 0.5;
- `useful_elsewhere`: the number of other projects it is judged useful for, times 0.1;
- `not_useful_elsewhere`: the number of other projects it is judged not useful for, times
  -0.1 (a lesson judged not useful for many projects sinks).
Ties go to the lesson recorded last, then the lesson id. A verdict counts when it was
recorded by `known_at` and judged on or before the status date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from reporting_svc.application.reports import ReportNotFoundError, ReportService, When
from reporting_svc.readmodel import lessons
from reporting_svc.readmodel.lessons import TargetProject

FOUR_PLACES = Decimal("0.0001")
MIN_SIMILARITY = Decimal("0.15")
"""The trigram similarity from which a lesson sharing no word counts as relevant."""
MAX_WORDS = 200
"""The most distinct words of a project's text the full-text query is made of (its first)."""
CLOSED = ("completed", "cancelled", "closed")

WEIGHTS: dict[str, Decimal] = {
    "full_text": Decimal(2),
    "trigram": Decimal(1),
    "methodology": Decimal("0.1"),
    "verdict": Decimal("0.5"),
    "useful_elsewhere": Decimal("0.1"),
    "not_useful_elsewhere": Decimal("-0.1"),
}
"""The weight of each term of the score (see the module docstring)."""

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a suggestion's score: its measure, weight, points (measure x weight, to 4
    places) and why, in plain words."""

    name: str
    measure: Decimal
    weight: Decimal
    points: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The PMO's verdict in force on a suggestion (`judged_by` as opened)."""

    useful: bool
    note: str
    judged_on: date
    judged_by: Any


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested lesson, its project, its score with every term, and the reason."""

    row: Any
    score: Decimal
    terms: tuple[Term, ...]
    shared_words: tuple[str, ...]
    verdict: Verdict | None

    @property
    def reason(self) -> str:
        """The reasons of the terms that scored, in the order of the terms."""
        return "; ".join(t.reason for t in self.terms if t.points != 0) or "no shared words"


@dataclass(frozen=True, slots=True)
class Suggestions:
    """The suggestions for one project at a status date, as known at an instant."""

    project: TargetProject
    as_of: date
    known_at: datetime
    words: tuple[str, ...]
    """The project's words the full-text query was made of (stop words dropped)."""
    considered: int
    """How many lessons of closed projects were weighed."""
    items: tuple[Suggestion, ...]


def project_words(project: TargetProject) -> list[str]:
    """The distinct words (letters and digits) of the project's name, description and
    methodology, lower-cased, in order of first appearance, at most `MAX_WORDS`."""
    found = _WORD.findall(project_text(project).lower())
    return list(dict.fromkeys(found))[:MAX_WORDS]


def project_text(project: TargetProject) -> str:
    """What a lesson's text is compared with by trigrams."""
    return " ".join(part for part in (project.name, project.description, project.methodology))


def query_words(stemmed: Sequence[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """Each stem of the project's words with the first word it came from (a word made only
    of letters and digits has stems of letters and digits; anything else is left out, so the
    OR query can be written from them as they are)."""
    words: dict[str, str] = {}
    for word, stems in stemmed:
        for stem in stems:
            if _WORD.fullmatch(stem):
                words.setdefault(stem, word)
    return words


def _term(name: str, measure: Decimal, reason: str) -> Term:
    """A term from its measure, to 4 places first, so its points are exactly those shown."""
    shown = measure.quantize(FOUR_PLACES)
    # Unary plus turns the -0.0000 of a zero measure times a negative weight into 0.0000.
    points = +(shown * WEIGHTS[name]).quantize(FOUR_PLACES)
    return Term(name, shown, WEIGHTS[name], points, reason)


def _listed(words: Sequence[str]) -> str:
    return ", ".join(words)


def _others(n: int) -> str:
    return f"{n} other project" + ("" if n == 1 else "s")


def _words_reason(shared: Sequence[str], in_category: Sequence[str]) -> str:
    if not shared:
        return "shares no word"
    text = f"shares the word{'s' if len(shared) > 1 else ''} {_listed(shared)}"
    return f"{text} ({_listed(in_category)} in its category)" if in_category else text


def shared_words(row: Any, words: dict[str, str]) -> tuple[list[str], list[str]]:
    """The project's words a candidate shares (in the project's order), and those of them
    in its category."""
    shared = {words[s] for s in row.shared if s in words}
    in_category = {words[s] for s in row.shared_in_category if s in words}
    ordered = [w for w in dict.fromkeys(words.values()) if w in shared]
    return ordered, [w for w in ordered if w in in_category]


def terms_of(
    row: Any, *, shared: Sequence[str], in_category: Sequence[str], methodology: str
) -> tuple[Term, ...]:
    """The terms of one candidate's score (`row.useful_here`: the verdict for this project,
    None without one; a "not useful" one never reaches here)."""
    similarity = Decimal(row.similarity).quantize(FOUR_PLACES)
    same = row.methodology == methodology
    useful = row.useful_here is True
    return (
        _term("full_text", Decimal(row.text_rank), _words_reason(shared, in_category)),
        _term("trigram", similarity, f"similar wording (trigram similarity {similarity})"),
        _term(
            "methodology",
            Decimal(same),
            f"same methodology ({methodology})" if same else f"methodology {row.methodology}",
        ),
        _term(
            "verdict",
            Decimal(useful),
            f"marked useful for this project on {row.judged_on.isoformat()}"
            if useful
            else "no verdict for this project",
        ),
        _term(
            "useful_elsewhere",
            Decimal(row.useful_elsewhere),
            f"marked useful for {_others(row.useful_elsewhere)}",
        ),
        _term(
            "not_useful_elsewhere",
            Decimal(row.not_useful_elsewhere),
            f"marked not useful for {_others(row.not_useful_elsewhere)}",
        ),
    )


def suggestion_of(row: Any, *, words: dict[str, str], methodology: str) -> Suggestion | None:
    """A candidate scored, or None when it is not suggested: judged not useful for this
    project, or not relevant at all (see the module docstring). Who judged stays as stored
    (sealed) until opened."""
    if row.useful_here is False:
        return None
    verdict = None
    if row.useful_here is not None:
        verdict = Verdict(row.useful_here, row.note, row.judged_on, row.judged_by)
    shared, in_category = shared_words(row, words)
    similar = Decimal(row.similarity) >= MIN_SIMILARITY
    if not (shared or similar or verdict is not None):
        return None
    terms = terms_of(row, shared=shared, in_category=in_category, methodology=methodology)
    score = sum((t.points for t in terms), Decimal(0))
    return Suggestion(row, score, terms, tuple(shared), verdict)


def ranked(rows: Sequence[Any], *, words: dict[str, str], methodology: str) -> list[Suggestion]:
    """Every candidate that is suggested, best first (ties: the lesson recorded last, then
    the lesson id)."""
    found = [suggestion_of(r, words=words, methodology=methodology) for r in rows]
    kept = [s for s in found if s is not None]
    kept.sort(key=lambda s: str(s.row.lesson_id))
    kept.sort(key=lambda s: (s.score, s.row.occurred_at), reverse=True)
    return kept


class LessonSuggestionService:
    """Answers the suggested lessons of a project from the live read model, through the
    report service's snapshot, time axes and keys (who judged is opened per request)."""

    def __init__(self, *, reports: ReportService) -> None:
        self._reports = reports

    async def suggestions(
        self, tenant: str, project_id: UUID, *, when: When, limit: int
    ) -> Suggestions:
        """The `limit` best suggestions for the project; 404 when the tenant has (or knew at
        `known_at`) no such project."""
        async with self._reports.snapshot() as conn:
            asked = await self._reports.asked_in(conn, tenant, when)
            cutoff = asked.cutoff
            project = await lessons.target_project(
                conn, tenant_id=tenant, project_id=project_id, known_at=cutoff.known_at
            )
            if project is None:
                raise ReportNotFoundError(f"project {project_id} not found")
            words = query_words(await lessons.stems(conn, project_words(project)))
            rows = await lessons.candidates(
                conn,
                tenant_id=tenant,
                project_id=project_id,
                cutoff=cutoff,
                project_text=project_text(project),
                query_stems=list(words),
            )
        best = ranked(rows, words=words, methodology=project.methodology)[:limit]
        opened = await self._reports.keys.open(
            tenant, [s.verdict.judged_by for s in best if s.verdict is not None]
        )
        people = iter(opened)
        items = tuple(_with_judge(s, next(people)) if s.verdict else s for s in best)
        return Suggestions(
            project,
            cutoff.day,
            cutoff.known_at,
            tuple(dict.fromkeys(words.values())),
            len(rows),
            items,
        )


def _with_judge(s: Suggestion, judged_by: Any) -> Suggestion:
    assert s.verdict is not None
    verdict = Verdict(s.verdict.useful, s.verdict.note, s.verdict.judged_on, str(judged_by))
    return Suggestion(s.row, s.score, s.terms, s.shared_words, verdict)
