"""A log line never carries a person's user id from a request path."""

from __future__ import annotations

from types import SimpleNamespace

from pmo_shared.telemetry.http import loggable_path


def test_a_path_that_names_a_person_is_logged_as_its_route() -> None:
    scope = {
        "path": "/v1/data-subjects/ann.smith@example.org/erase",
        "route": SimpleNamespace(path="/v1/data-subjects/{user_id}/erase"),
    }
    assert loggable_path(scope) == "/v1/data-subjects/{user_id}/erase"


def test_other_paths_are_logged_as_they_came() -> None:
    scope = {
        "path": "/v1/projects/5b0c1f0e-3f7d-4e43-9a0c-1d3c8f1c2b7a",
        "route": SimpleNamespace(path="/v1/projects/{project_id}"),
    }
    assert loggable_path(scope) == scope["path"]
