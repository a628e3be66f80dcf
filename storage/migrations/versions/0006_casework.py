"""casework: actions, case events, versions, outcome, stale alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 20:45:14.309135
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=100), nullable=True),
        sa.Column("planner_date", sa.Date(), nullable=True),
        sa.Column("planner_staff_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("text_ciphertext", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_actions_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["planner_staff_id"], ["staff.id"], name=op.f("fk_actions_planner_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["staff.id"], name=op.f("fk_actions_recorded_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_actions_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint(
            "school_id", "idempotency_key", name=op.f("uq_actions_school_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_actions_incident_id_happened_at"),
            ["incident_id", "happened_at"],
            unique=False,
        )

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=True),
        sa.Column("outcome", sa.String(length=60), nullable=True),
        sa.Column("reason_ciphertext", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('assigned', 'status', 'edited', 'moved', 'linked')",
            name=op.f("ck_case_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_case_events_actor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff.id"], name=op.f("fk_case_events_assignee_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_case_events_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint(
            "incident_id", "version", name=op.f("uq_case_events_incident_id_version")
        ),
    )
    op.create_table(
        "incident_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("pupils", sa.JSON(), nullable=False),
        sa.Column("text_ciphertext", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_versions_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_versions")),
        sa.UniqueConstraint(
            "incident_id", "version", name=op.f("uq_incident_versions_incident_id_version")
        ),
    )
    op.create_table(
        "action_categories",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_categories_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_action_categories_category_id_categories"),
        ),
        sa.PrimaryKeyConstraint("action_id", "category_id", name=op.f("pk_action_categories")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("action_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("stale", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("refresh_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("refresh_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_alerts_stale"), ["stale"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_action_id_actions"), "actions", ["action_id"], ["id"]
        )

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=60), nullable=True))

    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("action_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_attachments_action_id_actions"), "actions", ["action_id"], ["id"]
        )

    with op.batch_alter_table("attach_windows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("action_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_attach_windows_action_id_actions"), "actions", ["action_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("attach_windows", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_attach_windows_action_id_actions"), type_="foreignkey"
        )
        batch_op.drop_column("action_id")

    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_attachments_action_id_actions"), type_="foreignkey")
        batch_op.drop_column("action_id")

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("outcome")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alerts_action_id_actions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_alerts_stale"))
        batch_op.drop_column("refresh_attempts")
        batch_op.drop_column("refresh_after")
        batch_op.drop_column("stale")
        batch_op.drop_column("action_id")

    op.drop_table("action_categories")
    op.drop_table("incident_versions")
    op.drop_table("case_events")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_incident_id_happened_at"))

    op.drop_table("actions")
