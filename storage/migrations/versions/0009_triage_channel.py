"""triage channel and its posts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 15:13:11.857663
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "triage_channels",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("service_url", sa.String(length=400), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("bot_id", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_triage_channels_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["staff.id"], name=op.f("fk_triage_channels_set_by_staff")
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_triage_channels")),
    )
    op.create_table(
        "triage_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("service_url", sa.String(length=400), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("bot_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.String(length=40), nullable=True),
        sa.Column("stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("refresh_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_triage_posts_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_triage_posts_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_posts")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_triage_posts_incident_id")),
    )
    with op.batch_alter_table("triage_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_posts_stale"), ["stale"], unique=False)
        batch_op.create_index(batch_op.f("ix_triage_posts_state_id"), ["state", "id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("triage_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_posts_state_id"))
        batch_op.drop_index(batch_op.f("ix_triage_posts_stale"))

    op.drop_table("triage_posts")
    op.drop_table("triage_channels")
