"""Items 2 and 3 need reporting-svc's read models and projection rebuild, still being written.

Each function below is the place its measurement goes; until then it returns its table rows with
"not yet available" (never a made-up number). What each must do, once the pieces exist:

- `measure_end_to_end_delay`: send a command to project-svc, note the time of its 2xx, poll (or
  better, LISTEN on) the reporting read model until it shows the event, p50/p95/p99 of the
  delay; once on an idle system (sequential commands) and once while wrk offers a fixed rate
  (wrk2-style pacing, e.g. 200 commands/s) in the background.
- `measure_rebuild_speed`: put 200,000 events on `pmo.project.events` (through project-svc's
  outbox relay, or produced directly in the CloudEvents binary format), then rebuild a
  projection from offset 0 and report events/s from start to the last offset committed.
"""

from __future__ import annotations

from bench.common import NOT_AVAILABLE, Context, Row


def measure_end_to_end_delay(ctx: Context) -> list[Row]:
    """Item 2: command 2xx → reporting read model, idle and at 200 commands/s."""
    ctx.note("item 2 (end-to-end delay): reporting-svc read models are not built yet")
    return [
        Row("2 · end-to-end delay p50/p95/p99 ms, idle", NOT_AVAILABLE, goal="p50 ≤ 20 ms"),
        Row(
            "2 · end-to-end delay p50/p95/p99 ms, 200 commands/s",
            NOT_AVAILABLE,
            goal="p99 ≤ 100 ms",
        ),
    ]


def measure_rebuild_speed(ctx: Context) -> list[Row]:
    """Item 3: events/s of a projection rebuild from 200,000 events on the topic."""
    ctx.note("item 3 (rebuild speed): reporting-svc projection rebuild is not built yet")
    return [Row("3 · projection rebuild, 200,000 events", NOT_AVAILABLE, goal="≥ 20,000 events/s")]
