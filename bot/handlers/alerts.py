"""Mark as read on an alert: recorded, audited, and the alert message shows it was read."""

from bot.turns import Done, Turn
from cards.alerts import alert_read_card
from cards.payloads import AlertId
from safeguarding.services.alerts import acknowledge_alert


async def mark_read(turn: Turn, ref: AlertId) -> Done:
    """Only the alert's own colleague may; the read card replaces the alert's own message
    (wherever the button was pressed: the alert, or the incident it opened)."""
    read = (await turn.run(acknowledge_alert, ref.alert)).outcome.view
    card = alert_read_card(read.reference, read.incident_id)
    return Done(card, f"Marked {read.reference} as read.", replaces=read.message_id or "")
