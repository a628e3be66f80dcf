"""Move to another pupil ("move") or Add linked student ("link"): find, choose, confirm."""

from collections.abc import Mapping

from cards.elements import (
    Card,
    action_set,
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
from safeguarding.editing import MAX_QUERY, PupilPick

# purpose -> (title, hint, Find verb, save verb, save title)
PURPOSES = {
    "move": (
        "Move to another pupil",
        "The incident, its actions and its history move to the pupil you choose; both pupils' "
        "records show the move in their audit.",
        Verb.INCIDENT_MOVE_FORM,
        Verb.INCIDENT_MOVE,
        "Move the incident",
    ),
    "link": (
        "Add linked student",
        "The incident appears on the linked pupil's record too, with their own categories.",
        Verb.INCIDENT_LINK_FORM,
        Verb.INCIDENT_LINK,
        "Link the pupil",
    ),
}


def pupil_pick_card(pick: PupilPick, *, errors: Mapping[str, str] | None = None) -> Card:
    """The name to find, the pupils found (names only) and, once one may be chosen, the save."""
    incident, errors = pick.facts, errors or {}
    title, hint, find, save, save_title = PURPOSES[pick.purpose]
    body: list[Card] = [
        heading(f"{title}: {incident.reference}"),
        text_block(hint, subtle=True),
        text_input("pupil_query", "Pupil's name", value=pick.query, max_length=MAX_QUERY),
        action_set(execute(find, "Find", incident=incident.id, ver=incident.version)),
    ]
    if pick.query and not pick.matches:
        body.append(warning("No pupil you may see matches that name."))
    buttons = [execute(Verb.INCIDENT_SHOW, "Cancel", incident=incident.id)]
    if pick.matches:
        body += _choose(pick, errors)
        buttons.insert(0, execute(save, save_title, incident=incident.id, ver=incident.version))
    return adaptive_card(body, buttons)


def _choose(pick: PupilPick, errors: Mapping[str, str]) -> list[Card]:
    """The pupils found and, to link, the categories they are given."""
    labels = [(_label(pick, m.name, m.year_group), str(m.student_id)) for m in pick.matches]
    value = chosen(pick.values, "student", [i for _, i in labels])
    shown = [
        choice_set("student", "Pupil", labels, value=value, expanded=True),
        *field_error(errors, "student"),
    ]
    if pick.purpose == "link":
        shown += [
            choice_set(
                "categories",
                "Their categories",
                [(c.name, str(c.id)) for c in pick.categories],
                value=typed(pick.values, "categories"),
                multi=True,
            ),
            *field_error(errors, "categories"),
        ]
    return shown


def _label(pick: PupilPick, name: str, year_group: int) -> str:
    if pick.hide_names:
        name = " ".join(f"{part[:1].upper()}." for part in name.split() if part)
    return f"{name} (Year {year_group})"
