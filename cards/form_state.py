"""The Add Incident form's state and fields as its sections show them: the buttons carry the
form's own state (idempotency key, linked pupils, marker count, evidence); each field gives back
what was typed and the message by it."""

from typing import Any

from cards.elements import Card, execute, submit
from cards.form_values import field_error, typed
from safeguarding.incident_form import FORM_KEY, IncidentForm

STATE_KEYS = (FORM_KEY, "linked", "markers", "new_student", "evidence")
FormView = IncidentForm  # the form as data, from the use case (safeguarding/incident_form.py)


def form_button(view: FormView, verb: str, title: str, **data: Any) -> Card:
    """A button that carries the form's state; Action.Submit in dialogs, Execute in chat."""
    state = {k: view.values[k] for k in STATE_KEYS if view.values.get(k) not in (None, "")}
    if view.dialog:
        return submit(verb, title, **state, **data, dialog=True)
    return execute(verb, title, **state, **data)


def form_error(view: FormView, name: str) -> list[Card]:
    return field_error(view.errors, name)


def form_value(view: FormView, name: str) -> str:
    return typed(view.values, name)


def category_choices(view: FormView) -> list[tuple[str, str]]:
    return [(c.name, str(c.id)) for c in view.options.categories]
