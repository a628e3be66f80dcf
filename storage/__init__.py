"""Persistence: SQLAlchemy models, Alembic migrations, the unit of work behind the ports."""
