"""Work a press leaves for after its answer: replacing a finished form's message for everybody
goes to the Bot Connector (a round trip to Teams, often a tenth of a second or more) once the
person who pressed has their answer, not before it. The app waits for what is left on shutdown.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from bot.errors import log_unexpected

log = logging.getLogger("kestrel.afterwards")


class Afterwards:
    def __init__(self) -> None:
        self._running: set[asyncio.Task] = set()

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` beside the answer; kept until it ends, so it is neither collected nor
        forgotten on shutdown. A failure is logged (with a reference, no details)."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._running.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log_unexpected(task.exception(), f"{task.get_name()} failed after the answer")

    async def settled(self, seconds: float | None = None) -> int:
        """Wait (at most `seconds`) for the work started so far, and what it starts; how many
        were still running when the time was up (they are cancelled)."""
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        while self._running:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                break
            await asyncio.wait(set(self._running), timeout=left)
        late = list(self._running)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
            log.warning("%d follow-ups cancelled on shutdown", len(late))
        return len(late)
