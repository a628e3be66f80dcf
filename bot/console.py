"""What every `kestrel` command shares: a refusal in one line, and work run on the database."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import MAINTENANCE, create_engine, redacted
from storage.migrate import schema_status

T = TypeVar("T")


class Refusal(Exception):
    """A reason not to go on, printed as one line."""


def on_database(
    url: str, work: Callable[[AsyncEngine], Awaitable[T]], *, needs_current_schema: bool = True
) -> T:
    """Run `work` on the database; any failure to reach or use it is one line, not a traceback."""

    async def run() -> T:
        engine = create_engine(url, MAINTENANCE)  # a migration may run long: no statement limit
        try:
            if needs_current_schema:
                await require_current_schema(engine)
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except (OSError, SQLAlchemyError) as error:
        raise Refusal(
            f"cannot use the database {redacted(url)} ({type(error).__name__})"
        ) from error
    except ValueError as error:  # an unsupported URL
        raise Refusal(f"DATABASE_URL: {error}") from error


async def require_current_schema(engine: AsyncEngine) -> None:
    """Refuse a database whose schema is behind the code."""
    status = await schema_status(engine)
    if not status.up_to_date:
        raise Refusal(
            f"the database schema is out of date (at {status.current or 'nothing'}, "
            f"Kestrel needs {status.head}): run `kestrel migrate` first"
        )
