"""Add Incident: open the form, change it (find, link, markers), record it."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Done, Turn
from cards.elements import Card
from cards.incident_form import incident_form_card, posted_form_card
from cards.incidents import add_privately_card, not_saved_card, open_form_card, recorded_card
from cards.payloads import FormData, NewForm, form_values
from safeguarding.errors import Conflict
from safeguarding.incident_form import IncidentForm, OpensPrivately
from safeguarding.services.incident_form import (
    change_form,
    new_form,
    offer_form,
    record_again,
    record_incident,
)
from safeguarding.services.recording import Recorded


async def open_form(turn: Turn, form: NewForm) -> Card:
    """What `add incident [name]` posts: the empty form (restricted categories withheld: Teams
    keeps it), refreshed with them all for its user; with a name typed, a button (the name is
    held by Kestrel behind a token, never kept by Teams)."""
    view = (await turn.run(offer_form, form)).outcome.view
    if isinstance(view, OpensPrivately):
        return add_privately_card()
    if isinstance(view, IncidentForm):
        chat = turn.request.chat
        return posted_form_card(view, chat.user_id if chat is not None else "")
    return open_form_card(view)


async def add(turn: Turn, form: NewForm) -> Card:
    """The empty form; `add incident Sam` looks Sam up at once. Private outside the 1:1 chat."""
    return _form_card((await turn.run(new_form, form)).outcome.view)


async def change(turn: Turn, form: FormData) -> Card:
    """Re-show the form after a helper button (find a pupil, link one, add a marker)."""
    return _form_card((await turn.run(change_form, form)).outcome.view)


async def record(turn: Turn, form: FormData) -> Card | Done:
    """Record the incident, or give the form back with every value and what to fix."""
    try:
        outcome = (await turn.run(record_incident, form)).outcome
    except Conflict:  # a parallel send stored the key first: see record_again (a second press)
        outcome = (await turn.run(record_again, form)).outcome
    if not isinstance(outcome.view, Recorded):  # Invalid or Confirm: the form, as typed
        return _form_card(outcome.view)
    done = outcome.view
    card = recorded_card(done.incident_id, done.reference, done.alerted, repeated=done.repeated)
    return Done(card, summary=f"Recorded as {done.reference}.")


def _form_card(view: IncidentForm | OpensPrivately) -> Card:
    return add_privately_card() if isinstance(view, OpensPrivately) else incident_form_card(view)


def not_saved(data: Mapping[str, Any], reference: str) -> Card:
    """What a server failure answers: not saved, with the text and every choice kept."""
    values = form_values(data) if isinstance(data, Mapping) else {}
    return not_saved_card(values, reference, dialog=values.get("dialog") is True)
