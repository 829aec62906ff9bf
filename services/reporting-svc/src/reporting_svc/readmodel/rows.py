"""What a read-model handler returns: the writes one event makes, as (statement, parameters)
pairs that the projection buffers and then flushes in bulk."""

from __future__ import annotations

from typing import Any

from pmo_shared.database.bulk import BulkStatement

Rows = list[tuple[BulkStatement, dict[str, Any]]]
