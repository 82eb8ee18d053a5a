"""The table of background jobs (SQLAlchemy Core; created by migration ``0010_jobs``,
``phase`` added by ``0011_job_phase``)."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from sarwatch.adapters.store.tables import metadata
from sarwatch.job_records import MAX_PHASE_CHARS

__all__ = ["jobs"]

jobs = Table(
    "jobs",
    metadata,
    Column("job_id", String(40), primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("request", Text, nullable=False),  # JSON
    Column("state", String(12), nullable=False),
    Column("progress", Float, nullable=False, default=0.0),
    Column("phase", String(MAX_PHASE_CHARS), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("worker", String(200), nullable=True),
    Column("pid", Integer, nullable=True),
    Column("created_s", Float, nullable=False),
    Column("started_s", Float, nullable=True),
    Column("heartbeat_s", Float, nullable=True),
    Column("finished_s", Float, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_jobs_state_created", "state", "created_s"),
)
