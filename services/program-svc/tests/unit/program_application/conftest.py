from __future__ import annotations

import pytest

from .program_world import World


@pytest.fixture
def world() -> World:
    """A fresh program-svc write side: empty store, empty rows, empty cache."""
    return World.new()
