"""Files on an incident: open the attach window, and take the files sent in the 1:1 chat."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Turn, record_id
from cards.elements import Card
from cards.incidents import attach_result_card, attach_window_card
from cards.notice import notice_card

NO_WINDOW = (
    "Files go on an incident: press Attach files on it, then send them here within 15 "
    "minutes. Nothing was kept."
)


async def open_window(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Files sent in the next 15 minutes go on this incident."""
    incident = data.get("incident")
    if record_id(incident) is None:
        return notice_card("Attach files", "That incident could not be read.")
    if turn.conversation_type != "personal":
        return notice_card("Attach files", "Files can only be sent to Kestrel in your 1:1 chat.")
    services = turn.services
    reference = await services.attachments.open_window(
        turn.who.staff, incident, turn.conversation_type
    )
    return attach_window_card(reference)


async def receive(turn: Turn, files: list[tuple[str, str]], pasted: int) -> Card:
    """Download, check and store each file on the open window's incident."""
    services, staff = turn.services, turn.who.staff
    if turn.conversation_type != "personal" or await services.attachments.window(staff) is None:
        return notice_card("Attach files", NO_WINDOW)
    incoming = [await services.downloader.fetch(name, url) for name, url in files]
    result = await services.attachments.attach(staff, incoming, turn.conversation_type)
    if result is None:  # the window closed while the files downloaded
        return notice_card("Attach files", NO_WINDOW)
    return attach_result_card(result, pasted=pasted)
