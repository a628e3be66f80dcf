"""Corrections: Edit, Move to another pupil and Add linked student, and their forms (one press
each). Like every casework button, they answer in place of the incident card."""

from collections.abc import Mapping
from typing import Any

from bot.handlers.viewing import incident_answer_card
from bot.turns import Turn
from cards.edit_form import edit_form_card
from cards.elements import Card
from cards.not_saved import not_saved_card
from cards.payloads import CaseRef, PupilChoice
from cards.pupil_pick import pupil_pick_card
from cards.verbs import Verb
from safeguarding.editing import EditForm, PupilPick
from safeguarding.outcomes import Done, Invalid
from safeguarding.services.editing import (
    edit_incident,
    link_pupil,
    move_incident,
    show_edit_form,
    show_pupil_pick,
)
from safeguarding.services.press import Pressed


async def edit_form(turn: Turn, ref: CaseRef) -> Card:
    """Edit: the current content, to correct; saving makes a new version."""
    return _answer(turn, await turn.run(show_edit_form, ref.incident, ref.version))


async def edit(turn: Turn, ref: CaseRef) -> Card:
    pressed = await turn.run(edit_incident, ref.incident, ref.version, ref.values, ref.code)
    return _answer(turn, pressed, (Verb.INCIDENT_EDIT, ref.values))


async def move_form(turn: Turn, ref: PupilChoice) -> Card:
    args = (ref.incident, ref.version, "move", ref.query)
    return _answer(turn, await turn.run(show_pupil_pick, *args))


async def link_form(turn: Turn, ref: PupilChoice) -> Card:
    args = (ref.incident, ref.version, "link", ref.query)
    return _answer(turn, await turn.run(show_pupil_pick, *args))


async def move(turn: Turn, ref: PupilChoice) -> Card:
    args = (ref.incident, ref.version, ref.student, ref.query, ref.values, ref.code)
    return _answer(turn, await turn.run(move_incident, *args), (Verb.INCIDENT_MOVE, ref.values))


async def link(turn: Turn, ref: PupilChoice) -> Card:
    args = (ref.incident, ref.version, ref.student, ref.categories, ref.query, ref.values)
    pressed = await turn.run(link_pupil, *args, ref.code)
    return _answer(turn, pressed, (Verb.INCIDENT_LINK, ref.values))


def _answer(
    turn: Turn, pressed: Pressed[Any], retry: tuple[str, Mapping[str, Any]] | None = None
) -> Card:
    """The form (again, with its messages), or the incident (changed, stale, or the code)."""
    match pressed.outcome:
        case Invalid(errors=errors, view=EditForm() as form):
            return edit_form_card(form, errors=errors)
        case Done(view=EditForm() as form):
            return edit_form_card(form)
        case Invalid(errors=errors, view=PupilPick() as pick):
            return pupil_pick_card(pick, errors=errors)
        case Done(view=PupilPick() as pick):
            return pupil_pick_card(pick)
    return incident_answer_card(turn, pressed, retry)


def edit_not_saved(data: Mapping[str, Any], reference: str) -> Card:
    """A server failure on Edit: not saved, with the text typed."""
    values = data if isinstance(data, Mapping) else {}
    return not_saved_card(Verb.INCIDENT_EDIT, values, reference, "text", "Incident")
