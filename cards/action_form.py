"""Add action and All actions: answers in place of the incident card, for this user only."""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from cards.elements import (
    Card,
    adaptive_card,
    choice_set,
    execute,
    heading,
    sent_size,
    text_block,
    text_input,
    text_pages,
    text_run,
    warning,
    when_inputs,
)
from cards.form_values import field_error, typed
from cards.pasted_original import pasted_note
from cards.verbs import Verb
from safeguarding.action_form import ActionForm
from safeguarding.case_actions import ActionEntry, ActionList
from safeguarding.incident_form import FORM_KEY
from safeguarding.incidents import MAX_TEXT

PAGE_TEXT = 18_000  # bytes of action text (as sent) on one page (Teams refuses cards over 28 KB)


def action_form_card(view: ActionForm) -> Card:
    """Action taken, categories, Add to planner, agency, when, and who to alert."""
    incident = view.facts
    body = _heading(view) + _taken(view) + _planner(view) + _when(view) + _alerts(view)
    if view.grants:
        body.append(
            warning(
                f"Alerting {', '.join(view.grants)} lets them see this incident, which they "
                "cannot see otherwise. Kestrel records that access and the DSL can withdraw it. "
                "Press Save action again to go ahead, or change who is alerted."
            )
        )
    key = typed(view.values, FORM_KEY)
    return adaptive_card(
        body,
        [
            execute(
                Verb.ACTION_ADD,
                "Save action",
                incident=incident.id,
                **{FORM_KEY: key},
                confirm=view.confirm,
            ),
            execute(Verb.INCIDENT_SHOW, "Cancel", incident=incident.id),
        ],
    )


def _heading(view: ActionForm) -> list[Card]:
    errors = view.errors
    body: list[Card] = [
        heading(f"Add action to {view.facts.reference}"),
        *field_error(errors, "form"),
    ]
    if errors and "form" not in errors:
        body.append(warning("Nothing is saved yet: please check the fields marked below."))
    return body


def _taken(view: ActionForm) -> list[Card]:
    values, errors = view.values, view.errors
    text = text_input("text", "Action taken", value=typed(values, "text"), max_length=MAX_TEXT)
    text["isMultiline"] = True
    return [
        text,
        *field_error(errors, "text"),
        choice_set(
            "categories",
            "Categories",
            [(c.name, str(c.id)) for c in view.options.categories],
            value=typed(values, "categories"),
            multi=True,
        ),
        *field_error(errors, "categories"),
    ]


def _planner(view: ActionForm) -> list[Card]:
    values, errors = view.values, view.errors
    return [
        text_block("**Add to planner** (optional): who is reminded in chat, and on which day"),
        {
            "type": "Input.Date",
            "id": "planner_date",
            "label": "Planner date",
            "value": typed(values, "planner_date"),
        },
        *field_error(errors, "planner_date"),
        choice_set(
            "planner_staff",
            "Remind",
            [(s.display_name, str(s.id)) for s in view.planners],
            value=typed(values, "planner_staff"),
            placeholder="Choose a colleague",
        ),
        *field_error(errors, "planner_staff"),
        choice_set(
            "agency",
            "Agency involved",
            [(a, a) for a in view.options.agencies],
            value=typed(values, "agency"),
            placeholder="None",
        ),
    ]


def _when(view: ActionForm) -> list[Card]:
    zone = view.facts.time_zone
    local = view.now.astimezone(ZoneInfo(zone))
    return when_inputs(
        "action",
        typed(view.values, "date") or local.date().isoformat(),
        typed(view.values, "time") or local.strftime("%H:%M"),
        zone,
        view.errors,
    )


def _alerts(view: ActionForm) -> list[Card]:
    values, errors = view.values, view.errors
    return [
        choice_set(
            "alert_staff",
            "Alert staff members",
            [(s.display_name, str(s.id)) for s in view.options.colleagues],
            value=typed(values, "alert_staff"),
            multi=True,
        ),
        *field_error(errors, "alert_staff"),
        choice_set(
            "alert_groups",
            "Alert groups",
            [(g.name, str(g.id)) for g in view.options.alert_groups],
            value=typed(values, "alert_groups"),
            multi=True,
        ),
        *field_error(errors, "alert_groups"),
    ]


def action_pages(actions: Sequence[ActionEntry]) -> list[int]:
    """Where each page of All actions starts: as many actions as fit, at least one."""
    starts, used = [0], 0
    for index, action in enumerate(actions):
        size = min(sent_size(action.text), PAGE_TEXT)
        if used and used + size > PAGE_TEXT:
            starts.append(index)
            used = 0
        used += size
    return starts


def actions_card(listed: ActionList, part: int = 0) -> Card:
    """Every action on an incident in full, oldest first, as many to a page as fit; an action
    too long for a card has a page of its own, shown a `part` at a time."""
    facts_, actions = listed.facts, listed.actions
    starts = action_pages(actions)
    page_no = max(i for i, start in enumerate(starts) if start <= listed.offset) if actions else 0
    first = starts[page_no] if actions else 0
    end = starts[page_no + 1] if page_no + 1 < len(starts) else len(actions)
    body: list[Card] = [
        heading(f"Actions on {facts_.reference}"),
        text_block(f"{first + 1}-{end} of {len(actions)}" if actions else "None", subtle=True),
    ]
    for action in actions[first:end]:
        body += _action(listed, action, part)
    buttons = [execute(Verb.INCIDENT_SHOW, "Back to the incident", incident=facts_.id)]
    if end - first == 1:
        buttons += _parts(listed, first, part)
    if page_no > 0:
        earlier = starts[page_no - 1]
        buttons.append(execute(Verb.ACTION_LIST, "Earlier", incident=facts_.id, offset=earlier))
    if end < len(actions):
        buttons.append(execute(Verb.ACTION_LIST, "Later", incident=facts_.id, offset=end))
    return adaptive_card(body, buttons)


def _parts(listed: ActionList, index: int, part: int) -> list[Card]:
    """Earlier part / Later part of the one action on this page, when its text needs several."""
    parts = text_pages(listed.actions[index].text, PAGE_TEXT)
    part = min(part, len(parts) - 1)
    ids = {"incident": listed.facts.id, "offset": index}
    buttons = []
    if part > 0:
        buttons.append(execute(Verb.ACTION_LIST, "Earlier part", **ids, part=part - 1))
    if part + 1 < len(parts):
        buttons.append(execute(Verb.ACTION_LIST, "Later part", **ids, part=part + 1))
    return buttons


def _action(listed: ActionList, action: ActionEntry, part: int = 0) -> list[Card]:
    """One action in full: when and by whom, its text (a part of it, when too long for one
    card), its categories and agency."""
    who = listed.staff_names.get(action.recorded_by, "a former colleague")
    when = _local(action.happened_at, listed.facts.time_zone)
    parts = text_pages(action.text, PAGE_TEXT)
    part = min(part, len(parts) - 1)
    shown = [text_block(f"**{when}** by {who}")]
    if len(parts) > 1:
        shown.append(text_block(f"Part {part + 1} of {len(parts)} of its text", subtle=True))
    shown.append(text_run(parts[part]))
    if action.pasted:
        shown += pasted_note(listed.facts.id, action.id)
    categories = listed.categories
    extra = [categories[c].name for c in sorted(action.category_ids) if c in categories]
    extra += [f"Agency: {action.agency}"] if action.agency else []
    return shown + ([text_run(" · ".join(extra))] if extra else [])


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%d/%m/%Y %H:%M")
