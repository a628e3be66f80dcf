"""Alembic environment: migrations always run on a connection handed in by storage.migrate."""

from alembic import context

from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `kestrel migrate` (it passes the connection in).")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
