"""Alerts: what one alert is (to send, unread, read) and what it says, as pure values.

Delivery is at least once (see safeguarding/outbox.py); what an alert says carries no pupil
and no text: who raised it, the reference, and why this colleague is told.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from safeguarding.chats import ChatAddress
from safeguarding.incidents import reference

MAX_ATTEMPTS = 8
# A sender's hold on the alerts it is sending: short, and renewed every RENEW_EVERY while it
# lives, so the alerts of a sender that died are due again within LEASE (plus a round).
LEASE = timedelta(seconds=8)
RENEW_EVERY = timedelta(seconds=2)
FIRST_RETRY = timedelta(seconds=2)
LONGEST_RETRY = timedelta(minutes=10)


@dataclass(frozen=True)
class Delivery:
    """One alert to send: to whom, where, about which incident, raised by whom."""

    alert_id: int
    incident_id: int
    staff_id: int
    raised_by: str
    address: ChatAddress | None
    attempts: int
    # tagged, group, escalation (urgent, unread), not_reached, assigned, reminder (planner)
    reason: str = "tagged"
    concerning: str = ""  # not_reached: who could not be reached
    # No chat yet: Kestrel starts one (Teams allows it where the app is installed for them),
    # with their Entra id and the school's Teams service (from any colleague's chat).
    aad_object_id: str = ""
    school_chat: ChatAddress | None = None
    action_id: int | None = None  # about an action on the incident
    school_id: int = 0  # the incident's school
    # Set for a school that shares its tenant (a trust): the alert's buttons then name it.
    school_hint: int | None = None

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


@dataclass(frozen=True)
class ReadAlert:
    incident_id: int
    message_id: str | None

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


def alert_says(
    reason: str, raised_by: str, ref: str, *, concerning: str = "", about_action: bool = False
) -> tuple[str, str]:
    """The alert's title and sentence: who raised it, the reference and why, never a pupil."""
    if reason == "escalation":
        return (
            "Escalation: urgent concern not yet read",
            f"Urgent concern raised by {raised_by} (ref {ref}): nobody has read it yet.",
        )
    if reason == "not_reached":
        who = concerning or "a colleague"
        return "An alert did not arrive", f"Kestrel could not reach {who} about {ref}."
    if reason == "assigned":
        return "Case assigned to you", f"{raised_by} assigned {ref} to you."
    if reason == "reminder":
        return (
            "Planner reminder",
            f"A reminder from {raised_by}: an action on {ref} is planned for today.",
        )
    if about_action:
        return "New action", f"New action on {ref} by {raised_by}."
    return "New concern", f"New concern raised by {raised_by} (ref {ref})"


def retry_delay(attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
    """The server's Retry-After when it gives one (plus a little jitter, so a crowd of retries
    does not arrive together); otherwise exponential backoff with full jitter."""
    if retry_after is not None:
        wait = min(max(retry_after, 0.0), LONGEST_RETRY.total_seconds())
        return timedelta(seconds=wait + rng.uniform(0.0, 0.5))
    ceiling = min(FIRST_RETRY * 2**attempts, LONGEST_RETRY)
    return timedelta(seconds=rng.uniform(FIRST_RETRY.total_seconds(), ceiling.total_seconds()))
