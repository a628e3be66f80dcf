"""Change status: where the case may go from here; closing asks for the outcome and the reason."""

from collections.abc import Mapping

from cards.elements import (
    Card,
    adaptive_card,
    choice_set,
    execute,
    heading,
    text_block,
    text_input,
    warning,
)
from cards.form_values import chosen, field_error, typed
from cards.verbs import Verb
from safeguarding.casework import MAX_REASON, MOVES, StatusForm
from safeguarding.incidents import Status


def status_form_card(form: StatusForm, *, errors: Mapping[str, str] | None = None) -> Card:
    """The new status, the outcome (to close) and the reason, saved on the card's version."""
    facts, errors = form.facts, errors or {}
    body: list[Card] = [
        heading(f"Change status of {facts.reference}"),
        text_block(f"The case is {facts.status.value}."),
    ]
    if errors:
        body.append(warning("Nothing has changed yet: please check the fields marked below."))
    body += [*_status(form, errors), *_outcome(form, errors), *_reason(form, errors)]
    return adaptive_card(
        body,
        [
            execute(Verb.CASE_STATUS, "Save", incident=facts.id, ver=facts.version),
            execute(Verb.INCIDENT_SHOW, "Cancel", incident=facts.id),
        ],
    )


def _status(form: StatusForm, errors: Mapping[str, str]) -> list[Card]:
    current = form.facts.status
    moves = MOVES[current]
    choice = chosen(form.values, "status", [m.value for m in moves]) or moves[0].value
    titles = [(_move_title(current, s), s.value) for s in moves]
    return [
        choice_set("status", "New status", titles, value=choice, expanded=True),
        *field_error(errors, "status"),
    ]


def _outcome(form: StatusForm, errors: Mapping[str, str]) -> list[Card]:
    return [
        choice_set(
            "outcome",
            "Outcome (to close)",
            [(o, o) for o in form.outcomes],
            value=chosen(form.values, "outcome", list(form.outcomes)),
            placeholder="Choose the outcome",
        ),
        *field_error(errors, "outcome"),
    ]


def _reason(form: StatusForm, errors: Mapping[str, str]) -> list[Card]:
    reason = text_input(
        "reason",
        "Reason for the decision (needed to close or reopen)",
        value=typed(form.values, "reason"),
        max_length=MAX_REASON,
    )
    reason["isMultiline"] = True
    return [reason, *field_error(errors, "reason")]


def _move_title(current: Status, to: Status) -> str:
    if current == Status.CLOSED:
        return "Reopen (Active)"
    return {Status.ACTIVE: "Active (being worked)", Status.CLOSED: "Closed"}.get(to, to.value)
