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
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from bot.rates import SendLimits
from cards.alerts import alert_card
from safeguarding.alerts import Delivery, Outbox, retry_delay

log = logging.getLogger("kestrel.sender")
RETRIED = {412, 429, 500, 502, 503, 504}
GONE = {403, 404}


class AlertSender:
    def __init__(self, adapter, outbox: Outbox, app_id: str, rate: float = 50.0) -> None:
        self.adapter, self.outbox, self.app_id = adapter, outbox, app_id
        self.limits, self.rng = SendLimits(per_second=rate), random.Random()

    async def run_once(self, batch: int = 50) -> int:
        """Escalate what is due, then deliver what is due now; returns how many were handled."""
        await self.outbox.escalate_due()
        deliveries = await self.outbox.claim(batch)
        for delivery in deliveries:
            if delivery.address is not None:
                await self.limits.wait_for(delivery.address.conversation_id)
            await self._deliver(delivery)
        return len(deliveries)

    async def run_forever(self, idle_seconds: float = 2.0) -> None:
        """The background loop (started by the app); never dies of one bad alert."""
        while True:
            try:
                handled = await self.run_once()
            except Exception as error:  # noqa: BLE001 - keep sending; the database may be back
                log.error("sender round failed (%s)", type(error).__name__)
                handled = 0
            if not handled:
                await asyncio.sleep(idle_seconds)

    async def _deliver(self, delivery: Delivery) -> None:
        if delivery.address is None:
            await self.outbox.undeliverable(delivery, "no chat with Kestrel")
            return
        try:
            message_id = await self._send(delivery)
        except Exception as error:  # noqa: BLE001 - classified below, never raised
            await self._failed(delivery, error)
            return
        await self.outbox.sent(delivery, message_id, delivery.address.conversation_id)

    async def _send(self, delivery: Delivery) -> str:
        address = delivery.address
        assert address is not None
        reference = ConversationReference(
            channel_id="msteams",
            service_url=address.service_url,
            conversation=ConversationAccount(
                id=address.conversation_id, tenant_id=address.tenant_id
            ),
            bot=ChannelAccount(id=address.bot_id),
            user=ChannelAccount(id=address.user_id),
        )
        card = alert_card(
            delivery.reference,
            delivery.raised_by,
            delivery.alert_id,
            delivery.incident_id,
            address.user_id,
            reason=delivery.reason,
            concerning=delivery.concerning,
        )
        sent: list[str] = []

        async def callback(context: TurnContext) -> None:
            response = await context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(card))
            )
            sent.append((response and response.id) or "")

        await self.adapter.continue_conversation(reference, callback, self.app_id)
        return sent[0] if sent else ""

    async def _failed(self, delivery: Delivery, error: Exception) -> None:
        status, retry_after = _status(error)
        if status in GONE:
            await self.outbox.undeliverable(delivery, f"teams answered {status}")
            return
        if status is None and not isinstance(error, aiohttp.ClientError | TimeoutError | OSError):
            log.error("alert %s failed (%s)", delivery.alert_id, type(error).__name__)
        why = f"teams answered {status}" if status else type(error).__name__
        delay = retry_delay(delivery.attempts, retry_after, self.rng)
        await self.outbox.retry(delivery, delay, why)


def _status(error: Exception) -> tuple[int | None, float | None]:
    """The HTTP status and Retry-After (seconds) of a Bot Connector error, if it has them."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        retry_after = float(raw) if raw is not None else None
    except ValueError:
        retry_after = None
    return (int(status) if isinstance(status, int) else None), retry_after
