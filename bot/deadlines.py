"""Answering in time: work that outlives its deadline is cancelled and left to end on its own."""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")
# Work given up on, still ending (a rollback on a database that answers nothing takes as long
# as its own timeout): held here so it is not collected half-way.
_ending: set[asyncio.Future] = set()


async def within(seconds: float, work: Awaitable[T]) -> T:
    """The work's result, or TimeoutError after `seconds`. Unlike asyncio.wait_for, the work is
    cancelled but not waited for: its cleanup cannot hold the answer up."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if done:
        return task.result()
    task.cancel()
    _ending.add(task)
    task.add_done_callback(_ended)
    raise TimeoutError(f"no answer within {seconds:g} s")


def _ended(task: asyncio.Future) -> None:
    _ending.discard(task)
    if not task.cancelled():
        task.exception()  # seen: an abandoned failure is not "never retrieved"
