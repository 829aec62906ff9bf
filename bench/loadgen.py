"""Open-loop load at a fixed offered rate (wrk2-style), in its own process, for item 2.

    BENCH_TOKEN=... python -m bench.loadgen URL IDS_FILE --rate 200 --seconds 150 \
        --warmup 5 --stop-file PATH --out PATH

Request i is due at start + i / rate whatever happened to the earlier ones (open loop: a slow
answer never delays the next request, so the offered rate is the rate asked for); its latency is
measured from that due time, not from when it was actually sent, so a stalled server shows up in
the percentiles instead of hiding in a lower rate (the coordinated-omission correction wrk2
makes). Requests go over a pool of keep-alive connections (a minimal HTTP/1.1 client on asyncio
streams and uvloop, far cheaper than httpx: at 200 requests/s httpx took ~57% of a core); when
more than MAX_IN_FLIGHT are outstanding a due request is dropped and counted, never queued
without bound.

The mix: request i goes to project i mod len(IDS_FILE), each project alternating `POST /progress`
and `POST /costs`, so one project sees one command every len(ids) / rate seconds. Runs until
--seconds have passed or --stop-file appears, then writes a JSON summary to --out; answers to
requests due in the first --warmup seconds are left out of the latencies and of the 2xx rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import percentile

MAX_IN_FLIGHT = 256
CONNECTIONS = 64


class Http1Pool:
    """A minimal HTTP/1.1 keep-alive client: CONNECTIONS connections, requests written as
    prepared bytes, answers read by Content-Length. A tenth of httpx's CPU per request, which
    matters when the load generator shares 2 cores with everything it measures."""

    def __init__(self, url: str, size: int) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.size = size
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = (
            asyncio.Queue()
        )
        for _ in range(size):
            self.idle.put_nowait(None)  # a slot; connected on first use

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes, float]:
        """(status, body, perf_counter when the request was written)."""
        conn = await self.idle.get()  # waiting for a free connection counts as latency
        try:
            if conn is None:
                conn = await asyncio.open_connection(self.host, self.port)
            reader, writer = conn
            sent = time.perf_counter()
            writer.write(head + body)
            raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            length = 0
            close = False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            answer = await asyncio.wait_for(reader.readexactly(length), timeout=10)
            if close:
                writer.close()
                conn = None
            return status, answer, sent
        except BaseException:
            if conn is not None:
                conn[1].close()
            conn = None
            raise
        finally:
            self.idle.put_nowait(conn)

    async def close(self) -> None:
        while not self.idle.empty():
            conn = self.idle.get_nowait()
            if conn is not None:
                conn[1].close()


async def offer(args: argparse.Namespace, ids: list[str]) -> dict[str, Any]:
    token = os.environ["BENCH_TOKEN"]
    today = datetime.now(UTC).date().isoformat()
    stop_file = Path(args.stop_file) if args.stop_file else None
    counts = {"ok": 0, "ok_measured": 0, "conflict": 0, "other": 0, "errors": 0, "dropped": 0}
    since_due: list[float] = []  # seconds from the due time to the answer
    since_sent: list[float] = []  # seconds from sending to the answer
    samples: list[str] = []
    in_flight: set[asyncio.Task[None]] = set()
    pool = Http1Pool(args.url, CONNECTIONS)
    host = urlsplit(args.url).netloc

    def prepared(i: int) -> tuple[bytes, bytes]:
        # Consecutive requests go to different projects; each project alternates.
        pid = ids[i % len(ids)]
        if (i // len(ids)) % 2:
            path = f"/v1/projects/{pid}/costs"
            body: dict[str, Any] = {
                "amount": f"{10 + i % 90}.{i % 100:02d}",
                "incurred_on": "2025-06-30",
                "category": "load",
            }
        else:
            path = f"/v1/projects/{pid}/progress"
            body = {"percent_complete": str(i % 100), "as_of": today}
        data = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode()
        return head, data

    async def one(i: int, due: float) -> None:
        head, data = prepared(i)
        try:
            status, answer, sent = await pool.request(head, data)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, TimeoutError) as exc:
            counts["errors"] += 1
            if len(samples) < 5:
                samples.append(f"{type(exc).__name__}: {exc}")
            return
        done = time.perf_counter()
        if 200 <= status < 300:
            counts["ok"] += 1
            if due >= measured_from:
                counts["ok_measured"] += 1
                since_due.append(done - due)
                since_sent.append(done - sent)
        elif status in (409, 412):
            counts["conflict"] += 1
        else:
            counts["other"] += 1
            if len(samples) < 5:
                samples.append(f"{status} {answer[:200].decode('utf-8', 'replace')}")

    cpu0 = time.process_time()
    start = time.perf_counter()
    measured_from = start + args.warmup
    total = int(args.rate * args.seconds)
    try:
        offered = 0
        for i in range(total):
            due = start + i / args.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if i % 20 == 0 and stop_file is not None and stop_file.exists():
                break
            offered += 1
            if len(in_flight) >= MAX_IN_FLIGHT:
                counts["dropped"] += 1
                continue
            task = asyncio.create_task(one(i, due))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        offered_seconds = time.perf_counter() - start
        if in_flight:
            _, late = await asyncio.wait(set(in_flight), timeout=15)
            for task in late:
                task.cancel()
            counts["errors"] += len(late)
    finally:
        await pool.close()

    since_due.sort()
    since_sent.sort()
    return {
        **counts,
        "rate_asked": args.rate,
        "offered": offered,
        "offered_seconds": offered_seconds,
        "offered_rate": offered / offered_seconds if offered_seconds else 0.0,
        "warmup_seconds": args.warmup,
        "ok_rate": counts["ok_measured"] / max(offered_seconds - args.warmup, 1e-9),
        "p50_due_ms": 1000 * percentile(since_due, 50),
        "p95_due_ms": 1000 * percentile(since_due, 95),
        "p99_due_ms": 1000 * percentile(since_due, 99),
        "max_due_ms": 1000 * (since_due[-1] if since_due else 0.0),
        "p50_sent_ms": 1000 * percentile(since_sent, 50),
        "p99_sent_ms": 1000 * percentile(since_sent, 99),
        "projects": len(ids),
        "loadgen_cpu_share": (time.process_time() - cpu0) / max(offered_seconds, 1e-9),
        "sample": samples,
    }


def run_loop(coro: Any) -> Any:
    """`uvloop.run` when uvloop is there (as the services use it), else `asyncio.run`."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("ids_file")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds left out of the stats")
    parser.add_argument("--stop-file", default="")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if not (
        1 <= args.rate <= 5000 and 1 <= args.seconds <= 600 and 0 <= args.warmup < args.seconds
    ):
        parser.error("rate 1-5000, seconds 1-600, warmup 0 to seconds")
    ids = [x for x in Path(args.ids_file).read_text().split() if x]
    summary = run_loop(offer(args, ids))
    Path(args.out).write_text(json.dumps(summary))
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
