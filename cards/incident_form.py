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
    execute,
    heading,
    submit,
    text_block,
    text_input,
    text_run,
    toggle,
    warning,
    when_inputs,
)
from cards.form_values import field_error, typed
from cards.verbs import Verb
from safeguarding.incident_form import (
    FORM_KEY,
    IncidentForm,
    linked_ids,
    marker_count,
    truthy,
)
from safeguarding.incidents import MAX_MARKERS, MAX_NOTE, MAX_TEXT, RECORDABLE, REGIONS, SIDES
from safeguarding.search import StudentMatch

STUDENTS_QUERY = {"type": "Data.Query", "dataset": "students"}
PEOPLE_QUERY = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
STATE_KEYS = (FORM_KEY, "linked", "markers", "new_student", "evidence")
FormView = IncidentForm  # the form as data, from the use case (safeguarding/incident_form.py)


def incident_form_card(view: FormView) -> Card:
    """The whole form, with the user's values and the server's messages."""
    body = [heading("Add incident")]
    if view.notice:
        body.append(text_block(view.notice))
    body += _error(view, "form")
    body += _evidence(view.values.get("evidence"))
    body += _student(view) + _text(view) + _categories(view) + _linked(view) + _body_map(view)
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


def _button(view: FormView, verb: str, title: str, **data: Any) -> Card:
    """A button that carries the form's state; Action.Submit in dialogs, Execute in chat."""
    state = {k: view.values[k] for k in STATE_KEYS if view.values.get(k) not in (None, "")}
    if view.dialog:
        return submit(verb, title, **state, **data, dialog=True)
    return execute(verb, title, **state, **data)


def _error(view: FormView, name: str) -> list[Card]:
    return field_error(view.errors, name)


def _value(view: FormView, name: str) -> str:
    return typed(view.values, name)


def _evidence(evidence: Any) -> list[Card]:
    if not isinstance(evidence, Mapping) or not evidence.get("message_id"):
        return []
    author, sent = str(evidence.get("author", ""))[:200], str(evidence.get("sent_at", ""))[:40]
    return [text_run(f"From a Teams message by {author} ({sent}); it is kept as evidence.")]


def _pupil_title(view: FormView, match: StudentMatch) -> str:
    name = match.name
    if view.hide_names:
        name = " ".join(f"{part[:1].upper()}." for part in match.name.split()[:2])
    return f"{name} (Year {match.year_group}, {match.tutor_group or 'no tutor group'})"


def _student(view: FormView) -> list[Card]:
    if truthy(view.values.get("new_student")):
        return [
            text_block("**New student** (an administrator will confirm or merge the record)"),
            text_input("new_first", "First name", value=_value(view, "new_first"), max_length=100),
            *_error(view, "new_first"),
            text_input("new_last", "Last name", value=_value(view, "new_last"), max_length=100),
            *_error(view, "new_last"),
            text_input("new_year", "Year group", value=_value(view, "new_year"), max_length=2),
            *_error(view, "new_year"),
            action_set(
                _button(view, Verb.INCIDENT_FORM, "Search the roster instead", op="existing")
            ),
        ]
    chosen = _value(view, "student_id")
    shown = {m.student_id: m for m in view.matches}
    if chosen.isdecimal() and int(chosen) in view.pupils:
        shown.setdefault(int(chosen), view.pupils[int(chosen)])
    pick = choice_set(
        "student_id",
        "Student",
        [(_pupil_title(view, m), str(m.student_id)) for m in shown.values()],
        value=chosen,
        placeholder="Type a name",
    )
    if not shown:  # Teams' typeahead; the Find button works everywhere
        # A typeahead box shows a picked pupil's value (the database id), not its title, in the
        # Playground's web UI: once Find has listed pupils, they are plain choices.
        pick["choices.data"] = STUDENTS_QUERY
    return [
        pick,
        *_error(view, "student_id"),
        text_input(
            "pupil_query",
            "Or type the pupil's name and press Find",
            value=_value(view, "pupil_query"),
        ),
        action_set(
            _button(view, Verb.INCIDENT_FORM, "Find pupil", op="find"),
            _button(view, Verb.INCIDENT_FORM, "New student", op="new"),
        ),
    ]


def _text(view: FormView) -> list[Card]:
    text = text_input(
        "text",
        "Incident (what happened, in the words used where you can)",
        value=_value(view, "text"),
        max_length=MAX_TEXT,
    )
    text["isMultiline"] = True
    return [text, *_error(view, "text")]


def _category_choices(view: FormView) -> list[tuple[str, str]]:
    return [(c.name, str(c.id)) for c in view.options.categories]


def _categories(view: FormView) -> list[Card]:
    cards = [
        choice_set(
            "categories",
            "Categories",
            _category_choices(view),
            value=_value(view, "categories"),
            multi=True,
            expanded=True,
        ),
        *_error(view, "categories"),
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


def _linked(view: FormView) -> list[Card]:
    cards = [text_block("**Linked students** (the incident also appears on their record)")]
    for student_id in linked_ids(view.values):
        prefix = f"linked_{student_id}_"
        match = view.pupils.get(student_id)
        cards += [
            text_run(_pupil_title(view, match) if match else f"Pupil {student_id}"),
            toggle(prefix + "same", "Same categories", on=truthy(view.values.get(prefix + "same"))),
            choice_set(
                prefix + "categories",
                "Or their own categories",
                _category_choices(view),
                value=_value(view, prefix + "categories"),
                multi=True,
            ),
            *_error(view, prefix + "categories"),
            toggle(
                prefix + "monitoring",
                "Monitor this pupil for these categories",
                on=truthy(view.values.get(prefix + "monitoring")),
            ),
            action_set(
                _button(view, Verb.INCIDENT_FORM, "Remove", op="unlink", student=student_id)
            ),
        ]
    cards += _error(view, "linked")
    cards.append(
        text_input("link_query", "Add a linked student: name", value=_value(view, "link_query"))
    )
    buttons = [_button(view, Verb.INCIDENT_FORM, "Find linked student", op="find_link")]
    if view.link_matches:
        choices = [(_pupil_title(view, m), str(m.student_id)) for m in view.link_matches]
        cards.append(choice_set("link_pick", "Linked student", choices))
        buttons.append(_button(view, Verb.INCIDENT_FORM, "Add linked student", op="link"))
    return [*cards, action_set(*buttons)]


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
