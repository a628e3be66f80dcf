"""Edit: the incident's current content (or what was typed), with messages by field; saving
makes a new version and keeps the current one."""

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from cards.elements import (
    Card,
    adaptive_card,
    choice_set,
    execute,
    heading,
    text_block,
    text_input,
    when_inputs,
)
from cards.form_values import field_error, typed
from cards.pupils import pupil_name
from cards.verbs import Verb
from safeguarding.editing import EditForm
from safeguarding.incidents import MAX_TEXT


def edit_form_card(form: EditForm, *, errors: Mapping[str, str] | None = None) -> Card:
    """Text, each pupil's categories, when, agencies."""
    incident, errors = form.facts, errors or {}
    body: list[Card] = [
        heading(f"Edit {incident.reference}"),
        text_block(
            "Saving keeps the current version: the History shows who changed what, and when.",
            subtle=True,
        ),
        *field_error(errors, "form"),
        *_text(form, errors),
        *_categories(form, errors),
        *_when_and_agencies(form, errors),
    ]
    return adaptive_card(
        body,
        [
            execute(Verb.INCIDENT_EDIT, "Save changes", incident=incident.id, ver=incident.version),
            execute(Verb.INCIDENT_SHOW, "Cancel", incident=incident.id),
        ],
    )


def _text(form: EditForm, errors: Mapping[str, str]) -> list[Card]:
    value = typed(form.values, "text") if form.values else form.text
    text = text_input("text", "Incident", value=value, max_length=MAX_TEXT)
    text["isMultiline"] = True
    return [text, *field_error(errors, "text")]


def _categories(form: EditForm, errors: Mapping[str, str]) -> list[Card]:
    """Each pupil's own categories (a linked pupil's are never copied from the main one)."""
    choices = [(c.name, str(c.id)) for c in form.categories]
    shown: list[Card] = []
    for pupil in form.facts.pupils:
        name = f"categories_{pupil.student.id}"
        current = ",".join(str(c) for c in sorted(pupil.category_ids))
        label = f"Categories for {pupil_name(pupil.student, hide=form.hide_names)}"
        label += " (linked)" if pupil.linked else ""
        value = typed(form.values, name) if form.values else current
        shown.append(choice_set(name, label, choices, value=value, multi=True))
        shown += field_error(errors, name)
    return shown


def _when_and_agencies(form: EditForm, errors: Mapping[str, str]) -> list[Card]:
    incident, values = form.facts, form.values
    local = incident.happened_at.astimezone(ZoneInfo(incident.time_zone))
    known = list(dict.fromkeys([*form.agencies, *incident.agencies]))
    agencies = typed(values, "agencies") if values else ",".join(incident.agencies)
    return [
        *when_inputs(
            "incident",
            typed(values, "date") or local.date().isoformat(),
            typed(values, "time") or local.strftime("%H:%M"),
            incident.time_zone,
            errors,
        ),
        choice_set(
            "agencies", "Agencies involved", [(a, a) for a in known], value=agencies, multi=True
        ),
    ]
