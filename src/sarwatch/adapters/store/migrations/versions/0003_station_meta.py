"""When the station register began (``station_meta.register_since``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

``sarwatch ledger adopt`` registers only cases opened before the register began:
a case opened later and missing from the register means the register was altered
(emptied to hide a deleted case), not that the store is old. The time is that of
the first registered case if there is one, else the time of this migration.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    meta = op.create_table(
        "station_meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    first = op.get_bind().execute(sa.text("SELECT MIN(opened_at) FROM register")).scalar()
    since = first or datetime.now(UTC).isoformat().replace("+00:00", "Z")
    op.bulk_insert(meta, [{"key": "register_since", "value": since}])


def downgrade() -> None:
    op.drop_table("station_meta")
