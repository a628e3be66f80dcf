"""incidents, pupils, categories, body map, grants, alert outbox, agencies, attachments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 17:58:25.714348
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from safeguarding.search import name_tokens, sort_key

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_agencies_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("school_id", "name", name=op.f("uq_agencies_school_id_name")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("text_ciphertext", sa.Text(), nullable=False),
        sa.Column("evidence_ciphertext", sa.Text(), nullable=True),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('Open', 'Active', 'Closed')", name=op.f("ck_incidents_status")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff.id"], name=op.f("fk_incidents_assignee_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["staff.id"], name=op.f("fk_incidents_recorded_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_incidents_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint(
            "school_id", "idempotency_key", name=op.f("uq_incidents_school_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_escalate_at"), ["escalate_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incidents_assignee_id_status"), ["assignee_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incidents_recorded_by_recorded_at"),
            ["recorded_by", "recorded_at"],
            unique=False,
        )

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("raised_by", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("conversation_id", sa.String(length=400), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.String(length=40), nullable=True),
        sa.Column("concerning_staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["concerning_staff_id"], ["staff.id"], name=op.f("fk_alerts_concerning_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_alerts_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by"], ["staff.id"], name=op.f("fk_alerts_raised_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_alerts_school_id_schools")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_alerts_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alerts_staff_id_state"), ["staff_id", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alerts_state_id"), ["state", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alerts_staff_id_read_at_id"), ["staff_id", "read_at", "id"], unique=False
        )

    op.create_table(
        "attach_windows",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("open_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_attach_windows_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_attach_windows_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_attach_windows")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name_ciphertext", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_as", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["staff.id"], name=op.f("fk_attachments_added_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_attachments_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachments_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "body_map_markers",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("note_ciphertext", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_body_map_markers_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("incident_id", "number", name=op.f("pk_body_map_markers")),
    )
    op.create_table(
        "incident_categories",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_incident_categories_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_categories_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_incident_categories_student_id_students")
        ),
        sa.PrimaryKeyConstraint(
            "incident_id", "student_id", "category_id", name=op.f("pk_incident_categories")
        ),
    )
    op.create_table(
        "incident_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["staff.id"], name=op.f("fk_incident_grants_granted_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_grants_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_incident_grants_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["staff.id"], name=op.f("fk_incident_grants_withdrawn_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_grants")),
    )
    with op.batch_alter_table("incident_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_grants_incident_id_staff_id"),
            ["incident_id", "staff_id"],
            unique=False,
        )

    op.create_table(
        "incident_students",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("monitoring", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_students_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_incident_students_student_id_students")
        ),
        sa.PrimaryKeyConstraint("incident_id", "student_id", name=op.f("pk_incident_students")),
    )
    with op.batch_alter_table("incident_students", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_students_student_id_incident_id"),
            ["student_id", "incident_id"],
            unique=False,
        )
    _rebuild_name_tokens(with_sort_keys=True)
    op.create_table(
        "chat_addresses",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("service_url", sa.String(length=400), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("bot_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_chat_addresses_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_chat_addresses")),
    )


def downgrade() -> None:
    op.drop_table("chat_addresses")
    with op.batch_alter_table("incident_students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_students_student_id_incident_id"))

    op.drop_table("incident_students")
    with op.batch_alter_table("incident_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_grants_incident_id_staff_id"))

    op.drop_table("incident_grants")
    op.drop_table("incident_categories")
    op.drop_table("body_map_markers")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_incident_id"))

    op.drop_table("attachments")
    op.drop_table("attach_windows")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_state_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_staff_id_read_at_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_staff_id_state"))
        batch_op.drop_index(batch_op.f("ix_alerts_incident_id"))

    op.drop_table("alerts")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_recorded_by_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_incidents_assignee_id_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_escalate_at"))

    op.drop_table("incidents")
    op.drop_table("agencies")
    _rebuild_name_tokens(with_sort_keys=False)


def _token_type() -> sa.types.TypeEngine:
    return sa.String(length=100).with_variant(sa.String(length=100, collation="C"), "postgresql")


def _rebuild_name_tokens(*, with_sort_keys: bool) -> None:
    """Pupil search tokens are derived data: rebuilt in the new shape (school and sort key
    carried on each token, so a prefix is answered from one index in name order) or the old."""
    # Dropping the table drops its indexes too.
    op.drop_table("student_name_tokens")
    columns = [
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("token", _token_type(), nullable=False),
    ]
    if with_sort_keys:
        columns += [
            sa.Column("school_id", sa.Integer(), nullable=False),
            sa.Column(
                "sort_key",
                sa.String(length=210).with_variant(
                    sa.String(length=210, collation="C"), "postgresql"
                ),
                nullable=False,
            ),
            sa.ForeignKeyConstraint(
                ["school_id"], ["schools.id"], name="fk_student_name_tokens_school_id_schools"
            ),
        ]
    op.create_table(
        "student_name_tokens",
        *columns,
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name="fk_student_name_tokens_student_id_students"
        ),
        sa.PrimaryKeyConstraint("student_id", "token", name="pk_student_name_tokens"),
    )
    with op.batch_alter_table("student_name_tokens", schema=None) as batch_op:
        if with_sort_keys:
            batch_op.create_index(
                "ix_student_name_tokens_school_id_token_sort_key_student_id",
                ["school_id", "token", "sort_key", "student_id"],
            )
        else:
            batch_op.create_index(
                "ix_student_name_tokens_token_student_id", ["token", "student_id"]
            )
    students = sa.table(
        "students",
        *(
            sa.column(name)
            for name in ("id", "school_id", "first_name", "last_name", "preferred_name")
        ),
    )
    tokens = sa.table(
        "student_name_tokens",
        *(sa.column(name) for name in ("student_id", "token", "school_id", "sort_key")),
    )
    connection = op.get_bind()
    values = []
    for row in connection.execute(sa.select(students)).all():
        for token in name_tokens(row.first_name, row.last_name, row.preferred_name):
            value = {"student_id": row.id, "token": token}
            if with_sort_keys:
                value |= {
                    "school_id": row.school_id,
                    "sort_key": sort_key(row.first_name, row.last_name),
                }
            values.append(value)
    if values:
        connection.execute(sa.insert(tokens), values)
