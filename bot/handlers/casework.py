"""Add action and All actions (Assign…, Change status and History: bot/handlers/assignment.py;
Edit, Move and Add linked student: bot/handlers/corrections.py).

Each answers in place of the incident card (an invoke response for this user only); a form with
a mistake comes back with everything typed and a message by each field.
"""

import secrets
from collections.abc import Mapping
from typing import Any

from bot.handlers.viewing import code_first, elevation_answer, incident_answer
from bot.turns import Turn, record_id
from cards.casework import (
    ActionFormView,
    action_form_card,
    actions_card,
    not_saved_card,
)
from cards.elements import Card
from cards.notice import notice_card
from safeguarding.actions import read_action_form
from safeguarding.errors import ConfirmGrants, InvalidInput, NeedsElevation
from safeguarding.incident_form import form_options

NOT_AVAILABLE = ("Not available", "That record is not available.")


def _ids(data: Mapping[str, Any], *names: str) -> tuple[int, ...] | None:
    """Record ids and versions from a button's data (ints within the database's range)."""
    found = tuple(record_id(data.get(name)) for name in names)
    return None if None in found else found  # type: ignore[return-value]


async def open_action_form(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Add action: a fresh form (its key makes a second Save harmless)."""
    found = _ids(data, "incident")
    if found is None:
        return notice_card(*NOT_AVAILABLE)
    (incident,) = found
    try:
        return await _action_form(turn, incident, {"key": secrets.token_urlsafe(12)})
    except NeedsElevation:
        return await elevation_answer(turn, incident)


async def add_action(turn: Turn, data: Mapping[str, Any]) -> Card:
    found = _ids(data, "incident")
    if found is None:
        return notice_card(*NOT_AVAILABLE)
    (incident,) = found
    services, me = turn.services, turn.who.staff
    if (wrong := await code_first(turn, data, incident, "action.add")) is not None:
        return wrong
    try:
        zone = turn.who.school.time_zone
        draft = read_action_form(data, now=services.clock.now(), time_zone=zone)
        added = await services.actions.add(me, incident, draft, turn.conversation_type)
    except NeedsElevation:
        return await elevation_answer(turn, incident, ("action.add", data))
    except InvalidInput as invalid:
        return await _action_form(turn, incident, data, errors=invalid.errors)
    except ConfirmGrants as confirm:
        return await _action_form(turn, incident, data, grants=confirm.names, confirm=confirm.token)
    if added.repeated:
        return await incident_answer(turn, incident, notice="This action was saved already.")
    alerted = ""
    if added.alerted:
        alerted = (
            " 1 colleague will be alerted."
            if added.alerted == 1
            else (f" {added.alerted} colleagues will be alerted.")
        )
    files = " Files you send me in the next 15 minutes go with it."
    return await incident_answer(turn, incident, notice=f"Action added.{alerted}{files}")


async def _action_form(
    turn: Turn,
    incident: int,
    values: Mapping[str, Any],
    *,
    errors: Mapping[str, str] | None = None,
    grants: tuple[str, ...] = (),
    confirm: str = "",
) -> Card:
    services, me = turn.services, turn.who.staff
    facts = await services.actions.facts_for_action(me, incident, turn.conversation_type)
    options = await form_options(me, uow_factory=services.uow_factory)
    view = ActionFormView(
        facts=facts,
        now=services.clock.now(),
        categories=options.categories,
        colleagues=options.colleagues,
        alert_groups=options.alert_groups,
        agencies=options.agencies,
        planners=sorted((me, *options.colleagues), key=lambda s: s.display_name),
        values=values,
        errors=errors or {},
        grants=grants,
        confirm=confirm,
    )
    return action_form_card(view)


def _keeps(verb: str, text_key: str, label: str):
    """What a server failure answers for this save: not saved, with what was typed."""

    def keep(data: Mapping[str, Any], reference: str) -> Card:
        values = data if isinstance(data, Mapping) else {}
        return not_saved_card(verb, values, reference, text_key, label)

    return keep


action_not_saved = _keeps("action.add", "text", "Action taken")


async def list_actions(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Every action in full (the incident card shortens them), a page at a time."""
    found = _ids(data, "incident")
    if found is None:
        return notice_card(*NOT_AVAILABLE)
    (incident,) = found
    offset = data.get("offset") if type(data.get("offset")) is int else 0
    services = turn.services
    try:
        facts, actions, names, categories = await services.actions.actions_of(
            turn.who.staff, incident, turn.conversation_type
        )
    except NeedsElevation:
        return await elevation_answer(turn, incident)
    start = max(0, min(offset, max(0, len(actions) - 1)))
    return actions_card(facts, actions, names, categories, start)
