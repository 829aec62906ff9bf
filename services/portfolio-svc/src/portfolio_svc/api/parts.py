"""Path parameters the command and analysis routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

NAMED = r"^[^\x00]*\S[^\x00]*$"

ObjectivePath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=NAMED, description="a weighted objective")
]
RolePath = Annotated[str, Path(min_length=1, max_length=200, pattern=NAMED, description="a role")]
ScenarioPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=NAMED, description="the scenario's name")
]
