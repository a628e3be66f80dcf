"""Posts each new concern's stub to the triage channel, and updates it when the case is
assigned or closed. Runs beside the alert sender, within the same sending limits."""

import asyncio
import logging
import random

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot.proactive import GONE, Outcome, reference, renew_leases, status_of, take_back_leases
from bot.rates import SendLimits
from cards.elements import with_school
from cards.triage import triage_stub_card
from safeguarding.alerts import retry_delay
from safeguarding.services.triage_outbox import TriageOutbox
from safeguarding.triage import ChannelPost

log = logging.getLogger("kestrel.triage")


class TriagePoster:
    def __init__(
        self,
        adapter,
        outbox: TriageOutbox,
        app_id: str,
        limits: SendLimits,
        send_timeout: float = 30.0,
    ) -> None:
        self.adapter, self.outbox, self.app_id = adapter, outbox, app_id
        self.limits, self.send_timeout, self.rng = limits, send_timeout, random.Random()

    async def run_once(self, batch: int = 20) -> int:
        """Post what is due, then update the posts whose case changed; how many were handled."""
        posts = await self.outbox.claim(batch)
        for post in posts:
            await self.limits.wait_for(post.address.conversation_id)
            await self._post(post)
        for post in await self.outbox.stale(batch):
            await self.limits.wait_for(post.address.conversation_id)
            await self._update(post)
        return len(posts)  # a failed update waits; it does not keep us busy

    async def run_forever(self, idle_seconds: float = 1.0) -> None:
        """The background loop (started by the app); never dies of one bad post. It first takes
        back the leases of this instance's previous life, and renews its own while it runs."""
        await take_back_leases(self.outbox, "triage")
        renewing = asyncio.create_task(renew_leases(self.outbox, "triage"), name="triage-leases")
        try:
            await self._rounds(idle_seconds)
        finally:
            renewing.cancel()

    async def _rounds(self, idle_seconds: float) -> None:
        while True:
            try:
                handled = await self.run_once()
            except Exception as error:  # noqa: BLE001 - keep posting; the database may be back
                log.error("triage round failed (%s)", type(error).__name__)
                handled = 0
            if not handled:
                await asyncio.sleep(idle_seconds)

    async def _post(self, post: ChannelPost) -> None:
        outcome = Outcome()

        async def callback(context: TurnContext) -> None:
            await outcome.send(context, self._card(post))

        try:
            sending = self.adapter.continue_conversation(
                reference(post.address), callback, self.app_id
            )
            await asyncio.wait_for(sending, self.send_timeout)
            _, message_id = outcome.result()
        except Exception as error:  # noqa: BLE001 - classified: retried unless gone
            status, retry_after = status_of(error)
            why = f"teams answered {status}" if status else type(error).__name__
            log.warning("triage post %s failed (%s)", post.post_id, why)
            if status in GONE:
                await self.outbox.undeliverable(post, why)
            else:
                await self.outbox.retry(
                    post, retry_delay(post.attempts, retry_after, self.rng), why
                )
            return
        await self.outbox.sent(post, message_id)

    async def _update(self, post: ChannelPost) -> None:
        """The stub as the case is now, for everyone (the DSL team's views refresh with it)."""
        update = MessageFactory.attachment(CardFactory.adaptive_card(self._card(post)))
        update.id = post.message_id
        outcome = Outcome()

        async def callback(context: TurnContext) -> None:
            await outcome.update(context, update)

        try:
            sending = self.adapter.continue_conversation(
                reference(post.address), callback, self.app_id
            )
            await asyncio.wait_for(sending, self.send_timeout)
            outcome.result()
        except Exception as error:  # noqa: BLE001 - tried again later unless gone
            status, retry_after = status_of(error)
            log.warning("updating triage post %s failed (%s)", post.post_id, status or "error")
            if status not in GONE:
                delay = retry_delay(post.attempts, retry_after, self.rng)
                await self.outbox.still_stale(post, delay)
            else:
                await self.outbox.updated(post)  # nothing left there to update
            return
        await self.outbox.updated(post)

    @staticmethod
    def _card(post: ChannelPost) -> dict:
        card = triage_stub_card(post.stub, post.time_zone, post.viewers)
        # In a trust, Open names the post's school: it opens there for the trust's DSL.
        return with_school(card, post.school_hint) if post.school_hint is not None else card
