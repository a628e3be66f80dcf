"""Background workers (the alert sender, the triage poster): run one until a condition holds,
and check the leases their outboxes hold."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from safeguarding.alerts import LEASE


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


async def assert_renewed_then_lost(living, other, clock) -> None:
    """`living` (an outbox holding one lease) keeps it by renewing, long past the first lease,
    while `other` gets nothing; once `living` stops renewing, `other` takes it within a lease and
    `living` never takes it back."""
    for _ in range(5):
        clock.at += LEASE / 2
        assert await living.renew_leases() == 1
        assert await other.claim(10) == []
    clock.at += LEASE + timedelta(seconds=1)  # it died: no more renewals
    assert len(await other.claim(10)) == 1
    assert await living.renew_leases() == 0  # never takes back what another now holds
