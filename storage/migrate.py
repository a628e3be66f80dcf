"""Alembic, driven from code: upgrade to head, and tell whether a database is up to date."""

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """Whether the database is at the newest migration."""
        return self.current == self.head


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration pointing at our migrations (and at a live connection, if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration in the code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to `revision` in one transaction."""
    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it (batch mode); a copy of a table others refer
            # to (schools, 0016) must not be refused half-way. The check is off only while
            # migrating, outside the transaction (where SQLite allows it), then run in full.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            async with connection.begin():
                await connection.run_sync(
                    lambda sync: command.upgrade(alembic_config(sync), revision)
                )
                if sqlite:
                    await _no_broken_references(connection)
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


async def _no_broken_references(connection) -> None:
    broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).first()
    if broken is not None:
        raise RuntimeError(f"a migration broke a reference in table {broken[0]!r}")


async def schema_status(engine: AsyncEngine) -> SchemaStatus:
    """Which migration the database is at, against the newest one in the code."""
    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
    return SchemaStatus(current=current, head=head_revision())
