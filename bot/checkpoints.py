"""The serving process's audit checkpoints: the chains' heads, signed, appended to a file
outside the database every few minutes (the file itself: storage/audit_checkpoints.py)."""

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from safeguarding.clock import Clock
from storage.audit_checkpoints import Written, write_checkpoint
from storage.audit_keys import AuditKeys

log = logging.getLogger("kestrel.audit")


class Checkpointer:
    """Writes a checkpoint at start and then every `every`; never dies of one failed round."""

    def __init__(
        self, engine: AsyncEngine, keys: AuditKeys, path: Path, every: timedelta, clock: Clock
    ) -> None:
        self.engine, self.keys, self.path, self.every, self.clock = engine, keys, path, every, clock

    async def run_once(self) -> Written:
        """One checkpoint (skipped when no head moved since the last one)."""
        written = await write_checkpoint(self.engine, self.keys, self.path, self.clock.now())
        for reason in written.left_out:
            log.error("audit checkpoint: %s", reason)
        return written

    async def run_forever(self) -> None:
        """The background loop (started by the app)."""
        while True:
            try:
                await self.run_once()
            except Exception as error:  # noqa: BLE001 - the database or the file may be back
                log.error("audit checkpoint failed (%s)", type(error).__name__)
            await asyncio.sleep(self.every.total_seconds())
