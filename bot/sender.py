"""The alert sender: leases due alerts from the outbox and delivers each as a 1:1 message.

Retries 429, 412, 5xx, timeouts and dropped connections with backoff (honouring Retry-After);
an alert for someone without a chat, or whom Teams says is gone (403/404), is undeliverable.
Sends wait for Teams' per-app and per-conversation limits (bot/rates.py).
"""

import asyncio
import logging
import random

import aiohttp
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (
    ChannelAccount,
    ConversationParameters,
)

from bot.proactive import GONE, Outcome, reference, renew_leases, status_of, take_back_leases
from bot.rates import MemorySendLog, SendLimits
from cards.alerts import alert_card, alert_read_card
from cards.elements import with_school
from safeguarding.alerts import Delivery, retry_delay
from safeguarding.chats import ChatAddress
from safeguarding.services.outbox import Outbox

log = logging.getLogger("kestrel.sender")
RETRIED = {412, 429, 500, 502, 503, 504}
# Sends in flight at once: one at a time a process cannot reach Teams' per-app rate (each send
# is a round trip to the Bot Connector and two to the database); the limits still hold.
SENDING_AT_ONCE = 4


class AlertSender:
    def __init__(
        self,
        adapter,
        outbox: Outbox,
        app_id: str,
        limits: SendLimits | None = None,
        send_timeout: float = 10.0,
    ) -> None:
        self.adapter, self.outbox, self.app_id = adapter, outbox, app_id
        self.send_timeout = send_timeout  # a Bot Connector that hangs must not stall the rest
        self.limits = limits or SendLimits(MemorySendLog())
        self.rng = random.Random()

    async def run_once(self, batch: int = 50) -> int:
        """Escalate what is due, deliver what is due now, then refresh the alert messages of
        cases that changed; returns how many were handled."""
        await self.outbox.escalate_due()
        deliveries = await self.outbox.claim(batch)
        gate = asyncio.Semaphore(SENDING_AT_ONCE)

        async def deliver(delivery: Delivery) -> None:
            async with gate:
                if delivery.address is not None:
                    await self.limits.wait_for(delivery.address.conversation_id)
                await self._deliver(delivery)

        outcomes = await asyncio.gather(*map(deliver, deliveries), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome  # (the others have finished: nothing left running unseen)
        refreshed = 0
        for delivery, message_id, read in await self.outbox.stale_messages(batch):
            refreshed += await self._refresh(delivery, message_id, read)
        return len(deliveries) + refreshed  # a failed refresh waits; it does not keep us busy

    async def _refresh(self, delivery: Delivery, message_id: str, read: bool) -> bool:
        """Replace a sent alert with a fresh stub (Teams then re-renders it, and the refresh
        fetches the current case for its colleague): nobody acts on a stale card."""
        address = delivery.address
        if address is None:
            return False  # no chat any more (uninstalled): nothing to update
        await self.limits.wait_for(address.conversation_id)
        card = alert_read_card(delivery.reference, delivery.incident_id) if read else None
        card = _naming_school(delivery, card) if card else None
        card = card or self._card(delivery, address.user_id, updated=True)
        update = MessageFactory.attachment(CardFactory.adaptive_card(card))
        update.id = message_id
        outcome = Outcome()

        async def callback(context: TurnContext) -> None:
            await outcome.update(context, update)

        try:
            await asyncio.wait_for(
                self.adapter.continue_conversation(reference(address), callback, self.app_id),
                self.send_timeout,
            )
            outcome.result()
        except Exception as error:  # noqa: BLE001 - classified: retried later unless gone
            status, retry_after = status_of(error)
            why = status or type(error).__name__
            log.warning("refreshing alert %s failed (%s)", delivery.alert_id, why)
            if status not in GONE:
                delay = retry_delay(delivery.attempts, retry_after, self.rng)
                await self.outbox.still_stale(delivery, delay)
            return False
        return True

    async def run_forever(self, idle_seconds: float = 1.0) -> None:
        """The background loop (started by the app); never dies of one bad alert. It first
        takes back the leases of this instance's previous life (killed mid-fan-out, say), and
        renews its own while it runs. Each busy spell ends with a count in the log (numbers
        only: no names, no references)."""
        await take_back_leases(self.outbox, "alert")
        renewing = asyncio.create_task(renew_leases(self.outbox, "alert"), name="alert-leases")
        try:
            await self._rounds(idle_seconds)
        finally:
            renewing.cancel()

    async def _rounds(self, idle_seconds: float) -> None:
        spell = 0
        while True:
            try:
                handled = await self.run_once()
            except Exception as error:  # noqa: BLE001 - keep sending; the database may be back
                log.error("sender round failed (%s)", type(error).__name__)
                handled = 0
            spell += handled
            if not handled:
                if spell:
                    log.info("sender handled %d alerts", spell)
                    spell = 0
                await asyncio.sleep(idle_seconds)

    async def _deliver(self, delivery: Delivery) -> None:
        if delivery.address is None and not (delivery.aad_object_id and delivery.school_chat):
            await self.outbox.undeliverable(delivery, "no chat with Kestrel")
            return
        started = delivery.address
        try:
            if started is None:
                sending = self._start_chat(delivery)
                message_id, started = await asyncio.wait_for(sending, self.send_timeout)
            else:
                message_id = await asyncio.wait_for(self._send(delivery), self.send_timeout)
        except Exception as error:  # noqa: BLE001 - classified below, never raised
            await self._failed(delivery, error)
            return
        # Outside the try: a failure to record it must not be mistaken for a failed send.
        new_chat = started if delivery.address is None else None
        await self.outbox.sent(delivery, message_id, started.conversation_id, new_chat)

    async def _start_chat(self, delivery: Delivery) -> tuple[str, ChatAddress]:
        """A 1:1 chat with a colleague Kestrel has not talked to (its app installed for them)."""
        school = delivery.school_chat
        assert school is not None
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=school.bot_id),
            members=[ChannelAccount(id=delivery.aad_object_id)],
            tenant_id=school.tenant_id,
            # botbuilder serialises tenant_id as `tenantID`; Teams reads channelData.tenant.id.
            channel_data={"tenant": {"id": school.tenant_id}},
        )
        outcome = Outcome()

        async def callback(context: TurnContext) -> None:
            await outcome.send(context, self._card(delivery, ""))

        await self.adapter.create_conversation(
            self.app_id, callback, parameters, "msteams", school.service_url, None
        )
        conversation, message_id = outcome.result()
        started = ChatAddress(conversation, school.service_url, school.tenant_id, school.bot_id, "")
        return message_id, started

    async def _send(self, delivery: Delivery) -> str:
        address = delivery.address
        assert address is not None
        outcome = Outcome()

        async def callback(context: TurnContext) -> None:
            await outcome.send(context, self._card(delivery, address.user_id))

        await self.adapter.continue_conversation(reference(address), callback, self.app_id)
        return outcome.result()[1]

    @staticmethod
    def _card(delivery: Delivery, user_id: str, *, updated: bool = False) -> dict:
        return _naming_school(delivery, _alert_card(delivery, user_id, updated))

    async def _failed(self, delivery: Delivery, error: Exception) -> None:
        status, retry_after = status_of(error)
        if status in GONE:
            await self.outbox.undeliverable(delivery, f"teams answered {status}")
            return
        if status is None and not isinstance(error, aiohttp.ClientError | TimeoutError | OSError):
            log.error("alert %s failed (%s)", delivery.alert_id, type(error).__name__)
        why = f"teams answered {status}" if status else type(error).__name__
        delay = retry_delay(delivery.attempts, retry_after, self.rng)
        await self.outbox.retry(delivery, delay, why)


def _naming_school(delivery: Delivery, card: dict) -> dict:
    """In a trust, the alert's buttons name its school: it opens there, whichever school its
    colleague works in."""
    hint = delivery.school_hint
    return with_school(card, hint) if hint is not None else card


def _alert_card(delivery: Delivery, user_id: str, updated: bool) -> dict:
    return alert_card(
        delivery.reference,
        delivery.raised_by,
        delivery.alert_id,
        delivery.incident_id,
        user_id,
        reason=delivery.reason,
        concerning=delivery.concerning,
        about_action=delivery.action_id is not None,
        updated=updated,
    )
