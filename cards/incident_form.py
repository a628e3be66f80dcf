"""The Add Incident form: one builder for the 1:1 chat, the dialog and the message action.

Every re-render carries back what the user typed, with a message by each wrong field. The form's
own state (idempotency key, linked pupils, marker count, evidence) rides in its buttons' data.
"""

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from cards.elements import (
    Card,
    action_set,
    adaptive_card,
    choice_set,
    heading,
    text_block,
    text_input,
    text_run,
    warning,
    when_inputs,
)
from cards.form_pupils import linked_pupils, student_box
from cards.form_state import FormView, category_choices
from cards.form_state import form_button as _button
from cards.form_state import form_error as _error
from cards.form_state import form_value as _value
from cards.verbs import Verb
from safeguarding.incident_form import (
    marker_count,
)
from safeguarding.incidents import MAX_MARKERS, MAX_NOTE, MAX_TEXT, RECORDABLE, REGIONS, SIDES

PEOPLE_QUERY = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}


def incident_form_card(view: FormView) -> Card:
    """The whole form, with the user's values and the server's messages."""
    body = [heading("Add incident")]
    if view.notice:
        body.append(text_block(view.notice))
    body += _error(view, "form")
    body += _evidence(view.values.get("evidence"))
    body += student_box(view) + _text(view) + _categories(view) + linked_pupils(view)
    body += _body_map(view)
    body += _when(view) + _case(view) + _alerts(view)
    if view.grants:
        body.append(
            warning(
                f"Alerting {', '.join(view.grants)} lets them see this incident, which they "
                "cannot see otherwise. Kestrel records that access and the DSL can withdraw it. "
                "Press Record incident again to go ahead, or change who is alerted."
            )
        )
    if view.errors:
        body.append(warning("Please check the fields marked above."))
    body.append(
        action_set(_button(view, Verb.INCIDENT_RECORD, "Record incident", confirm=view.confirm))
    )
    return adaptive_card(body)


def posted_form_card(view: FormView, user_id: str) -> Card:
    """The empty form as posted in the 1:1 chat (`add incident`): Teams keeps this message, so
    it names no restricted category; its user's client fetches the whole form in its place
    (refresh), and Show all categories gives it where refresh does not run."""
    card = incident_form_card(view)
    if user_id:
        opens = _button(view, Verb.INCIDENT_FORM, "Open the form")
        card["refresh"] = {"action": opens, "userIds": [user_id]}
    return card


def _withheld(view: FormView) -> list[Card]:
    """The posted form's note that restricted categories are one press away."""
    if not view.withheld:
        return []
    return [
        text_block(
            "Restricted categories are not listed in a message Teams keeps: press Show all "
            "categories to choose one. What you have typed stays.",
            subtle=True,
        ),
        action_set(_button(view, Verb.INCIDENT_FORM, "Show all categories")),
    ]


def _evidence(evidence: Any) -> list[Card]:
    if not isinstance(evidence, Mapping) or not evidence.get("message_id"):
        return []
    author, sent = str(evidence.get("author", ""))[:200], str(evidence.get("sent_at", ""))[:40]
    return [text_run(f"From a Teams message by {author} ({sent}); it is kept as evidence.")]


def _text(view: FormView) -> list[Card]:
    text = text_input(
        "text",
        "Incident (what happened, in the words used where you can)",
        value=_value(view, "text"),
        max_length=MAX_TEXT,
    )
    text["isMultiline"] = True
    return [text, *_error(view, "text")]


def _categories(view: FormView) -> list[Card]:
    cards = [
        choice_set(
            "categories",
            "Categories",
            category_choices(view),
            value=_value(view, "categories"),
            multi=True,
            expanded=True,
        ),
        *_error(view, "categories"),
        *_withheld(view),
    ]
    groups = {g.id: g.name for g in view.options.alert_groups}
    automatic = [
        f"{c.name}: {', '.join(groups[g] for g in c.default_alert_group_ids if g in groups)}"
        for c in view.options.categories
        if c.default_alert_group_ids
    ]
    if automatic:
        cards.append(text_block("Alerted automatically: " + "; ".join(automatic), subtle=True))
    return cards


def _body_map(view: FormView) -> list[Card]:
    cards = [text_block("**Body map** (optional: numbered markers, each a region and a note)")]
    for number in range(1, marker_count(view.values) + 1):
        prefix = f"marker_{number}_"
        cards += [
            choice_set(
                prefix + "side",
                f"Marker {number}: side",
                [(s, s) for s in SIDES],
                value=_value(view, prefix + "side") or SIDES[0],
            ),
            choice_set(
                prefix + "region",
                f"Marker {number}: region",
                [(r, r) for r in REGIONS],
                value=_value(view, prefix + "region"),
            ),
            *_error(view, prefix + "region"),
            text_input(
                prefix + "note",
                f"Marker {number}: note",
                value=_value(view, prefix + "note"),
                max_length=MAX_NOTE,
            ),
            *_error(view, prefix + "note"),
        ]
    if marker_count(view.values) < MAX_MARKERS:
        cards.append(action_set(_button(view, Verb.INCIDENT_FORM, "Add a marker", op="add_marker")))
    return cards


def _when(view: FormView) -> list[Card]:
    local = view.now.astimezone(ZoneInfo(view.time_zone))
    return when_inputs(
        "incident",
        _value(view, "date") or local.date().isoformat(),
        _value(view, "time") or local.strftime("%H:%M"),
        view.time_zone,
        view.errors,
    )


def _case(view: FormView) -> list[Card]:
    options = view.options
    return [
        choice_set(
            "status",
            "Status",
            [(s.value, s.value) for s in RECORDABLE],
            value=_value(view, "status") or RECORDABLE[0].value,
        ),
        *_error(view, "status"),
        choice_set(
            "assignee",
            "Assign to (optional)",
            [(s.display_name, str(s.id)) for s in options.case_workers],
            value=_value(view, "assignee"),
            placeholder="Not assigned",
        ),
        *_error(view, "assignee"),
        choice_set(
            "agencies",
            "Agency involved",
            [(a, a) for a in options.agencies],
            value=_value(view, "agencies"),
            multi=True,
        ),
        text_input(
            "agency_other", "Another agency", value=_value(view, "agency_other"), max_length=100
        ),
    ]


def _alerts(view: FormView) -> list[Card]:
    if view.dialog:
        people = choice_set(
            "alert_people",
            "Alert staff members",
            [],
            value=_value(view, "alert_people"),
            multi=True,
        )
        people["choices.data"] = PEOPLE_QUERY
    else:
        people = choice_set(
            "alert_staff",
            "Alert staff members",
            [(s.display_name, str(s.id)) for s in view.options.colleagues],
            value=_value(view, "alert_staff"),
            multi=True,
        )
    return [
        people,
        *_error(view, "alert_staff"),
        choice_set(
            "alert_groups",
            "Alert groups",
            [(g.name, str(g.id)) for g in view.options.alert_groups],
            value=_value(view, "alert_groups"),
            multi=True,
        ),
        *_error(view, "alert_groups"),
    ]
