"""Program and portfolio roll-ups take turns: at most `at_once` are computed at a time in a
process (each holds all its members' reports), the rest wait and are then answered."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest

from reporting_svc.application.portfolios import PortfolioReportService
from reporting_svc.application.programs import ProgramReportService
from reporting_svc.application.reports import ROLLUPS_AT_ONCE, When


class _Counting:
    def __init__(self) -> None:
        self.now = 0
        self.most = 0

    async def read(self, *_: Any, **__: Any) -> Any:
        self.now += 1
        self.most = max(self.most, self.now)
        for _ in range(3):  # yield to the others: unlimited, every call would be in here now
            await asyncio.sleep(0)
        self.now -= 1
        return type("Read", (), {"rows": ["row"]})()

    async def reports_of(self, *_: Any, **__: Any) -> list[str]:
        await asyncio.sleep(0)
        return ["report"]


@pytest.mark.parametrize("kind", [ProgramReportService, PortfolioReportService])
async def test_only_a_few_rollups_are_computed_at_once(kind: Any) -> None:
    service = kind(supervisor=None, reports=None)
    counting = _Counting()
    service._read = counting.read
    service._reports_of = counting.reports_of
    one = service.program if kind is ProgramReportService else service.portfolio
    answers = await asyncio.gather(*(one("t", uuid4(), when=When()) for _ in range(12)))
    assert answers == ["report"] * 12
    assert counting.most == ROLLUPS_AT_ONCE == 2


async def test_a_turn_is_given_back_when_the_rollup_fails() -> None:
    service = ProgramReportService(supervisor=None, reports=None, at_once=1)  # type: ignore[arg-type]

    async def missing(*_: Any, **__: Any) -> Any:
        return type("Read", (), {"rows": []})()

    service._read = missing  # type: ignore[method-assign]
    for _ in range(3):  # a 404 each time, never a wait for a turn never given back
        with pytest.raises(Exception, match="not found"):
            await asyncio.wait_for(service.program("t", uuid4(), when=When()), 1)
