"""Add Incident: open the form, change it (find, link, markers), record it."""

import re
import secrets
from collections.abc import Mapping
from typing import Any

from bot.errors import log_unexpected
from bot.turns import Done, Turn
from cards.elements import Card
from cards.incident_form import FormView, incident_form_card
from cards.incidents import add_privately_card, not_saved_card, open_form_card, recorded_card
from safeguarding.errors import ConfirmGrants, Conflict, InvalidInput, NotAvailable
from safeguarding.incident_form import form_options, ids, linked_ids, marker_count, read_form
from safeguarding.incidents import MAX_LINKED, MAX_MARKERS, MAX_TEXT
from safeguarding.refusals import record_refusal
from safeguarding.search import chosen_students, find_students

# The names the form's inputs and state use; anything else in a payload is not from our card.
FORM_FIELD = re.compile(
    r"(key|linked|markers|new_student|evidence|confirm|op|student|dialog|student_id|pupil_query"
    r"|new_first|new_last|new_year|text|categories|link_query|link_pick|date|time|status"
    r"|assignee|agencies|agency_other|alert_staff|alert_people|alert_groups"
    r"|linked_\d{1,18}_(same|categories|monitoring)|marker_\d{1,2}_(side|region|note))"
)
PUPIL_NOT_AVAILABLE = "That pupil is not available. Choose the pupil again."


async def open_form(turn: Turn, data: Mapping[str, Any]) -> Card:
    """What `add incident [name]` posts: a button, so the form (names, categories) is never kept
    by Teams as a chat message. The name rides along only as the user's own typed words."""
    if turn.conversation_type != "personal":
        return add_privately_card()
    return open_form_card(str(data.get("text") or "")[:100])


async def add(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The empty form; `add incident Sam` looks Sam up at once. Private outside the 1:1 chat."""
    dialog = data.get("dialog") is True
    if turn.conversation_type != "personal" and not dialog:
        return add_privately_card()
    values: dict[str, Any] = {"key": secrets.token_urlsafe(16)}
    if isinstance(data.get("evidence"), dict):  # the message action: its text and its source
        text = str(data.get("prefill") or "")
        values["text"], values["evidence"] = text[:MAX_TEXT], data["evidence"]
        if len(text) > MAX_TEXT:
            notice = f"The message is longer than {MAX_TEXT:,} characters: only the start is here."
            return await _form(turn, values, dialog=dialog, notice=notice)
    query = str(data.get("text") or "")[:100]  # `add incident <name>`
    if not query:
        return await _form(turn, values, dialog=dialog)
    values["pupil_query"] = query
    return await _find(turn, values, dialog=dialog)


async def change(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Re-show the form after a helper button (find a pupil, link one, add a marker)."""
    values, op, dialog = form_values(data), data.get("op"), _in_dialog(data)
    if op == "find":
        return await _find(turn, values, dialog=dialog)
    if op == "find_link":
        return await _find(turn, values, dialog=dialog, linking=True)
    if op in ("new", "existing"):
        values["new_student"] = "true" if op == "new" else ""
    elif op == "link":
        picked = ids(values.get("link_pick"))
        values["linked"] = (linked_ids(values) + picked)[:MAX_LINKED]
    elif op == "unlink":
        values["linked"] = [i for i in linked_ids(values) if i != data.get("student")]
    elif op == "add_marker":
        values["markers"] = min(marker_count(values) + 1, MAX_MARKERS)
    return await _form(turn, values, dialog=dialog)


async def record(turn: Turn, data: Mapping[str, Any]) -> Card | Done:
    """Record the incident, or give the form back with every value and what to fix."""
    values, dialog = form_values(data), _in_dialog(data)
    services, staff = turn.services, turn.who.staff
    try:
        draft = read_form(values, now=services.clock.now(), time_zone=turn.who.school.time_zone)
        done = await services.recording.record(staff, draft, turn.conversation_type)
    except InvalidInput as invalid:
        return await _form(turn, values, dialog=dialog, errors=invalid.errors)
    except ConfirmGrants as asked:
        return await _form(turn, values, dialog=dialog, grants=asked.names, confirm=asked.token)
    except NotAvailable:
        errors = {"student_id": PUPIL_NOT_AVAILABLE}
        return await _form(turn, values, dialog=dialog, errors=errors)
    except Conflict as conflict:  # a parallel send of the same form that did not land
        return not_saved(values, log_unexpected(conflict, "incident key conflict"))
    card = recorded_card(done.incident_id, done.reference, done.alerted, repeated=done.repeated)
    return Done(card, summary=f"Recorded as {done.reference}.")


async def _find(turn: Turn, values: dict[str, Any], *, dialog: bool, linking: bool = False) -> Card:
    field = "link_query" if linking else "pupil_query"
    query = str(values.get(field, ""))[:100]
    matches = await find_students(turn.who.staff, query, uow_factory=turn.services.uow_factory)
    if not matches:
        error = {"linked" if linking else "student_id": "No pupil matches that name."}
        return await _form(turn, values, dialog=dialog, errors=error)
    if linking:
        return await _form(turn, values, dialog=dialog, link_matches=matches)
    if len(matches) == 1:
        values["student_id"] = str(matches[0].student_id)
    return await _form(turn, values, dialog=dialog, matches=matches)


async def _form(turn: Turn, values: dict[str, Any], *, dialog: bool, **shown: Any) -> Card:
    services, staff = turn.services, turn.who.staff
    options = await form_options(staff, uow_factory=services.uow_factory)
    chosen = ids(values.get("student_id")) + linked_ids(values)
    pupils = await chosen_students(staff, chosen, uow_factory=services.uow_factory)
    if not set(chosen) <= pupils.keys():  # a forged or stale id: refused, audited, dropped
        await record_refusal(
            staff,
            "incident.form",
            turn.conversation_type,
            uow_factory=services.uow_factory,
            clock=services.clock,
        )
        values["student_id"] = "".join(str(i) for i in ids(values.get("student_id")) if i in pupils)
        values["linked"] = [i for i in linked_ids(values) if i in pupils]
        shown["errors"] = {**shown.get("errors", {}), "student_id": PUPIL_NOT_AVAILABLE}
    view = FormView(
        options=options,
        values=values,
        now=services.clock.now(),
        time_zone=turn.who.school.time_zone,
        dialog=dialog,
        pupils=pupils,
        hide_names=staff.hides_names_in(turn.conversation_type),
        **shown,
    )
    return incident_form_card(view)


def not_saved(data: Mapping[str, Any], reference: str) -> Card:
    """What a server failure answers: not saved, with the text and every choice kept."""
    values = form_values(data) if isinstance(data, Mapping) else {}
    return not_saved_card(values, reference, dialog=_in_dialog(values))


def form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The form's inputs and state, by name; keys our form does not have are dropped."""
    return {k: v for k, v in data.items() if isinstance(k, str) and FORM_FIELD.fullmatch(k)}


def _in_dialog(data: Mapping[str, Any]) -> bool:
    return data.get("dialog") is True
