"""What a handler gets: who is acting, from which conversation, and the services to call."""

from dataclasses import dataclass

from bot.downloads import Downloader
from bot.links import LinkSigner
from cards.elements import Card
from safeguarding.actions import Actions
from safeguarding.alerts import Outbox
from safeguarding.attachments import Attachments
from safeguarding.casework import Casework
from safeguarding.chronology import Chronologies
from safeguarding.clock import Clock
from safeguarding.editing import Editing
from safeguarding.elevation import Elevation
from safeguarding.exclusions import Exclusions
from safeguarding.identity import Identified, TenantPolicy
from safeguarding.oversight import Oversight
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.recording import Recording


@dataclass(frozen=True)
class Services:
    """Application-wide dependencies, built once by create_app."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    tenant_policy: TenantPolicy
    elevation: Elevation
    exclusions: Exclusions
    recording: Recording
    oversight: Oversight
    outbox: Outbox
    casework: Casework
    actions: Actions
    chronologies: Chronologies
    editing: Editing
    attachments: Attachments
    downloader: Downloader
    links: LinkSigner
    public_url: str  # where Teams clients reach Kestrel (signed links are made absolute with it)


@dataclass(frozen=True)
class Turn:
    """One authorised request: the member of staff behind it and where it came from."""

    who: Identified
    conversation_type: str
    services: Services
    message_id: str = ""  # the card's message a button was pressed on (replyToId), if any


@dataclass(frozen=True)
class Done:
    """A finished form: `card` replaces the form's message, `summary` closes a dialog."""

    card: Card
    summary: str


MAX_ID = 2**31 - 1  # ids are INTEGER columns (int4 on PostgreSQL)


def record_id(value: object) -> int | None:
    """An id or version from a button's data: an int the database can hold (1 to 2**31 - 1);
    anything else is None (the answer is a plain notice, never a database error)."""
    return value if type(value) is int and 0 < value <= MAX_ID else None


def chosen_id(value: object) -> int | None:
    """An id picked in a card's input, or in a signed link's path (both are text)."""
    text = str(value or "")
    return record_id(int(text)) if text.isascii() and text.isdecimal() and len(text) < 12 else None
