"""student name tokens for search

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:26:14.538184
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from safeguarding.search import name_tokens

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "student_name_tokens",
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column(
            "token",
            sa.String(length=100).with_variant(sa.String(length=100, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_student_name_tokens_student_id_students")
        ),
        sa.PrimaryKeyConstraint("student_id", "token", name=op.f("pk_student_name_tokens")),
    )
    with op.batch_alter_table("student_name_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_student_name_tokens_token_student_id"),
            ["token", "student_id"],
            unique=False,
        )

    # Index the pupils already here.
    students = sa.table(
        "students",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("preferred_name", sa.String),
    )
    tokens = sa.table(
        "student_name_tokens", sa.column("student_id", sa.Integer), sa.column("token", sa.String)
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            students.c.id, students.c.first_name, students.c.last_name, students.c.preferred_name
        )
    ).all()
    values = [
        {"student_id": row.id, "token": token}
        for row in rows
        for token in name_tokens(row.first_name, row.last_name, row.preferred_name)
    ]
    if values:
        connection.execute(sa.insert(tokens), values)


def downgrade() -> None:
    with op.batch_alter_table("student_name_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_student_name_tokens_token_student_id"))

    op.drop_table("student_name_tokens")
