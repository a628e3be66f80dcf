"""keyed audit, folded names: the key id of each audit link; pupils' name tokens made anew

The key id names the audit key (KESTREL_AUDIT_KEYS) whose HMAC-SHA-256 made a link. Links
written before this migration keep a NULL key id (plain SHA-256) until `kestrel audit rekey`
re-links them under the configured key: the key is never in the database, so no migration can.

Name search now folds every Latin letter (Ł, Ø, Đ, Þ, Æ: safeguarding/search.py), so every
pupil's tokens and sort key are made again with the folding the code has now.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from safeguarding.search import name_tokens, sort_key

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    _tokenise_names_again()


def _tokenise_names_again() -> None:
    """Every pupil who has tokens gets them anew, in the same range (a leaver's stays a
    leaver's; a merged pupil, who has none, gets none)."""
    students = sa.table(
        "students",
        sa.column("id", sa.Integer),
        sa.column("school_id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("preferred_name", sa.String),
    )
    tokens = sa.table(
        "student_name_tokens",
        sa.column("student_id", sa.Integer),
        sa.column("token", sa.String),
        sa.column("school_id", sa.Integer),
        sa.column("sort_key", sa.String),
        sa.column("leaver", sa.Boolean),
    )
    connection = op.get_bind()
    leavers = dict(
        connection.execute(sa.select(tokens.c.student_id, tokens.c.leaver).distinct()).all()
    )
    connection.execute(sa.delete(tokens))
    after = 0
    while rows := connection.execute(
        sa.select(students).where(students.c.id > after).order_by(students.c.id).limit(_BATCH)
    ).all():
        values = [
            {
                "student_id": row.id,
                "token": token,
                "school_id": row.school_id,
                "sort_key": sort_key(row.first_name, row.last_name),
                "leaver": leavers[row.id],
            }
            for row in rows
            if row.id in leavers
            for token in name_tokens(row.first_name, row.last_name, row.preferred_name)
        ]
        if values:
            connection.execute(sa.insert(tokens), values)
        after = rows[-1].id


def downgrade() -> None:
    # The tokens stay as folded now: the older code finds every pupil it found before by them,
    # less only names with the letters it never folded.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("key_id")
