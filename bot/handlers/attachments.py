"""Files on an incident: open the attach window, and take the files sent in the 1:1 chat."""

from bot.turns import Turn
from cards.elements import Card
from cards.incidents import attach_result_card, attach_window_card
from cards.notice import notice_card
from cards.payloads import IncidentRef
from safeguarding.files import ChatOnly
from safeguarding.services.attachments import attach_files, attach_window, open_attach_window

NO_WINDOW = (
    "Files go on an incident: press Attach files on it, then send them here within 15 "
    "minutes. Nothing was kept."
)
CHAT_ONLY = "Files can only be sent to Kestrel in your 1:1 chat."


async def open_window(turn: Turn, ref: IncidentRef) -> Card:
    """Files sent in the next 15 minutes go on this incident."""
    opened = (await turn.run(open_attach_window, ref.incident)).outcome.view
    if isinstance(opened, ChatOnly):
        return notice_card("Attach files", CHAT_ONLY)
    return attach_window_card(opened)


async def receive(turn: Turn, files: list[tuple[str, str]], pasted: int) -> Card:
    """Download, check and store each file on the open window's incident.

    The documented exception to one press per turn: files are downloaded from Teams between
    two presses, never inside a transaction. The first says whether a window is open (nothing
    is downloaded otherwise); the second decides again and keeps what came."""
    if (await turn.run(attach_window)).outcome.view is None:
        return notice_card("Attach files", NO_WINDOW)
    incoming = [await turn.services.downloader.fetch(name, url) for name, url in files]
    result = (await turn.run(attach_files, incoming)).outcome.view
    if result is None:  # the window closed while the files downloaded
        return notice_card("Attach files", NO_WINDOW)
    return attach_result_card(result, pasted=pasted)
