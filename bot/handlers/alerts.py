"""Mark as read on an alert: recorded, audited, and the alert message shows it was read."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Done, Turn, record_id
from cards.alerts import alert_read_card
from cards.elements import Card
from cards.notice import notice_card


async def mark_read(turn: Turn, data: Mapping[str, Any]) -> Card | Done:
    """Only the alert's own colleague may; the read card replaces the alert message."""
    alert = data.get("alert")
    if record_id(alert) is None:
        return notice_card("Not available", "That record is not available.")
    read = await turn.services.outbox.acknowledge(turn.who.staff, alert, turn.conversation_type)
    card = alert_read_card(read.reference, read.incident_id)
    return Done(card, summary=f"Marked {read.reference} as read.")
