"""The Add Incident form's pupils: the student box (typeahead, Find pupil, New student) and
the linked pupils, each with their own categories."""

from cards.elements import Card, action_set, choice_set, text_block, text_input, text_run, toggle
from cards.form_state import FormView, category_choices
from cards.form_state import form_button as _button
from cards.form_state import form_error as _error
from cards.form_state import form_value as _value
from cards.verbs import Verb
from safeguarding.incident_form import linked_ids, truthy
from safeguarding.search import StudentMatch

STUDENTS_QUERY = {"type": "Data.Query", "dataset": "students"}


def _pupil_title(view: FormView, match: StudentMatch) -> str:
    name = match.name
    if view.hide_names:
        name = " ".join(f"{part[:1].upper()}." for part in match.name.split()[:2])
    return f"{name} (Year {match.year_group}, {match.tutor_group or 'no tutor group'})"


def _year_input(view: FormView) -> Card:
    """The new student's year group: one of the school's (its roster's), where it has any."""
    years = view.options.year_groups
    if not years:
        return text_input("new_year", "Year group", value=_value(view, "new_year"), max_length=2)
    choices = [("Reception" if y == 0 else f"Year {y}", str(y)) for y in years]
    chosen = _value(view, "new_year")
    return choice_set(
        "new_year",
        "Year group",
        choices,
        value=chosen if chosen in {v for _, v in choices} else "",
        placeholder="Choose the year group",
    )


def student_box(view: FormView) -> list[Card]:
    if truthy(view.values.get("new_student")):
        return [
            text_block("**New student** (an administrator will confirm or merge the record)"),
            text_input("new_first", "First name", value=_value(view, "new_first"), max_length=100),
            *_error(view, "new_first"),
            text_input("new_last", "Last name", value=_value(view, "new_last"), max_length=100),
            *_error(view, "new_last"),
            _year_input(view),
            *_error(view, "new_year"),
            {
                "type": "Input.Date",
                "id": "new_dob",
                "label": "Date of birth, if known (to match the roster)",
                "value": _value(view, "new_dob"),
            },
            *_error(view, "new_dob"),
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
    if not shown:
        # Teams' typeahead until pupils are found; then a plain list of them, so that every
        # client shows the name chosen ("Grace Mahmood (Year 9, 9A)"), never its id.
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


def linked_pupils(view: FormView) -> list[Card]:
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
                category_choices(view),
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
