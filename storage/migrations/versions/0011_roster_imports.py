"""roster imports: the runs, leavers (in the search index too) and merged provisional pupils

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 15:05:10.023091
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("leavers", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("failure", sa.String(length=300), nullable=True),
        sa.CheckConstraint("kind IN ('import', 'sync')", name=op.f("ck_import_runs_kind")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_import_runs_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_runs_school_id_kind_finished_at"),
            ["school_id", "kind", "finished_at"],
            unique=False,
        )

    with op.batch_alter_table("student_name_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("leaver", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_index(
            batch_op.f("ix_student_name_tokens_school_id_token_sort_key_student_id")
        )
        batch_op.create_index(
            "ix_student_name_tokens_lookup",
            ["school_id", "leaver", "token", "sort_key", "student_id"],
            unique=False,
        )

    # Added in place, never by rebuilding the table (as a batch on SQLite would): every table
    # that names a pupil points at students, and SQLite cannot drop a table they point at.
    op.add_column("students", sa.Column("left_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":  # ADD COLUMN may carry REFERENCES in SQLite
        op.execute(
            "ALTER TABLE students ADD COLUMN merged_into INTEGER "
            "CONSTRAINT fk_students_merged_into_students REFERENCES students (id)"
        )
    else:
        op.add_column("students", sa.Column("merged_into", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_students_merged_into_students"),
            "students",
            "students",
            ["merged_into"],
            ["id"],
        )
    op.create_index(op.f("ix_students_merged_into"), "students", ["merged_into"], unique=False)
    op.create_index(
        op.f("ix_students_school_id_mis_id"), "students", ["school_id", "mis_id"], unique=False
    )


def downgrade() -> None:
    # On SQLite this rebuilds students: run it on a copy without pupils' records, if at all.
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_students_merged_into_students"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_students_school_id_mis_id"))
        batch_op.drop_index(batch_op.f("ix_students_merged_into"))
        batch_op.drop_column("merged_into")
        batch_op.drop_column("left_on")

    with op.batch_alter_table("student_name_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_student_name_tokens_lookup")
        batch_op.create_index(
            batch_op.f("ix_student_name_tokens_school_id_token_sort_key_student_id"),
            ["school_id", "token", "sort_key", "student_id"],
            unique=False,
        )
        batch_op.drop_column("leaver")

    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_runs_school_id_kind_finished_at"))

    op.drop_table("import_runs")
