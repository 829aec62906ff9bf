"""`pmoctl dlq list|show|replay`: a service schema's dead letters, and their replay onto their
topic once the consumer is fixed (`pmo_shared.cli.deadletters` says how a replay stays
idempotent). Exit codes: 0 done, 1 nothing to do it with (no such letter, database or broker
unreachable), 2 the command line is invalid."""

from __future__ import annotations

import json
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmo_shared.cli import deadletters
from pmo_shared.cli.deadletters import DeadLetterError, DeadLetterRow, Filters, Replayed
from pmo_shared.cli.options import (
    BootstrapServers,
    DatabaseUrl,
    Schema,
    kafka,
    run,
    schema_engine,
    since,
)

app = typer.Typer(
    name="dlq",
    help="Dead letters of a service's consumers: list, show, replay after a fix.",
    no_args_is_help=True,
)

Consumer = Annotated[str | None, typer.Option(help="only this consumer's (projection's)")]
Reason = Annotated[str | None, typer.Option(help="only those whose reason contains this text")]
Since = Annotated[
    str | None,
    typer.Option("--since", help="recorded since: an age (15m, 2h, 7d) or an ISO 8601 instant"),
]


@app.command("list")
def list_command(
    database_url: DatabaseUrl,
    schema: Schema,
    consumer: Consumer = None,
    reason: Reason = None,
    since_: Since = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="at most this many")] = 1000,
) -> None:
    """The dead letters recorded in a schema, oldest first."""
    filters = Filters(consumer=consumer, reason=reason, since=since(since_), limit=limit)

    async def work() -> list[DeadLetterRow]:
        async with schema_engine(database_url, schema) as engine:
            return await deadletters.list_letters(engine, filters)

    letters = run("pmoctl dlq list", work, expected=DeadLetterError)
    out = Console()
    out.print(letters_table(letters, schema=schema))
    open_count = sum(not letter.resolved for letter in letters)
    out.print(f"{len(letters)} dead letter(s), {open_count} open", highlight=False)


@app.command("show")
def show_command(
    letter_id: Annotated[int, typer.Argument(metavar="ID", help="the dead letter's id")],
    database_url: DatabaseUrl,
    schema: Schema,
    bootstrap_servers: BootstrapServers = "127.0.0.1:9092",
) -> None:
    """One dead letter: why, and its message (headers and payload) read back from its topic."""
    cluster = kafka(bootstrap_servers)

    async def work() -> tuple[DeadLetterRow, deadletters.OriginalMessage]:
        async with schema_engine(database_url, schema) as engine:
            letter = await deadletters.get_letter(engine, letter_id)
        return letter, await deadletters.read_original(cluster, letter)

    letter, original = run("pmoctl dlq show", work, expected=DeadLetterError)
    out = Console()
    out.print(letter_panel(letter))
    out.print(headers_table(original))
    out.print("[bold]payload[/]")
    out.print(payload_text(original.value), highlight=False, markup=False, soft_wrap=True)


@app.command("replay")
def replay_command(
    database_url: DatabaseUrl,
    schema: Schema,
    letter_id: Annotated[
        int | None, typer.Argument(metavar="[ID]", help="the dead letter's id")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="every open dead letter (with the filters)")
    ] = False,
    consumer: Consumer = None,
    reason: Reason = None,
    since_: Since = None,
    into_projection: Annotated[
        str | None,
        typer.Option(
            "--into-projection",
            metavar="NAME",
            help="for this consumer (projection) only, whose letters they must be: "
            "the topic's other consumers step past the replay unseen",
        ),
    ] = None,
    bootstrap_servers: BootstrapServers = "127.0.0.1:9092",
) -> None:
    """Re-publish dead letters onto their topic after a fix: the consumer that refused each one
    processes it (once: a second replay is skipped as processed); its other consumers skip it.
    With --into-projection, the topic's other consumers do not even look at it."""
    if (letter_id is None) == (not all_):
        raise typer.BadParameter("give one dead letter's ID or --all, not both")
    if into_projection is not None and consumer not in (None, into_projection):
        raise typer.BadParameter("--consumer and --into-projection name different consumers")
    chosen_consumer = consumer if into_projection is None else into_projection
    cluster = kafka(bootstrap_servers)
    filters = Filters(consumer=chosen_consumer, reason=reason, since=since(since_))

    async def work() -> list[Replayed]:
        async with schema_engine(database_url, schema) as engine:
            if letter_id is not None:
                chosen = [await deadletters.get_letter(engine, letter_id)]
            else:
                chosen = _one_per_message(
                    [x for x in await deadletters.list_letters(engine, filters) if not x.resolved]
                )
            return await deadletters.replay(
                engine, cluster, chosen, schema=schema, into=into_projection
            )

    done = run("pmoctl dlq replay", work, expected=DeadLetterError)
    out = Console()
    if done:
        out.print(replays_table(done))
    into = f" into {escape(into_projection)}" if into_projection is not None else ""
    out.print(f"{len(done)} dead letter(s) replayed{into}", highlight=False)


def _one_per_message(letters: list[DeadLetterRow]) -> list[DeadLetterRow]:
    """One letter per original message (several consumers of a schema may refuse the same)."""
    seen: dict[tuple[str, int, int], DeadLetterRow] = {}
    for letter in letters:
        seen.setdefault((letter.topic, letter.partition, letter.offset), letter)
    return list(seen.values())


def letters_table(letters: list[DeadLetterRow], *, schema: str) -> Table:
    """The dead letters, a row each."""
    table = Table(title=f"dead letters in {schema}")
    for column in ("id", "consumer", "message", "event", "recorded", "reason", "status"):
        table.add_column(column, overflow="fold")
    for x in letters:
        table.add_row(
            str(x.id),
            x.consumer,
            f"{x.topic}[{x.partition}]@{x.offset}",
            f"{x.event_type or '?'} {x.event_id or ''}".strip(),
            x.recorded_at.isoformat(timespec="seconds"),
            escape(x.reason),
            "[green]resolved[/]" if x.resolved else "[yellow]open[/]",
        )
    return table


def letter_panel(letter: DeadLetterRow) -> Table:
    """A dead letter's recorded facts, one per row."""
    table = Table(title=f"dead letter {letter.id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    rows = {
        "consumer": letter.consumer,
        "message": f"{letter.topic}[{letter.partition}]@{letter.offset}",
        "event type": letter.event_type or "(not decoded)",
        "event id": letter.event_id or "(not decoded)",
        "recorded at": letter.recorded_at.isoformat(),
        "reason": letter.reason,
        "status": "resolved" if letter.resolved else "open",
    }
    for name, value in rows.items():
        table.add_row(name, escape(value))
    return table


def headers_table(original: deadletters.OriginalMessage) -> Table:
    """The message's key and headers."""
    table = Table(title="message")
    table.add_column("header", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row("(key)", escape(_printable(original.key)))
    for name, value in original.headers:
        table.add_row(escape(name), escape(_printable(value)))
    return table


def payload_text(value: bytes | None) -> str:
    """The payload, indented when it is JSON, else as it is."""
    if value is None:
        return "(none)"
    try:
        return json.dumps(orjson.loads(value), indent=2, ensure_ascii=False, sort_keys=True)
    except orjson.JSONDecodeError:
        return _printable(value)


def replays_table(done: list[Replayed]) -> Table:
    """Where each replayed letter's message went."""
    table = Table(title="replayed")
    for column in ("id", "consumer", "event", "re-published at", "refused attempt forgotten"):
        table.add_column(column, overflow="fold")
    for r in done:
        x = r.letter
        table.add_row(
            str(x.id),
            x.consumer,
            f"{x.event_type or '?'} {x.event_id or ''}".strip(),
            f"{x.topic}[{r.partition}]@{r.offset}",
            "yes" if r.reopened else "no",
        )
    return table


def _printable(raw: bytes | None) -> str:
    if raw is None:
        return "(none)"
    text = raw.decode("utf-8", errors="backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
