"""access rules, scopes, exclusions, hide names

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:03:26.754171
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "category_role_rights",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("view_students", sa.Boolean(), nullable=False),
        sa.Column("view_incidents", sa.Boolean(), nullable=False),
        sa.Column("add_incidents", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "role IN ('staff', 'viewer', 'dsl', 'deputy_dsl', 'administrator')",
            name=op.f("ck_category_role_rights_role"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_role_rights_category_id_categories"),
        ),
        sa.PrimaryKeyConstraint("category_id", "role", name=op.f("pk_category_role_rights")),
    )
    op.create_table(
        "category_staff_rights",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("view_students", sa.Boolean(), nullable=False),
        sa.Column("view_incidents", sa.Boolean(), nullable=False),
        sa.Column("add_incidents", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_staff_rights_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_category_staff_rights_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("category_id", "staff_id", name=op.f("pk_category_staff_rights")),
    )
    op.create_table(
        "exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lifted_by"], ["staff.id"], name=op.f("fk_exclusions_lifted_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_exclusions_school_id_schools")
        ),
        sa.ForeignKeyConstraint(["set_by"], ["staff.id"], name=op.f("fk_exclusions_set_by_staff")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_exclusions_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_exclusions_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusions")),
    )
    with op.batch_alter_table("exclusions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exclusions_staff_id_lifted_at"), ["staff_id", "lifted_at"], unique=False
        )

    op.create_table(
        "staff_scopes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("year_group", sa.Integer(), nullable=True),
        sa.Column("tutor_group", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "(year_group IS NULL) <> (tutor_group IS NULL)", name=op.f("ck_staff_scopes_one_group")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_scopes_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_scopes")),
    )
    with op.batch_alter_table("staff_scopes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_scopes_staff_id"), ["staff_id"], unique=False)

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hide_names", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("hide_names")

    with op.batch_alter_table("staff_scopes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_scopes_staff_id"))

    op.drop_table("staff_scopes")
    with op.batch_alter_table("exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exclusions_staff_id_lifted_at"))

    op.drop_table("exclusions")
    op.drop_table("category_staff_rights")
    op.drop_table("category_role_rights")
