"""Sending one card to a conversation Kestrel already has, outside any turn (alerts, triage
posts, the failed-sync notice): the conversation's reference, what the send did, and how Teams
answered a failure, and keeping a sender's leases. Shared by every proactive sender."""

import asyncio
import logging
from typing import Protocol

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from safeguarding.alerts import RENEW_EVERY
from safeguarding.chats import ChatAddress

log = logging.getLogger("kestrel.leases")

# Teams says the conversation or the member is gone: never retried.
GONE = {403, 404}


class Outcome:
    """What a send inside the adapter's turn did. The adapter's on_turn_error would swallow a
    failure there (a 429 would look like success), so it is kept and raised afterwards."""

    def __init__(self) -> None:
        self.conversation, self.message_id, self.error = "", "", None

    async def send(self, context: TurnContext, card: dict) -> None:
        try:
            response = await context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(card))
            )
        except Exception as error:  # noqa: BLE001 - raised again by result()
            self.error = error
            return
        self.conversation = context.activity.conversation.id
        self.message_id = (response and response.id) or ""

    async def update(self, context: TurnContext, activity) -> None:
        try:
            await context.update_activity(activity)
        except Exception as error:  # noqa: BLE001 - raised again by result()
            self.error = error
            return
        self.conversation = context.activity.conversation.id

    def result(self) -> tuple[str, str]:
        if self.error is not None:
            raise self.error
        if not self.conversation:
            raise ConnectionError("the send did not run")
        return self.conversation, self.message_id


def reference(address: ChatAddress) -> ConversationReference:
    return ConversationReference(
        channel_id="msteams",
        service_url=address.service_url,
        conversation=ConversationAccount(id=address.conversation_id, tenant_id=address.tenant_id),
        bot=ChannelAccount(id=address.bot_id),
        user=ChannelAccount(id=address.user_id),
    )


def status_of(error: Exception) -> tuple[int | None, float | None]:
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


class Leasing(Protocol):
    async def renew_leases(self) -> int: ...
    async def release_leases(self) -> int: ...


async def take_back_leases(outbox: Leasing, what: str) -> None:
    """At a sender's start: the leases of this instance's previous life (killed mid-send, say)
    are due again at once."""
    try:
        if released := await outbox.release_leases():
            log.info("took back %d %s leases held before a restart", released, what)
    except Exception as error:  # noqa: BLE001 - they expire on their own anyway
        log.warning("could not take back earlier %s leases (%s)", what, type(error).__name__)


async def renew_leases(outbox: Leasing, what: str) -> None:
    """While a sender lives, its leases do not run out (they are short: a sender that dies
    leaves them to others within seconds). Run as a task beside it."""
    while True:
        await asyncio.sleep(RENEW_EVERY.total_seconds())
        try:
            await outbox.renew_leases()
        except Exception as error:  # noqa: BLE001 - tried again next time
            log.warning("could not renew %s leases (%s)", what, type(error).__name__)
