"""administration in Teams: category order, retiring and versions; alert groups retired and
versioned; staff versions; per-school settings, term dates and closing outcomes; proposals to
widen access to a restricted category, waiting for the DSL team's code

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:07:14.745191
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "closing_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_closing_outcomes_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closing_outcomes")),
        sa.UniqueConstraint("school_id", "name", name=op.f("uq_closing_outcomes_school_id_name")),
    )
    op.create_table(
        "term_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_term_dates_in_order")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_term_dates_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_dates")),
    )
    with op.batch_alter_table("term_dates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_term_dates_school_id"), ["school_id"], unique=False)

    op.create_table(
        "access_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("category_version", sa.Integer(), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_access_proposals_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["staff.id"], name=op.f("fk_access_proposals_decided_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["staff.id"], name=op.f("fk_access_proposals_proposed_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_access_proposals_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_proposals")),
    )
    with op.batch_alter_table("access_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_proposals_school_id_decided_at"),
            ["school_id", "decided_at"],
            unique=False,
        )

    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalate_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("year_groups", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("year_groups")
        batch_op.drop_column("escalate_minutes")

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("position")

    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("retired_at")

    with op.batch_alter_table("access_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_proposals_school_id_decided_at"))

    op.drop_table("access_proposals")
    with op.batch_alter_table("term_dates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_term_dates_school_id"))

    op.drop_table("term_dates")
    op.drop_table("closing_outcomes")
