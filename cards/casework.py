"""Action cards: Add action, All actions, and Not saved (a save that failed, shared by every form
that keeps what was typed). Assign…, Change status, History, Edit and the pupil pick have their
own modules (cards/assign_form.py, status_form.py, history.py, edit_form.py, pupil_pick.py).

Each is an invoke response in place of the incident card, for a user the server has authorised.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cards.elements import (
    Card,
    adaptive_card,
    choice_set,
    execute,
    heading,
    text_block,
    text_input,
    text_run,
    warning,
    when_inputs,
)
from safeguarding.actions import ActionEntry
from safeguarding.incidents import MAX_TEXT, IncidentFacts
from safeguarding.school import AlertGroup, Category
from safeguarding.staff import StaffMember


@dataclass(frozen=True)
class ActionFormView:
    """The Add action form: options, the user's values and the server's messages."""

    facts: IncidentFacts
    now: datetime
    categories: Sequence[Category]
    colleagues: Sequence[StaffMember]
    alert_groups: Sequence[AlertGroup]
    agencies: Sequence[str]
    planners: Sequence[StaffMember] = ()  # who may be reminded (oneself too)
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    grants: Sequence[str] = ()
    confirm: str = ""


def action_form_card(view: ActionFormView) -> Card:
    """Action taken, categories, Add to planner, agency, when, and who to alert."""
    incident, values, errors = view.facts, view.values, view.errors
    local = view.now.astimezone(ZoneInfo(incident.time_zone))
    text = text_input("text", "Action taken", value=_text(values, "text"), max_length=MAX_TEXT)
    text["isMultiline"] = True
    people = [(s.display_name, str(s.id)) for s in view.colleagues]
    body: list[Card] = [heading(f"Add action to {incident.reference}"), *_error(errors, "form")]
    if errors and "form" not in errors:
        body.append(warning("Nothing is saved yet: please check the fields marked below."))
    body += [text, *_error(errors, "text")]
    body += [
        choice_set(
            "categories",
            "Categories",
            [(c.name, str(c.id)) for c in view.categories],
            value=_text(values, "categories"),
            multi=True,
        ),
        *_error(errors, "categories"),
        text_block("**Add to planner** (optional): who is reminded in chat, and on which day"),
        {
            "type": "Input.Date",
            "id": "planner_date",
            "label": "Planner date",
            "value": _text(values, "planner_date"),
        },
        *_error(errors, "planner_date"),
        choice_set(
            "planner_staff",
            "Remind",
            [(s.display_name, str(s.id)) for s in view.planners],
            value=_text(values, "planner_staff"),
            placeholder="Choose a colleague",
        ),
        *_error(errors, "planner_staff"),
        choice_set(
            "agency",
            "Agency involved",
            [(a, a) for a in view.agencies],
            value=_text(values, "agency"),
            placeholder="None",
        ),
        *when_inputs(
            "action",
            _text(values, "date") or local.date().isoformat(),
            _text(values, "time") or local.strftime("%H:%M"),
            incident.time_zone,
            errors,
        ),
        choice_set(
            "alert_staff",
            "Alert staff members",
            people,
            value=_text(values, "alert_staff"),
            multi=True,
        ),
        *_error(errors, "alert_staff"),
        choice_set(
            "alert_groups",
            "Alert groups",
            [(g.name, str(g.id)) for g in view.alert_groups],
            value=_text(values, "alert_groups"),
            multi=True,
        ),
        *_error(errors, "alert_groups"),
    ]
    if view.grants:
        body.append(
            warning(
                f"Alerting {', '.join(view.grants)} lets them see this incident, which they "
                "cannot see otherwise. Kestrel records that access and the DSL can withdraw it. "
                "Press Save action again to go ahead, or change who is alerted."
            )
        )
    key = _text(values, "key")
    return adaptive_card(
        body,
        [
            execute(
                "action.add", "Save action", incident=incident.id, key=key, confirm=view.confirm
            ),
            execute("incident.show", "Cancel", incident=incident.id),
        ],
    )


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return value if isinstance(value, str) else ""


def _error(errors: Mapping[str, str], name: str) -> list[Card]:
    message = errors.get(name)
    return [warning(message)] if message else []


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


PAGE_TEXT = 18_000  # characters of action text on one page (Teams refuses cards over 28 KB)


def action_pages(actions: Sequence[ActionEntry]) -> list[int]:
    """Where each page of All actions starts: as many actions as fit, at least one."""
    starts, used = [0], 0
    for index, action in enumerate(actions):
        size = min(len(action.text), PAGE_TEXT)
        if used and used + size > PAGE_TEXT:
            starts.append(index)
            used = 0
        used += size
    return starts


def actions_card(
    facts_: IncidentFacts,
    actions: Sequence[ActionEntry],
    names: Mapping[int, str],
    categories: Mapping[int, Category],
    offset: int,
) -> Card:
    """Every action on an incident in full, oldest first, as many to a page as fit."""
    zone = ZoneInfo(facts_.time_zone)
    starts = action_pages(actions)
    page_no = max(i for i, start in enumerate(starts) if start <= offset) if actions else 0
    first = starts[page_no] if actions else 0
    end = starts[page_no + 1] if page_no + 1 < len(starts) else len(actions)
    page = actions[first:end]
    body: list[Card] = [
        heading(f"Actions on {facts_.reference}"),
        text_block(f"{first + 1}-{end} of {len(actions)}" if actions else "None", subtle=True),
    ]
    for action in page:
        who = names.get(action.recorded_by, "a former colleague")
        body.append(text_block(f"**{_when(action.happened_at, zone)}** by {who}"))
        body.append(text_run(action.text))
        extra = [categories[c].name for c in sorted(action.category_ids) if c in categories]
        extra += [f"Agency: {action.agency}"] if action.agency else []
        if extra:
            body.append(text_run(" · ".join(extra)))
    buttons = [execute("incident.show", "Back to the incident", incident=facts_.id)]
    if page_no > 0:
        earlier = starts[page_no - 1]
        buttons.append(execute("action.list", "Earlier", incident=facts_.id, offset=earlier))
    if end < len(actions):
        buttons.append(execute("action.list", "Later", incident=facts_.id, offset=end))
    return adaptive_card(body, buttons)
