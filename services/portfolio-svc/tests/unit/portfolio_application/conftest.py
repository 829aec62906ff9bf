from __future__ import annotations

import pytest

from .portfolio_world import World


@pytest.fixture
def world() -> World:
    """A fresh portfolio-svc write side: empty store, empty rows, empty cache."""
    return World.new()
