"""When each API token stops working (``users.expires_at``).

Revision ID: 0012_token_expiry
Revises: 0003
Create Date: 2026-12-07

A branch of its own off 0003 (the store upgrades to "heads"). A nullable column:
``NULL`` is a token that never expires, which from now on is given only when asked
for (``sarwatch user add NAME --role ROLE --expires-days never``). Tokens issued
before this migration had no end; they get one :data:`EXISTING_TOKEN_DAYS` days
after the migration runs: no one is locked out by the upgrade, and a token
forgotten since (a volunteer who left) stops working by itself. ``sarwatch user
list`` shows each expiry; ``sarwatch user renew NAME`` issues a new token.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0012_token_expiry"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Days the tokens issued before this migration keep working after it.
EXISTING_TOKEN_DAYS = 90


def upgrade() -> None:
    op.add_column("users", sa.Column("expires_at", sa.String(40), nullable=True))
    ends = datetime.now(UTC).replace(microsecond=0) + timedelta(days=EXISTING_TOKEN_DAYS)
    users = sa.table("users", sa.column("expires_at", sa.String(40)))
    op.execute(users.update().values(expires_at=ends.isoformat().replace("+00:00", "Z")))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("expires_at")
