"""Working a case: Assign to me, Assign…, Change status and History (one press each).

Each answers in place of the incident card (an invoke response for this user only). A card that
was out of date comes back as the current incident with what happened first; a form with a
mistake comes back with everything typed and a message by each field.
"""

from collections.abc import Mapping
from typing import Any

from bot.handlers.viewing import incident_answer_card
from bot.turns import Turn
from cards.assign_form import assign_form_card
from cards.elements import Card
from cards.history import history_card
from cards.not_saved import not_saved_card
from cards.payloads import Assignee, CaseRef, IncidentRef
from cards.status_form import status_form_card
from cards.verbs import Verb
from safeguarding.casework import AssignForm, History, StatusForm
from safeguarding.outcomes import Done, Invalid
from safeguarding.services.casework import (
    assign_case,
    case_history,
    change_status,
    show_assign_form,
    show_status_form,
)


async def assign(turn: Turn, ref: Assignee) -> Card:
    """Assign to me (no colleague chosen), or to the colleague chosen on Assign…."""
    args = (ref.incident, ref.version, ref.staff, ref.to_me, ref.code)
    pressed = await turn.run(assign_case, *args)
    match pressed.outcome:
        case Invalid(errors=errors, view=AssignForm() as form):
            return assign_form_card(form, error=next(iter(errors.values())))
    return incident_answer_card(turn, pressed, retry=(Verb.CASE_ASSIGN, ref.values))


async def assign_form(turn: Turn, ref: CaseRef) -> Card:
    pressed = await turn.run(show_assign_form, ref.incident, ref.version)
    match pressed.outcome:
        case Done(view=AssignForm() as form):
            return assign_form_card(form)
    return incident_answer_card(turn, pressed)


async def status_form(turn: Turn, ref: CaseRef) -> Card:
    pressed = await turn.run(show_status_form, ref.incident, ref.version)
    match pressed.outcome:
        case Done(view=StatusForm() as form):
            return status_form_card(form)
    return incident_answer_card(turn, pressed)


async def status(turn: Turn, ref: CaseRef) -> Card:
    """Save on Change status: a stale card is told what happened first, whatever it holds."""
    pressed = await turn.run(change_status, ref.incident, ref.version, ref.values, ref.code)
    match pressed.outcome:
        case Invalid(errors=errors, view=StatusForm() as form):
            return status_form_card(form, errors=errors)
    return incident_answer_card(turn, pressed, retry=(Verb.CASE_STATUS, ref.values))


async def history(turn: Turn, ref: IncidentRef) -> Card:
    pressed = await turn.run(case_history, ref.incident)
    match pressed.outcome:
        case Done(view=History() as kept):
            return history_card(kept)
    return incident_answer_card(turn, pressed)


def status_not_saved(data: Mapping[str, Any], reference: str) -> Card:
    """A server failure on Change status: not saved, with the reason typed."""
    values = data if isinstance(data, Mapping) else {}
    return not_saved_card(Verb.CASE_STATUS, values, reference, "reason", "Reason for the decision")
