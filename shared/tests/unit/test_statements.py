from __future__ import annotations

from pmo_shared.database.statements import statement


def test_a_text_is_made_once_and_keeps_its_parameters() -> None:
    sql = "SELECT * FROM projects WHERE tenant_id = :tenant AND code = :code"

    first = statement(sql)

    assert statement(sql) is first
    assert set(first._bindparams) == {"tenant", "code"}
    assert statement(sql + " ORDER BY code") is not first
