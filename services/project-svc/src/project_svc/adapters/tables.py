"""Query tables project-svc keeps beside its event store, updated in the same transaction as
each append: the project list and the offices of each project. (The Idempotency-Key records are
the kernel's: `pmo_shared.database.idempotency`; the PMO's standards and the portfolio's
decisions are the references' tables, `project_svc.references`.)"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("project_id", UUID(as_uuid=True), primary_key=True),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("tenant_id", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("manager", Text, nullable=False),
    # The flag as proposed; `large` is computed when the list is read, by the PMO's standards
    # in force then (`rows._LARGE`).
    Column("flagged_large", Boolean, nullable=False),
    Column("budget_at_completion", Numeric(19, 4)),
    Column("currency", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "code", name="projects_tenant_code_key"),
    Index("projects_tenant_seq_idx", "tenant_id", "seq"),
)

project_offices = Table(
    "project_offices",
    metadata,
    Column("office_id", UUID(as_uuid=True), primary_key=True),
    Column("project_id", UUID(as_uuid=True), nullable=False),
    Column("tenant_id", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("version", Integer, nullable=False),
    # The store position of the office's last event: orders offices in time.
    Column("last_position", BigInteger, nullable=False),
    # At most one live office per project, even under concurrent establish commands.
    Index(
        "project_offices_one_live_idx",
        "project_id",
        unique=True,
        postgresql_where=text("state = 'established'"),
    ),
)
