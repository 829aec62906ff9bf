"""Reading a history file (`pmo_shared.cli.history` describes its columns): the header, then
every row, collecting every problem before refusing the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from pmo_shared.cli.cells import FileProblem
from pmo_shared.cli.history import COLUMNS, REQUIRED_COLUMNS, HistoryFileError, HistoryRow
from pmo_shared.cli.rows import parse_row


def read_history(path: Path, *, today: date) -> list[HistoryRow]:
    """The rows of the history file at `path` (UTF-8, a BOM allowed), every one valid;
    `HistoryFileError` with every problem otherwise."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryFileError([FileProblem(0, "", f"cannot read {path}: {exc}")]) from None
    return parse_history(text, today=today)


def parse_history(text: str, *, today: date) -> list[HistoryRow]:
    """The rows of a history file's text (rows numbered as in a spreadsheet: the header is
    row 1; blank rows are skipped); `HistoryFileError` listing every problem."""
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[FileProblem] = []
    rows: list[HistoryRow] = []
    try:
        header = [name.strip() for name in next(records, [])]
        problems += _header_problems(header)
        if not problems:
            rows = _rows(records, header, today=today, problems=problems)
    except csv.Error as exc:
        problems.append(FileProblem(records.line_num, "", f"is not valid CSV: {exc}"))
    if not rows and not problems:
        problems.append(FileProblem(2, "", "the file has no project rows"))
    problems += _duplicate_codes(rows)
    if problems:
        raise HistoryFileError(problems)
    return rows


def _rows(
    records: Iterator[list[str]], header: list[str], *, today: date, problems: list[FileProblem]
) -> list[HistoryRow]:
    """The valid rows; the problems of the others go to `problems`."""
    rows = []
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        parsed = parse_row(number, _cells_of(header, record, number, problems), today=today)
        if isinstance(parsed, HistoryRow):
            rows.append(parsed)
        else:
            problems.extend(parsed)
    return rows


def _header_problems(names: list[str]) -> list[FileProblem]:
    if not names:
        return [FileProblem(1, "", "the file is empty: its first row must name the columns")]
    unknown = [
        FileProblem(1, name or "(blank)", f"is no column of a history file ({', '.join(COLUMNS)})")
        for name in names
        if name not in COLUMNS
    ]
    missing = [
        FileProblem(1, name, "is a required column and missing from the header")
        for name in REQUIRED_COLUMNS
        if name not in names
    ]
    twice = [
        FileProblem(1, name, "appears twice in the header")
        for name in sorted({n for n in names if names.count(n) > 1})
    ]
    return unknown + missing + twice


def _cells_of(
    header: list[str], record: list[str], row: int, problems: list[FileProblem]
) -> dict[str, str]:
    """The row's cells by column name; more cells than columns is a problem."""
    if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
        problems.append(FileProblem(row, "", "has more cells than the header has columns"))
    return dict(zip(header, record, strict=False))


def _duplicate_codes(rows: list[HistoryRow]) -> list[FileProblem]:
    first: dict[str, int] = {}
    problems = []
    for row in rows:
        if row.code in first:
            message = f"{row.code} is already the code of row {first[row.code]}"
            problems.append(FileProblem(row.row, "code", message))
        first.setdefault(row.code, row.row)
    return problems
