"""After the faults (this module runs after the others in the directory), a full rebuild of
reporting's read models from the topics equals the incrementally built ones, table by table,
row by row."""

from __future__ import annotations

import httpx
import pytest

from .resilience_rebuild import rebuild_equals_live
from .resilience_stack import FaultStack

pytestmark = pytest.mark.integration


async def test_the_read_models_equal_a_full_rebuild_after_the_faults(
    fault_stack: FaultStack, fault_admin: httpx.AsyncClient
) -> None:
    await rebuild_equals_live(fault_stack, fault_admin)
