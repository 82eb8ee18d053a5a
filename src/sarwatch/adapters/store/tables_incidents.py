"""The SQL tables of the incident register (migration ``0006_incidents``).

``incidents`` holds each incident's projection (its record as JSON) with the columns
it is filtered and totalled by; ``incident_events`` the register's one signed chain;
``incident_head`` its signed head (one row); ``incident_external_ids`` the ids of the
source records each incident was made from, unique, so that no record (an IOM row,
an exported incident) is ever counted twice, even by a second import;
``incident_batches`` the reports of large ``incidents_recorded`` events, which the
signed events name by the SHA-256 of this text.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from sarwatch.adapters.store.tables import metadata

__all__ = [
    "incident_batches",
    "incident_events",
    "incident_external_ids",
    "incident_head",
    "incidents",
]

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", String(24), primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("time", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("place", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("survivors", Integer, nullable=True),
    Column("dead", Integer, nullable=True),
    Column("missing", Integer, nullable=True),
    Column("quality", Integer, nullable=False),
    Column("merged_into", String(24), nullable=True),
    Column("case_id", String(40), nullable=True),
    Column("updated_at", String(40), nullable=False),
    Column("state", Text, nullable=False),
    Index("ix_incidents_time", "time"),
    Index("ix_incidents_year_month", "year", "month"),
    Index("ix_incidents_merged_into", "merged_into"),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("recorded_at", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
)

incident_head = Table(
    "incident_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
)

incident_external_ids = Table(
    "incident_external_ids",
    metadata,
    Column("external_id", String(200), primary_key=True),
    Column("incident_id", String(24), nullable=False),
)

incident_batches = Table(
    "incident_batches",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("body", Text, nullable=False),
)
