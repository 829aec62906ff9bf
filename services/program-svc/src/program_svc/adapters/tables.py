"""Query tables program-svc keeps beside its event store, updated in the same transaction as
each append: the program list, and which program each project is a member of. (The
Idempotency-Key records are the kernel's, `pmo_shared.database.idempotency`; the projects
program-svc knows are the references' table, `program_svc.references`.)"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()

PROGRAM_CODE_KEY = "programs_tenant_code_key"
MEMBER_KEY = "program_members_tenant_project_key"

programs = Table(
    "programs",
    metadata,
    Column("program_id", UUID(as_uuid=True), primary_key=True),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("tenant_id", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False),
    # The manager's pseudonym (the key store's subject_ref), never the user id.
    Column("manager", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "code", name=PROGRAM_CODE_KEY),
    Index("programs_tenant_seq_idx", "tenant_id", "seq"),
)

program_members = Table(
    "program_members",
    metadata,
    Column("tenant_id", Text, nullable=False),
    Column("project_id", UUID(as_uuid=True), nullable=False),
    Column("program_id", UUID(as_uuid=True), nullable=False),
    # A project belongs to one program at most, even under concurrent adds to two programs.
    UniqueConstraint("tenant_id", "project_id", name=MEMBER_KEY),
    Index("program_members_program_idx", "program_id"),
)
