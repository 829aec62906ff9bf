"""How a suggested lesson is scored, term by term, with figures worked by hand: the project's
words, the stems that make the query, each term's points and reason, which candidates are left
out (judged not useful here, or not relevant at all), and the order (score, then the lesson
recorded last, then its id)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

from reporting_svc.application.lessons import (
    project_words,
    query_words,
    ranked,
    suggestion_of,
)
from reporting_svc.readmodel.lessons import TargetProject

D = Decimal
PAYROLL = TargetProject(
    uuid4(),
    "PAY-2",
    "Payroll vendor switch",
    "Move payroll to a new SaaS vendor; migrate the records of 2026.",
    "agile",
)
# The stems PostgreSQL's English configuration makes (to_tsvector('english', word)).
STEMMED = [
    ("payroll", ["payrol"]),
    ("vendor", ["vendor"]),
    ("switch", ["switch"]),
    ("move", ["move"]),
    ("to", []),
    ("a", []),
    ("new", ["new"]),
    ("saas", ["saa"]),
    ("migrate", ["migrat"]),
    ("the", []),
    ("records", ["record"]),
    ("of", []),
    ("2026", ["2026"]),
    ("agile", ["agil"]),
]
WORDS = query_words(STEMMED)


def candidate(**fields: Any) -> Any:
    """A candidate row as `readmodel.lessons.candidates` returns it (nothing shared, no
    verdict, unless `fields` say otherwise)."""
    row: dict[str, Any] = {
        "lesson_id": uuid4(),
        "occurred_at": datetime(2026, 5, 1, tzinfo=UTC),
        "methodology": "waterfall",
        "text_rank": D("0"),
        "similarity": D("0.05"),
        "shared": [],
        "shared_in_category": [],
        "useful_here": None,
        "note": None,
        "judged_on": None,
        "judged_by": None,
        "useful_elsewhere": 0,
        "not_useful_elsewhere": 0,
        **fields,
    }
    return SimpleNamespace(**row)


def test_the_query_is_made_of_the_projects_distinct_words_and_their_stems() -> None:
    assert project_words(PAYROLL) == [word for word, _ in STEMMED]
    assert WORDS == {
        "payrol": "payroll",
        "vendor": "vendor",
        "switch": "switch",
        "move": "move",
        "new": "new",
        "saa": "saas",
        "migrat": "migrate",
        "record": "records",
        "2026": "2026",
        "agil": "agile",
    }
    # A stem that is not only letters and digits never reaches the query text.
    assert query_words([("e-mail", ["e-mail", "e", "mail"])]) == {"e": "e-mail", "mail": "e-mail"}


def test_every_term_of_a_related_lesson_with_its_points_and_reason() -> None:
    """full_text 0.1190 x 2 = 0.2380; trigram 0.2500 x 1; same methodology 0.1; useful here
    0.5; useful for 2 other projects 0.2; not useful for 1 other -0.1: score 1.1880."""
    row = candidate(
        methodology="agile",
        text_rank=D("0.1190164"),
        similarity=D("0.25"),
        shared=["vendor", "payrol", "migrat"],
        shared_in_category=["vendor"],
        useful_here=True,
        note="see the contract annex",
        judged_on=date(2026, 5, 2),
        useful_elsewhere=2,
        not_useful_elsewhere=1,
    )

    found = suggestion_of(row, words=WORDS, methodology="agile")

    assert found is not None
    assert [(t.name, str(t.measure), str(t.points)) for t in found.terms] == [
        ("full_text", "0.1190", "0.2380"),
        ("trigram", "0.2500", "0.2500"),
        ("methodology", "1.0000", "0.1000"),
        ("verdict", "1.0000", "0.5000"),
        ("useful_elsewhere", "2.0000", "0.2000"),
        ("not_useful_elsewhere", "1.0000", "-0.1000"),
    ]
    assert str(found.score) == "1.1880"
    assert found.shared_words == ("payroll", "vendor", "migrate")  # in the project's order
    assert found.reason == (
        "shares the words payroll, vendor, migrate (vendor in its category); "
        "similar wording (trigram similarity 0.2500); same methodology (agile); "
        "marked useful for this project on 2026-05-02; marked useful for 2 other projects; "
        "marked not useful for 1 other project"
    )
    assert found.verdict is not None
    assert (found.verdict.useful, found.verdict.note) == (True, "see the contract annex")


def test_terms_that_score_nothing_stay_out_of_the_reason() -> None:
    row = candidate(text_rank=D("0.04"), similarity=D("0.1"), shared=["payrol"])

    found = suggestion_of(row, words=WORDS, methodology="agile")

    assert found is not None
    assert str(found.score) == "0.1800"  # 0.04 x 2 + 0.1
    assert found.reason == "shares the word payroll; similar wording (trigram similarity 0.1000)"
    methodology = next(t for t in found.terms if t.name == "methodology")
    assert (str(methodology.points), methodology.reason) == ("0.0000", "methodology waterfall")
    not_useful = next(t for t in found.terms if t.name == "not_useful_elsewhere")
    assert str(not_useful.points) == "0.0000"  # never -0.0000


def test_a_lesson_judged_not_useful_here_is_not_suggested_again() -> None:
    row = candidate(shared=["payrol"], text_rank=D("0.3"), similarity=D("0.4"), useful_here=False)
    row.note, row.judged_on = "", date(2026, 5, 2)

    assert suggestion_of(row, words=WORDS, methodology="agile") is None


def test_only_a_relevant_lesson_is_suggested() -> None:
    unrelated = candidate(similarity=D("0.1499"), methodology="agile", useful_elsewhere=3)
    similar = candidate(similarity=D("0.15"))
    judged_useful = candidate(useful_here=True, note="", judged_on=date(2026, 5, 2))

    assert suggestion_of(unrelated, words=WORDS, methodology="agile") is None
    assert suggestion_of(similar, words=WORDS, methodology="agile") is not None
    assert suggestion_of(judged_useful, words=WORDS, methodology="agile") is not None


def test_ranked_best_first_then_the_lesson_recorded_last_then_its_id() -> None:
    first, second = UUID(int=1), UUID(int=2)
    early, late = datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    best = candidate(shared=["payrol"], text_rank=D("0.2"), similarity=D("0.3"))
    tie_late = candidate(lesson_id=second, similarity=D("0.2"), occurred_at=late)
    tie_early = candidate(lesson_id=UUID(int=3), similarity=D("0.2"), occurred_at=early)
    tie_late_lower_id = candidate(lesson_id=first, similarity=D("0.2"), occurred_at=late)
    sunk = candidate(shared=["payrol"], text_rank=D("0.2"), similarity=D("0.3"))
    sunk.not_useful_elsewhere = 6  # 0.7 - 0.6: below the ties

    order = ranked(
        [tie_early, sunk, tie_late, best, tie_late_lower_id], words=WORDS, methodology="agile"
    )

    assert [s.row for s in order] == [best, tie_late_lower_id, tie_late, tie_early, sunk]
    assert [str(s.score) for s in order] == ["0.7000", "0.2000", "0.2000", "0.2000", "0.1000"]
