"""An incident's text in full, a page at a time: the incident card shows as much of a long text
as keeps it within Teams' size limit, and "Show the full text" opens the rest here."""

from cards.elements import Card, adaptive_card, execute, heading, text_block, text_pages, text_run
from cards.verbs import Verb
from safeguarding.viewing import IncidentView

PAGE_BYTES = 24_000  # of text on one page, as sent (the card stays under 28 KB)


def incident_text_card(view: IncidentView, page: int) -> Card:
    """One page of what happened, with the way to the next and back to the incident."""
    incident = view.facts.id
    pages = text_pages(view.text, PAGE_BYTES)
    page = min(page, len(pages) - 1)
    body = [
        heading(f"What happened, {view.facts.reference}"),
        text_block(f"Page {page + 1} of {len(pages)}", subtle=True),
        text_run(pages[page]),
    ]
    buttons = [execute(Verb.INCIDENT_SHOW, "Back to the incident", incident=incident)]
    for title, other in (("Previous page", page - 1), ("Next page", page + 1)):
        if 0 <= other < len(pages):
            buttons.append(execute(Verb.INCIDENT_TEXT, title, incident=incident, page=other))
    return adaptive_card(body, buttons)
