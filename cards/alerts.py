"""The proactive alert: a stub Teams keeps (no pupil, no text, no category), with buttons.

Open answers with the incident only after the server has authorised this colleague; `refresh`
fetches that view for them alone when the chat is opened, so the stored card stays a stub.
"""

from cards.elements import Card, adaptive_card, execute, heading, text_block, text_run
from cards.verbs import Verb
from safeguarding.alerts import alert_says


def alert_card(
    reference: str,
    raised_by: str,
    alert_id: int,
    incident_id: int,
    user_id: str,
    *,
    reason: str = "tagged",
    concerning: str = "",
    about_action: bool = False,
    updated: bool = False,
) -> Card:
    """'New concern raised by <name> (ref K-12)', Open and Mark as read."""
    title, words = alert_says(
        reason, raised_by, reference, concerning=concerning, about_action=about_action
    )
    body = [heading(title), text_run(words)]
    if updated:  # the case changed since this was sent: Open shows where it is now
        body.append(text_block("The case has changed since. Open it for the latest.", subtle=True))
    card = adaptive_card(
        body,
        [
            execute(Verb.INCIDENT_SHOW, "Open", incident=incident_id),
            execute(Verb.ALERT_READ, "Mark as read", alert=alert_id),
        ],
    )
    if user_id:
        card["refresh"] = {
            "action": execute(Verb.INCIDENT_SHOW, "Open", incident=incident_id, alert=alert_id),
            "userIds": [user_id],
        }
    return card


def alert_read_card(reference: str, incident_id: int) -> Card:
    """The alert once read: still a stub, with Open."""
    return adaptive_card(
        [heading("Concern read"), text_block(f"You marked the alert for {reference} as read.")],
        [execute(Verb.INCIDENT_SHOW, "Open", incident=incident_id)],
    )


def alert_copy_card(reference: str, incident_id: int) -> Card:
    """A second message of one alert (sent again after an interruption): it points to the other."""
    words = (
        f"Kestrel sent the alert for {reference} again after an interruption. "
        "Use the other message; this copy needs nothing."
    )
    return adaptive_card(
        [heading("Alert sent twice"), text_block(words)],
        [execute(Verb.INCIDENT_SHOW, "Open", incident=incident_id)],
    )
