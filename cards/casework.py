"""Casework cards: Assign…, Change status, Add action and the case history.

Each is an invoke response in place of the incident card, for a user the server has authorised;
every button carries the incident version the card showed, so a stale card is caught.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cards.elements import (
    Card,
    action_set,
    adaptive_card,
    choice_set,
    execute,
    facts,
    heading,
    text_block,
    text_input,
    text_run,
    warning,
    when_inputs,
)
from safeguarding.casework import MAX_REASON, MOVES, OUTCOMES, CaseEvent
from safeguarding.editing import IncidentVersion
from safeguarding.incidents import MAX_TEXT, IncidentFacts, Status
from safeguarding.school import Category
from safeguarding.staff import StaffMember


def assign_form_card(
    facts_: IncidentFacts, workers: Sequence[StaffMember], *, error: str = "", chosen: str = ""
) -> Card:
    """Assign…: a colleague who works safeguarding cases (none excluded from its pupils)."""
    ids = {str(s.id) for s in workers}
    current = str(facts_.assignee_id) if facts_.assignee_id else ""
    body = [
        heading(f"Assign {facts_.reference}"),
        choice_set(
            "staff",
            "Assign to",
            [(s.display_name, str(s.id)) for s in workers],
            value=chosen if chosen in ids else current if current in ids else "",
            placeholder="Choose a colleague",
        ),
    ]
    if error:
        body.append(warning(error))
    return adaptive_card(
        body,
        [
            execute("case.assign", "Assign", incident=facts_.id, ver=facts_.version),
            execute("incident.show", "Cancel", incident=facts_.id),
        ],
    )


def status_form_card(
    facts_: IncidentFacts,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """Change status: where it may go from here; closing asks for the outcome and the reason."""
    values, errors = values or {}, errors or {}
    moves = MOVES[facts_.status]
    body: list[Card] = [
        heading(f"Change status of {facts_.reference}"),
        text_block(f"The case is {facts_.status.value}."),
        *(
            [warning("Nothing has changed yet: please check the fields marked below.")]
            if errors
            else []
        ),
        choice_set(
            "status",
            "New status",
            [(_move_title(facts_.status, s), s.value) for s in moves],
            value=_choice(values, "status", [m.value for m in moves]) or moves[0].value,
            expanded=True,
        ),
        *_error(errors, "status"),
        choice_set(
            "outcome",
            "Outcome (to close)",
            [(o, o) for o in OUTCOMES],
            value=_choice(values, "outcome", list(OUTCOMES)),
            placeholder="Choose the outcome",
        ),
        *_error(errors, "outcome"),
    ]
    reason = text_input(
        "reason",
        "Reason for the decision (needed to close or reopen)",
        value=_text(values, "reason"),
        max_length=MAX_REASON,
    )
    reason["isMultiline"] = True
    body += [reason, *_error(errors, "reason")]
    return adaptive_card(
        body,
        [
            execute("case.status", "Save", incident=facts_.id, ver=facts_.version),
            execute("incident.show", "Cancel", incident=facts_.id),
        ],
    )


def _move_title(current: Status, to: Status) -> str:
    if current == Status.CLOSED:
        return "Reopen (Active)"
    return {Status.ACTIVE: "Active (being worked)", Status.CLOSED: "Closed"}.get(to, to.value)


def history_card(
    facts_: IncidentFacts,
    events: Sequence[CaseEvent],
    names: Mapping[int, str],
    versions: Sequence[IncidentVersion] = (),
    pupil_names: Mapping[int, str] | None = None,
) -> Card:
    """Who changed what and when, oldest first, with the reasons given and, for each edit of
    the text, the text as it was before."""
    zone, pupils = ZoneInfo(facts_.time_zone), pupil_names or {}
    before = {v.version: v for v in versions}
    body: list[Card] = [heading(f"History of {facts_.reference}")]
    if len(events) > HISTORY_SHOWN:  # Teams refuses cards over 28 KB: the newest changes
        hidden = len(events) - HISTORY_SHOWN
        body.append(
            text_block(
                f"{hidden} earlier changes are in the incident's audit history.", subtle=True
            )
        )
        events = events[-HISTORY_SHOWN:]
    recorded_by = names.get(facts_.recorded_by, "a former colleague")
    body.append(
        facts([(_when(facts_.recorded_at, zone), f"Recorded by {recorded_by} (version 1)")])
    )
    for event in events:
        who = names.get(event.actor_id, "a former colleague")
        what = _what(event, names, pupils)
        body.append(facts([(_when(event.at, zone), f"{what}, by {who} (version {event.version})")]))
        if event.reason:
            reason = event.reason if len(event.reason) <= 1500 else event.reason[:1500] + "…"
            body.append(text_run(f"Reason: {reason}"))
        old = before.get(event.version - 1)
        if event.kind == "edited" and old and "text" in event.detail.get("fields", ()):
            text = old.content.text
            text = text if len(text) <= 1500 else text[:1500] + "…"
            body.append(text_run(f"Text before this change: {text}"))
    if not events:
        body.append(text_block("No changes since it was recorded.", subtle=True))
    return adaptive_card(
        body, [execute("incident.show", "Back to the incident", incident=facts_.id)]
    )


HISTORY_SHOWN = 12


def _what(event: CaseEvent, names: Mapping[int, str], pupils: Mapping[int, str]) -> str:
    if event.kind == "assigned":
        return f"Assigned to {names.get(event.assignee_id or 0, 'a former colleague')}"
    if event.kind == "edited":
        return "Edited: " + ", ".join(event.detail.get("fields", ()))
    if event.kind == "moved":
        moved_from = pupils.get(event.detail.get("from", 0), "another pupil")
        moved_to = pupils.get(event.detail.get("to", 0), "another pupil")
        return f"Moved from {moved_from} to {moved_to}"
    if event.kind == "linked":
        return f"Linked {pupils.get(event.detail.get('student', 0), 'a pupil')}"
    what = f"Status {event.status.value if event.status else ''}"
    return what + (f", outcome: {event.outcome}" if event.outcome else "")


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return value if isinstance(value, str) else ""


def _choice(values: Mapping[str, Any], name: str, allowed: Sequence[str]) -> str:
    """What was chosen, if it is one of the choices (a forged value is not echoed back)."""
    value = _text(values, name)
    return value if value in allowed else ""


def _error(errors: Mapping[str, str], name: str) -> list[Card]:
    message = errors.get(name)
    return [warning(message)] if message else []


@dataclass(frozen=True)
class EditFormView:
    """Edit: the incident's current content (or what was typed), with messages by field."""

    facts: IncidentFacts
    text: str
    categories: Sequence[Category]
    agencies: Sequence[str]
    pupil_names: Mapping[int, str]
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def edit_form_card(view: EditFormView) -> Card:
    """Text, each pupil's categories, when, agencies; saving makes a new version."""
    incident, values, errors = view.facts, view.values, view.errors
    local = incident.happened_at.astimezone(ZoneInfo(incident.time_zone))
    typed = bool(values)
    text = text_input(
        "text",
        "Incident",
        value=_text(values, "text") if typed else view.text,
        max_length=MAX_TEXT,
    )
    text["isMultiline"] = True
    body: list[Card] = [
        heading(f"Edit {incident.reference}"),
        text_block(
            "Saving keeps the current version: the History shows who changed what, and when.",
            subtle=True,
        ),
        *_error(errors, "form"),
        text,
        *_error(errors, "text"),
    ]
    choices = [(c.name, str(c.id)) for c in view.categories]
    for pupil in incident.pupils:
        name = f"categories_{pupil.student.id}"
        current = ",".join(str(c) for c in sorted(pupil.category_ids))
        label = view.pupil_names.get(pupil.student.id, "Pupil")
        label = f"Categories for {label}" + (" (linked)" if pupil.linked else "")
        body.append(
            choice_set(
                name, label, choices, value=_text(values, name) if typed else current, multi=True
            )
        )
        body += _error(errors, name)
    known = list(dict.fromkeys([*view.agencies, *incident.agencies]))
    body += [
        *when_inputs(
            "incident",
            _text(values, "date") or local.date().isoformat(),
            _text(values, "time") or local.strftime("%H:%M"),
            incident.time_zone,
            errors,
        ),
        choice_set(
            "agencies",
            "Agencies involved",
            [(a, a) for a in known],
            value=_text(values, "agencies") if typed else ",".join(incident.agencies),
            multi=True,
        ),
    ]
    return adaptive_card(
        body,
        [
            execute("incident.edit", "Save changes", incident=incident.id, ver=incident.version),
            execute("incident.show", "Cancel", incident=incident.id),
        ],
    )


def pupil_pick_card(
    facts_: IncidentFacts,
    purpose: str,
    *,
    query: str = "",
    matches: Sequence[tuple[int, str]] = (),
    categories: Sequence[Category] = (),
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """Move to another pupil ("move") or Add linked student ("link"): find, choose, confirm."""
    values, errors = values or {}, errors or {}
    title = "Move to another pupil" if purpose == "move" else "Add linked student"
    hint = (
        "The incident, its actions and its history move to the pupil you choose; both pupils' "
        "records show the move in their audit."
        if purpose == "move"
        else "The incident appears on the linked pupil's record too, with their own categories."
    )
    body: list[Card] = [
        heading(f"{title}: {facts_.reference}"),
        text_block(hint, subtle=True),
        text_input("pupil_query", "Pupil's name", value=query, max_length=100),
        action_set(
            execute(f"incident.{purpose}_form", "Find", incident=facts_.id, ver=facts_.version)
        ),
    ]
    if query and not matches:
        body.append(warning("No pupil you may see matches that name."))
    buttons = [execute("incident.show", "Cancel", incident=facts_.id)]
    if matches:
        body.append(
            choice_set(
                "student",
                "Pupil",
                list((name, str(i)) for i, name in matches),
                value=_choice(values, "student", [str(i) for i, _ in matches]),
                expanded=True,
            )
        )
        body += _error(errors, "student")
        if purpose == "link":
            body.append(
                choice_set(
                    "categories",
                    "Their categories",
                    [(c.name, str(c.id)) for c in categories],
                    value=_text(values, "categories"),
                    multi=True,
                )
            )
            body += _error(errors, "categories")
        verb_title = "Move the incident" if purpose == "move" else "Link the pupil"
        buttons.insert(
            0, execute(f"incident.{purpose}", verb_title, incident=facts_.id, ver=facts_.version)
        )
    return adaptive_card(body, buttons)


def not_saved_card(
    verb: str, values: Mapping[str, Any], reference: str, text_key: str, label: str
) -> Card:
    """A save that failed on the server: the text comes back, the rest rides in Try again.
    Built without the database (it may be what failed), so nothing typed is lost."""
    kept = {
        k: v
        for k, v in values.items()
        if k not in (text_key, "v", "code") and isinstance(v, str | int) and len(str(v)) < 5000
    }
    text = text_input(text_key, label, value=_text(values, text_key), max_length=MAX_TEXT)
    text["isMultiline"] = True
    return adaptive_card(
        [
            heading("Not saved"),
            warning(
                "Kestrel could not save this just now, so nothing has changed yet. What you "
                "typed is kept here: press Try again."
            ),
            text_block(f"Reference: {reference}", subtle=True),
            text,
        ],
        [execute(verb, "Try again", **kept)],
    )
