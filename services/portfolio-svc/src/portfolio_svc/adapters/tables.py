"""Query tables portfolio-svc keeps beside its event store, updated in the same transaction as
each append: the portfolio list, and which portfolio each program or project is a component
of. (The Idempotency-Key records are the kernel's, `pmo_shared.database.idempotency`; the
programs and projects portfolio-svc knows are the references' tables,
`portfolio_svc.references`.)"""

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

PORTFOLIO_CODE_KEY = "portfolios_tenant_code_key"
COMPONENT_KEY = "portfolio_components_tenant_component_key"

portfolios = Table(
    "portfolios",
    metadata,
    Column("portfolio_id", UUID(as_uuid=True), primary_key=True),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("tenant_id", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    # The manager's pseudonym (the key store's subject_ref), never the user id.
    Column("manager", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "code", name=PORTFOLIO_CODE_KEY),
    Index("portfolios_tenant_seq_idx", "tenant_id", "seq"),
)

portfolio_components = Table(
    "portfolio_components",
    metadata,
    Column("tenant_id", Text, nullable=False),
    Column("component_id", UUID(as_uuid=True), nullable=False),
    Column("portfolio_id", UUID(as_uuid=True), nullable=False),
    Column("kind", Text, nullable=False),
    # A program or project is a component of one portfolio at most, even under concurrent
    # adds to two portfolios.
    UniqueConstraint("tenant_id", "component_id", name=COMPONENT_KEY),
    Index("portfolio_components_portfolio_idx", "portfolio_id"),
)
