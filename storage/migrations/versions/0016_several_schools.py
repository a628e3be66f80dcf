"""several schools in one tenant (a trust): schools.tenant_id no longer unique (indexed); staff
rows found by Entra object id across a tenant's schools; each person's working school

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows stay as they are: one school per tenant is a trust of one.
    # SQLite copies `schools` to drop the constraint (ids kept): storage.migrate runs this with
    # its foreign-key check off, then checks every reference.
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_schools_tenant_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_schools_tenant_id"), ["tenant_id"], unique=False)
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_aad_object_id"), ["aad_object_id"])
    op.create_table(
        "working_schools",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("aad_object_id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_working_schools_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "aad_object_id", name=op.f("pk_working_schools")),
    )


def downgrade() -> None:
    # Fails while a tenant holds several schools: the unique constraint cannot come back.
    op.drop_table("working_schools")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_aad_object_id"))
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schools_tenant_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_schools_tenant_id"), ["tenant_id"])
