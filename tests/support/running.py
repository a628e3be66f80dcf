"""A background worker (the alert sender, the triage poster) run until a condition holds."""

import asyncio
from collections.abc import Awaitable, Callable


async def run_until(
    worker, done: Callable[[], Awaitable[bool]], idle_seconds: float = 0.05, tries: int = 200
) -> None:
    """Run `worker.run_forever(idle_seconds)` until `await done()` is true, checking every
    `idle_seconds` at most `tries` times, then stop it (the caller asserts the outcome)."""
    task = asyncio.create_task(worker.run_forever(idle_seconds=idle_seconds))
    try:
        for _ in range(tries):
            if await done():
                break
            await asyncio.sleep(idle_seconds)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
