"""py-spy of a running service during a load run, summarised as the top costs.

`py-spy record --nonblocking --format raw` writes collapsed stacks ("frame;frame;... count");
`summarize` turns them into the functions with the most samples, inclusive and self, so the
result file says where a command's time goes without opening a flame graph.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench.common import REPO

PY_SPY = REPO / ".venv" / "bin" / "py-spy"
_PROCESSES = re.compile(r'^(?:process \d+:"[^"]*";)+')
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes] | None:
    """Sample `pid` and its child processes (a service with several uvicorn workers serves
    from children of a supervisor that itself only waits) for `seconds` (100 Hz, without
    pausing them); None when py-spy is missing."""
    exe = str(PY_SPY) if PY_SPY.exists() else shutil.which("py-spy")
    if exe is None:
        return None
    return subprocess.Popen(
        [
            exe,
            "record",
            "-p",
            str(pid),
            "-d",
            str(seconds),
            "-r",
            "100",
            "--nonblocking",
            "--subprocesses",
            "--threads",
            "--format",
            "raw",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match.group("file")
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match.group('func')} ({path})"


def _package(frame: str) -> str:
    """Where a frame's code lives: its top-level package or module (py-spy shortens paths to
    the part below site-packages or the source folder)."""
    match = _FRAME.match(frame.strip())
    path = match.group("file") if match else frame.strip()
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return path.lstrip("/").split("/", 1)[0].removesuffix(".py") or "other"


def summarize(
    raw: Path, *, pid: int | None = None, top: int = 25, seconds: float | None = None
) -> list[str]:
    """The `top` functions by inclusive samples of the main thread (`pid`), with their self
    samples, and self samples by package, as text lines. py-spy leaves idle samples out, so
    with `seconds` (at 100 Hz) the first line also says how busy the thread was."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        # With --subprocesses each stack starts with its processes ('process 12:"cmdline";',
        # a command line may hold ';'), then its thread ('thread (12): MainThread'): the main
        # thread of any of them (the supervisor's, or a worker's) is what `pid` asks for.
        stack = _PROCESSES.sub("", stack)
        if pid is not None and not stack.split(";", 1)[0].endswith("MainThread"):
            continue
        frames = [_name(f) for f in stack.split(";")]
        # With --threads, py-spy's first frame is the thread ("thread (123)"): leave it out.
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
        packages[_package(stack.split(";")[-1])] += count
    busy = f" ({total / (seconds * 100):.0%} busy)" if seconds else ""
    lines = [f"{total} samples of the main thread{busy}; inclusive % / self % / function"]
    for name, count in inclusive.most_common(top):
        lines.append(f"{100 * count / total:5.1f} / {100 * own[name] / total:5.1f}  {name}")
    lines.append("top self:")
    for name, count in own.most_common(12):
        lines.append(f"{100 * count / total:5.1f}  {name}")
    lines.append("self by package:")
    for name, count in packages.most_common(12):
        lines.append(f"{100 * count / total:5.1f}  {name}")
    return lines
