"""Assign…: the colleagues who work safeguarding cases (none excluded from its pupils)."""

from cards.elements import Card, adaptive_card, choice_set, execute, heading, warning
from cards.verbs import Verb
from safeguarding.casework import AssignForm


def assign_form_card(form: AssignForm, *, error: str = "") -> Card:
    """Who to assign the case to (the current assignee chosen), saved on its card's version."""
    facts = form.facts
    ids = {str(s.id) for s in form.workers}
    current = str(facts.assignee_id) if facts.assignee_id else ""
    body = [
        heading(f"Assign {facts.reference}"),
        choice_set(
            "staff",
            "Assign to",
            [(s.display_name, str(s.id)) for s in form.workers],
            value=current if current in ids else "",
            placeholder="Choose a colleague",
        ),
    ]
    if error:
        body.append(warning(error))
    return adaptive_card(
        body,
        [
            execute(Verb.CASE_ASSIGN, "Assign", incident=facts.id, ver=facts.version),
            execute(Verb.INCIDENT_SHOW, "Cancel", incident=facts.id),
        ],
    )
