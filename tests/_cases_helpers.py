"""Helpers shared by the case, ledger, store, API and evidence tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sarwatch.adapters.store import MemoryStore, SqlStore
from sarwatch.domain import Contact, PositionReport, Source
from sarwatch.ledger import Signer
from sarwatch.services.cases import CaseService
from sarwatch.services.ports import Store

POSTGRES_URL = os.environ.get("SARWATCH_TEST_POSTGRES_URL")
NEEDS_POSTGRES = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="no PostgreSQL server: set SARWATCH_TEST_POSTGRES_URL (.ci/run starts one)",
)

T0 = datetime(2018, 3, 15, 4, 10, tzinfo=UTC)
SEA = (12.5, 33.2)  # off Zuwara/Sabratha, Libyan SRR
LAND = (14.51, 35.90)  # Malta, on land

#: The store kinds a SQL test runs on; PostgreSQL only where a server is named.
SQL_STORE_KINDS = [
    "sqlite",
    pytest.param("postgresql", marks=[pytest.mark.postgres, NEEDS_POSTGRES]),
]
#: Every store kind: the memory store and the SQL ones.
STORE_KINDS = ["memory", *SQL_STORE_KINDS]


def reset_postgres(url: str) -> None:
    """Drop every sarwatch table so that a test starts from an empty schema."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "DROP TABLE IF EXISTS incident_batches, incident_external_ids, incident_head, "
                "incident_events, incidents, "
                "jobs, station_meta, register_head, register, events, users, cases, "
                "alembic_version CASCADE"
            )
        )
    engine.dispose()


def fresh_database_url(kind: str, tmp_path: Path, name: str = "cases.db") -> str:
    """The URL of an empty database: a new SQLite file ``name``, or the test PostgreSQL
    server emptied (``kind`` ``sqlite`` or ``postgresql``)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / name}"
    if kind == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("no PostgreSQL server: set SARWATCH_TEST_POSTGRES_URL")
        reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    raise ValueError(kind)


def make_store(kind: str, tmp_path: Path) -> Store:
    """A fresh, empty store of the given kind: memory, sqlite or postgresql."""
    if kind == "memory":
        return MemoryStore()
    return SqlStore(fresh_database_url(kind, tmp_path))


def run_sql(store: SqlStore, *statements: str, **params: object) -> None:
    """Run SQL statements in one transaction, as someone who can write the database does."""
    from sqlalchemy import text

    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def make_service(store: Store, signer: Signer | None = None) -> CaseService:
    """A service that takes every point at sea (no land mask) and a fresh key."""
    return CaseService(
        store=store,
        signer=signer or Signer.generate(),
        land_check=lambda lon, lat: False,
        region_of=lambda lon, lat: "LY",
    )


def source() -> Source:
    return Source("Alarm Phone", 3)


def position(minutes: int = 0, lon: float = SEA[0], lat: float = SEA[1]) -> PositionReport:
    from datetime import timedelta

    return PositionReport(T0 + timedelta(minutes=minutes), lon, lat, "gps", source(), 0.5)


def contact(i: int) -> Contact:
    from datetime import timedelta

    return Contact(T0 + timedelta(minutes=i), "phone", "MRCC Rome", f"call {i}")


def open_case(service: CaseService) -> str:
    return service.open_case(
        title="rubber boat, 80 people", alert_time=T0, actor="ana", position=position()
    ).case_id
