"""The triage channel's posts as the sender works through them (not presses: each step is its
own small transaction, as for alerts; a failed post never undoes the record, and every concern
still heads the DSL team's New concerns).

Leases are the alerts' own: short (LEASE), named by `holder` (KESTREL_INSTANCE), renewed while
the poster lives and taken back when it restarts, so a post or update whose poster died is due
again within seconds."""

from dataclasses import dataclass
from datetime import timedelta

from safeguarding.alerts import LEASE, MAX_ATTEMPTS
from safeguarding.clock import Clock
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.services.trusts import schools_in_trusts, with_hints
from safeguarding.triage import ChannelPost


@dataclass(frozen=True)
class TriageOutbox:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    holder: str = ""  # this poster's name on its leases (KESTREL_INSTANCE)

    async def claim(self, limit: int) -> list[ChannelPost]:
        """Lease up to `limit` posts that are due (rows other senders hold are skipped)."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            found = await uow.triage.claim(now, now + LEASE, limit, self.holder)
            await uow.commit()
            return with_hints(found, await schools_in_trusts(uow)) if found else []

    async def renew_leases(self) -> int:
        """This poster is alive: its leases last another LEASE; how many it holds."""
        async with self.uow_factory() as uow:
            renewed = await uow.triage.renew(self.holder, self.clock.now() + LEASE)
            await uow.commit()
        return renewed

    async def release_leases(self) -> int:
        """Give back every lease this poster's name holds (at start: those of its previous
        life, killed mid-post); how many."""
        async with self.uow_factory() as uow:
            released = await uow.triage.release(self.holder)
            await uow.commit()
        return released

    async def stale(self, limit: int) -> list[ChannelPost]:
        """Posts to update because their case was assigned or closed since (leased, as posts)."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            found = await uow.triage.claim_stale(now, now + LEASE, limit, self.holder)
            await uow.commit()
            return with_hints(found, await schools_in_trusts(uow)) if found else []

    async def sent(self, post: ChannelPost, message_id: str) -> None:
        async with self.uow_factory() as uow:
            await uow.triage.mark_sent(post.post_id, message_id, self.clock.now())
            await uow.commit()

    async def retry(self, post: ChannelPost, after: timedelta, why: str) -> bool:
        """Try again later; after MAX_ATTEMPTS it is undeliverable. True if it will be retried."""
        async with self.uow_factory() as uow:
            if post.attempts + 1 >= MAX_ATTEMPTS:
                await uow.triage.mark_undeliverable(post.post_id, f"gave up: {why}"[:40])
            else:
                await uow.triage.mark_retry(post.post_id, self.clock.now() + after, why[:40])
            await uow.commit()
        return post.attempts + 1 < MAX_ATTEMPTS

    async def undeliverable(self, post: ChannelPost, why: str) -> None:
        """Kestrel cannot post there (removed from the team, the channel gone)."""
        async with self.uow_factory() as uow:
            await uow.triage.mark_undeliverable(post.post_id, why[:40])
            await uow.commit()

    async def updated(self, post: ChannelPost) -> None:
        async with self.uow_factory() as uow:
            await uow.triage.mark_updated(post.post_id)
            await uow.commit()

    async def still_stale(self, post: ChannelPost, after: timedelta) -> None:
        """The update did not go through: again later, unless it has failed MAX_ATTEMPTS times
        (the stub then says what it said; its views still show the case as it is)."""
        if post.attempts + 1 >= MAX_ATTEMPTS:
            await self.updated(post)  # given up: nobody's lease, never taken again
            return
        async with self.uow_factory() as uow:
            await uow.triage.mark_refresh_failed(post.post_id, self.clock.now() + after)
            await uow.commit()
