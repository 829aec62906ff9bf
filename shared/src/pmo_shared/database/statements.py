"""SQL statements made once per distinct text."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import TextClause, text


@lru_cache(maxsize=1024)
def statement(sql: str) -> TextClause:
    """`text(sql)`, made once per distinct `sql`: `text` finds the bind parameters with a regex
    over the whole text, and for the long read-model queries built per call that was a tenth of
    a read's CPU. Only for SQL put together from constant fragments, never from input (each
    distinct text is kept, 1,024 at most)."""
    return text(sql)
