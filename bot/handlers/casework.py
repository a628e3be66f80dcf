"""Casework buttons: Assign to me, Assign…, Change status, History, Add action.

Each answers in place of the incident card (an invoke response for this user only). A card that
was out of date comes back as the current incident with what happened first; a form with a
mistake comes back with everything typed and a message by each field.
"""

from collections.abc import Mapping
from typing import Any

from bot.handlers.viewing import code_first, elevation_answer, incident_answer
from bot.turns import Turn, chosen_id, record_id
from cards.casework import (
    EditFormView,
    assign_form_card,
    edit_form_card,
    history_card,
    not_saved_card,
    pupil_pick_card,
    status_form_card,
)
from cards.elements import Card
from cards.notice import notice_card
from cards.pupils import pupil_name
from safeguarding.casework import read_status_change
from safeguarding.editing import read_edit
from safeguarding.errors import InvalidInput, NeedsElevation, StaleCase
from safeguarding.incident_form import form_options, ids
from safeguarding.incidents import IncidentFacts
from safeguarding.search import find_students

NOT_AVAILABLE = ("Not available", "That record is not available.")


def _ids(data: Mapping[str, Any], *names: str) -> tuple[int, ...] | None:
    """Record ids and versions from a button's data (ints within the database's range)."""
    found = tuple(record_id(data.get(name)) for name in names)
    return None if None in found else found  # type: ignore[return-value]


async def _work_form(
    turn: Turn, data: Mapping[str, Any], save: str = ""
) -> tuple[IncidentFacts, int] | Card:
    """The case for a casework button, or the card to answer instead: a plain notice for
    malformed data, the elevation prompt, or the current incident when the card was stale.
    A save (`save` is its verb) whose elevation ran out keeps what was typed through the code."""
    found = _ids(data, "incident", "ver")
    if found is None:
        return notice_card(*NOT_AVAILABLE)
    incident, seen = found
    me, casework = turn.who.staff, turn.services.casework
    if save and (wrong := await code_first(turn, data, incident, save)) is not None:
        return wrong
    try:
        facts = await casework.facts_for_work(me, incident, turn.conversation_type)
    except NeedsElevation:
        return await elevation_answer(turn, incident, (save, data) if save else None)
    if facts.version != seen:
        return await incident_answer(
            turn, incident, notice=await casework.what_changed(me, incident)
        )
    return facts, seen


async def assign(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Assign to me (no `staff`), or to the colleague chosen on Assign…."""
    checked = await _work_form(turn, data, "case.assign")
    if not isinstance(checked, tuple):
        return checked
    facts, seen = checked
    me, casework = turn.who.staff, turn.services.casework
    chosen = data.get("staff")
    assignee = me.id if chosen is None else chosen_id(chosen)
    workers = await casework.case_workers(me, facts.id)
    if assignee is None:
        return assign_form_card(facts, workers, error="Choose a colleague from the list.")
    who = (
        "you"
        if assignee == me.id
        else next((s.display_name for s in workers if s.id == assignee), "the colleague chosen")
    )
    if assignee == facts.assignee_id:
        return await incident_answer(turn, facts.id, notice=f"It is already assigned to {who}.")
    try:
        await casework.assign(me, facts.id, assignee, seen, turn.conversation_type)
    except StaleCase as stale:
        return await incident_answer(turn, facts.id, notice=stale.what)
    except InvalidInput as invalid:
        message = next(iter(invalid.errors.values()))
        return assign_form_card(facts, workers, error=message)
    return await incident_answer(turn, facts.id, notice=f"Assigned to {who}.")


async def assign_form(turn: Turn, data: Mapping[str, Any]) -> Card:
    checked = await _work_form(turn, data)
    if not isinstance(checked, tuple):
        return checked
    facts, _ = checked
    workers = await turn.services.casework.case_workers(turn.who.staff, facts.id)
    return assign_form_card(facts, workers)


async def status_form(turn: Turn, data: Mapping[str, Any]) -> Card:
    checked = await _work_form(turn, data)
    return status_form_card(checked[0]) if isinstance(checked, tuple) else checked


async def change_status(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Save on Change status: a stale card is told what happened first, whatever it holds."""
    checked = await _work_form(turn, data, "case.status")
    if not isinstance(checked, tuple):
        return checked
    facts, seen = checked
    try:
        change = read_status_change(dict(data), facts.status)
        await turn.services.casework.change_status(
            turn.who.staff, facts.id, change, seen, turn.conversation_type
        )
    except StaleCase as stale:
        return await incident_answer(turn, facts.id, notice=stale.what)
    except InvalidInput as invalid:
        return status_form_card(facts, values=data, errors=invalid.errors)
    return await incident_answer(turn, facts.id, notice=f"Status changed to {change.status.value}.")


async def history(turn: Turn, data: Mapping[str, Any]) -> Card:
    found = _ids(data, "incident")
    if found is None:
        return notice_card(*NOT_AVAILABLE)
    (incident,) = found
    me, casework = turn.who.staff, turn.services.casework
    try:
        kept = await casework.history(me, incident, turn.conversation_type)
    except NeedsElevation:
        return await elevation_answer(turn, incident)
    hide = me.hides_names_in(turn.conversation_type)
    pupils = {i: pupil_name(s, hide=hide) for i, s in kept.pupils.items()}
    return history_card(kept.facts, kept.events, kept.staff_names, kept.versions, pupils)


async def edit_form(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Edit: the current content, to correct; saving makes a new version."""
    checked = await _work_form(turn, data)
    if not isinstance(checked, tuple):
        return checked
    return await _edit_form(turn, checked[0])


async def edit(turn: Turn, data: Mapping[str, Any]) -> Card:
    checked = await _work_form(turn, data, "incident.edit")
    if not isinstance(checked, tuple):
        return checked
    facts, seen = checked
    services = turn.services
    try:
        content = read_edit(
            data, facts, now=services.clock.now(), time_zone=turn.who.school.time_zone
        )
        await services.editing.edit(turn.who.staff, facts.id, content, seen, turn.conversation_type)
    except StaleCase as stale:
        return await incident_answer(turn, facts.id, notice=stale.what)
    except InvalidInput as invalid:
        return await _edit_form(turn, facts, data, invalid.errors)
    return await incident_answer(turn, facts.id, notice="Saved as a new version.")


async def _edit_form(
    turn: Turn,
    facts: IncidentFacts,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    services, me = turn.services, turn.who.staff
    options = await form_options(me, uow_factory=services.uow_factory)
    hide = me.hides_names_in(turn.conversation_type)
    view = EditFormView(
        facts=facts,
        text=await services.editing.text(me, facts.id, turn.conversation_type),
        categories=options.categories,
        agencies=options.agencies,
        pupil_names={p.student.id: pupil_name(p.student, hide=hide) for p in facts.pupils},
        values=values or {},
        errors=errors or {},
    )
    return edit_form_card(view)


async def move_form(turn: Turn, data: Mapping[str, Any]) -> Card:
    return await _pick_form(turn, data, "move")


async def link_form(turn: Turn, data: Mapping[str, Any]) -> Card:
    return await _pick_form(turn, data, "link")


async def _pick_form(
    turn: Turn,
    data: Mapping[str, Any],
    purpose: str,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """Find the pupil by name (only pupils this member of staff may see are offered)."""
    checked = await _work_form(turn, data)
    if not isinstance(checked, tuple):
        return checked
    facts, _ = checked
    services, me = turn.services, turn.who.staff
    query = str(data.get("pupil_query") or "").strip()[:100]
    on_it = {p.student.id for p in facts.pupils}
    found = await find_students(me, query, uow_factory=services.uow_factory) if query else []
    hide = me.hides_names_in(turn.conversation_type)
    matches = [
        (m.student_id, f"{_initials(m.name) if hide else m.name} (Year {m.year_group})")
        for m in found
        if m.student_id not in on_it
    ]
    options = await form_options(me, uow_factory=services.uow_factory)
    return pupil_pick_card(
        facts,
        purpose,
        query=query,
        matches=matches,
        categories=options.categories,
        values=data,
        errors=errors,
    )


async def move(turn: Turn, data: Mapping[str, Any]) -> Card:
    return await _pick(turn, data, "move")


async def link(turn: Turn, data: Mapping[str, Any]) -> Card:
    return await _pick(turn, data, "link")


async def _pick(turn: Turn, data: Mapping[str, Any], purpose: str) -> Card:
    checked = await _work_form(turn, data, f"incident.{purpose}")
    if not isinstance(checked, tuple):
        return checked
    facts, seen = checked
    student = chosen_id(data.get("student"))
    if student is None:
        return await _pick_form(turn, data, purpose, {"student": "Choose the pupil."})
    editing, me = turn.services.editing, turn.who.staff
    try:
        if purpose == "move":
            await editing.move(me, facts.id, student, seen, turn.conversation_type)
        else:
            categories = frozenset(ids(data.get("categories")))
            await editing.link(me, facts.id, student, categories, seen, turn.conversation_type)
    except StaleCase as stale:
        return await incident_answer(turn, facts.id, notice=stale.what)
    except InvalidInput as invalid:
        return await _pick_form(turn, data, purpose, invalid.errors)
    done = "Moved to the pupil chosen." if purpose == "move" else "Pupil linked."
    return await incident_answer(turn, facts.id, notice=done)


def _initials(name: str) -> str:
    return " ".join(f"{part[:1].upper()}." for part in name.split() if part)


def _keeps(verb: str, text_key: str, label: str):
    """What a server failure answers for this save: not saved, with what was typed."""

    def keep(data: Mapping[str, Any], reference: str) -> Card:
        values = data if isinstance(data, Mapping) else {}
        return not_saved_card(verb, values, reference, text_key, label)

    return keep


status_not_saved = _keeps("case.status", "reason", "Reason for the decision")
edit_not_saved = _keeps("incident.edit", "text", "Incident")
