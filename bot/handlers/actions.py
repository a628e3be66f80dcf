"""Add action and All actions: each answers in place of the incident card, for this user only."""

from collections.abc import Mapping
from typing import Any

from bot.handlers.viewing import incident_answer_card
from bot.turns import Turn
from cards.action_form import action_form_card, actions_card
from cards.elements import Card
from cards.not_saved import not_saved_card
from cards.payloads import ActionsPage, IncidentRef
from cards.verbs import Verb
from safeguarding.errors import Conflict
from safeguarding.outcomes import Confirm, Done, Invalid
from safeguarding.services.actions import action_form, add_action, add_again, list_actions


async def open_action_form(turn: Turn, ref: IncidentRef) -> Card:
    """Add action: a fresh form (its key makes a second Save harmless)."""
    pressed = await turn.run(action_form, ref.incident)
    if isinstance(pressed.outcome, Done):
        return action_form_card(pressed.outcome.view)
    return incident_answer_card(turn, pressed)  # the code prompt


async def add(turn: Turn, ref: IncidentRef) -> Card:
    """Save action: the incident with what happened, or the form again with what to fix."""
    try:
        pressed = await turn.run(add_action, ref.incident, ref.values, ref.code)
    except Conflict:  # a parallel send stored the key first: see add_again (a second press)
        pressed = await turn.run(add_again, ref.incident, ref.values)
    match pressed.outcome:
        case Invalid(view=form) | Confirm(view=form):
            return action_form_card(form)
    return incident_answer_card(turn, pressed, retry=(Verb.ACTION_ADD, ref.values))


async def list_all(turn: Turn, page: ActionsPage) -> Card:
    """Every action in full (the incident card shortens them), a page at a time."""
    pressed = await turn.run(list_actions, page.incident, page.offset)
    if isinstance(pressed.outcome, Done):
        return actions_card(pressed.outcome.view, page.part)
    return incident_answer_card(turn, pressed)


def not_saved(data: Mapping[str, Any], reference: str) -> Card:
    """What a server failure answers for Save action: not saved, with what was typed."""
    values = data if isinstance(data, Mapping) else {}
    return not_saved_card(Verb.ACTION_ADD, values, reference, "text", "Action taken")
