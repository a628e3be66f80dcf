"""Write a new Alembic migration by comparing storage/models.py with a database at head.

Usage: .venv/bin/python scripts/new_migration.py "what changed"
Review the generated file in storage/migrations/versions/ before committing it.
"""

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

from storage.database import create_engine
from storage.migrate import alembic_config, upgrade


async def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'head.db'}")
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.revision(
                    alembic_config(sync), message=message, autogenerate=True
                )
            )
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
