"""keyed audit: the key id of each audit link (HMAC-SHA-256 under a key outside the database)

Links written before this migration keep a NULL key id (plain SHA-256) until `kestrel audit
rekey` re-links them under the configured key: the key is never in the database, so no
migration can do it.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("key_id")
