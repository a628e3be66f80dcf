"""The DSL team's triage channel: a channel where each new concern is posted as a stub.

The DSL types `triage here` in a channel of a team where Kestrel is installed; from then on
every new concern is posted there as a reference, who raised it and when, and whether anyone
works it yet: never a pupil, a category or the text (Teams keeps channel messages, and not
everyone in the channel may see the incident). The stub asks each viewer's client for a view of
their own (refresh, for the DSL team): a member of the DSL team who may see the incident gets it
with Assign to me and Open, anyone else sees only the stub. Assigning or closing updates the
stub for everyone.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from safeguarding.chats import ChatAddress
from safeguarding.incidents import Status, reference

MAX_VIEWERS = 60  # Teams runs a user-specific view for at most 60 users a message


@dataclass(frozen=True)
class TriageStub:
    """What the stored channel message says of a concern: nothing anyone may not know."""

    incident_id: int
    raised_at: datetime
    raised_by: str
    status: Status
    assignee: str = ""
    assigned_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


@dataclass(frozen=True)
class ChannelPost:
    """One concern's post in a triage channel, to send or to update."""

    post_id: int
    address: ChatAddress  # the channel (user_id empty)
    stub: TriageStub
    time_zone: str
    viewers: tuple[str, ...]  # the DSL team's bot-scoped user ids: their views are their own
    attempts: int = 0
    message_id: str = ""  # once sent
    school_id: int = 0
    # Set for a school that shares its tenant (a trust): the post's buttons then name it.
    school_hint: int | None = None


def stub_words(stub: TriageStub, time_zone: str) -> str:
    """ "New concern K-12 raised 10:42 by James Whitfield: not yet assigned"."""
    zone = ZoneInfo(time_zone)
    said = f"New concern {stub.reference} raised {_at(stub.raised_at, zone)} by {stub.raised_by}"
    return f"{said}: {_now(stub, zone)}"


def _now(stub: TriageStub, zone: ZoneInfo) -> str:
    if stub.status == Status.CLOSED:
        return f"closed at {_at(stub.closed_at, zone)}" if stub.closed_at else "closed"
    if not stub.assignee:
        return "not yet assigned"
    at = f" at {_at(stub.assigned_at, zone)}" if stub.assigned_at else ""
    return f"assigned to {stub.assignee}{at}"


def _at(moment: datetime | None, zone: ZoneInfo) -> str:
    """ "10:42 on 6 Dec", in the school's time zone."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local:%H:%M} on {local.day} {local:%b}"
