"""The SQL schema (SQLAlchemy Core). Changes go through an Alembic migration too."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["cases", "events", "metadata", "register", "register_head", "station_meta", "users"]

metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("title", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("region", String(2), nullable=False),
    Column("opened_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("state", Text, nullable=False),
    Column("head_seq", Integer, nullable=True),
    Column("head_hash", String(64), nullable=True),
    Column("head_key_id", String(16), nullable=True),
    Column("head_signature", String(128), nullable=True),
    Index("ix_cases_updated_at", "updated_at"),
    Index("ix_cases_status", "status"),
)

events = Table(
    "events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("case_id", String(40), ForeignKey("cases.case_id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
    # the record format (docs/evidence-format.md): 1 before RFC 8785, 2 since (0007)
    Column("format", Integer, nullable=False, server_default="1"),
    UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),
)

users = Table(
    "users",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=True),  # NULL: the token never expires
)

#: The station register: one signed entry per case opened (``ledger.register``).
register = Table(
    "register",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("case_id", String(40), nullable=False),
    Column("opened_at", String(40), nullable=False),
    Column("first_hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
    UniqueConstraint("case_id", name="uq_register_case"),
)

#: The register's signed head: one row (``id = 1``), locked to open a case.
register_head = Table(
    "register_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
)

#: Facts about the store itself: ``register_since`` (ISO UTC), when the register began.
station_meta = Table(
    "station_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
