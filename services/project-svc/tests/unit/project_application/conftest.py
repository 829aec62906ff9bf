from __future__ import annotations

import pytest

from .given import World


@pytest.fixture
def world() -> World:
    """A fresh project-svc write side: empty store, empty rows, empty cache."""
    return World.new()
