"""The School section: the school's settings and term dates (administrators), and its triage
channel (administrators and the DSL team: which one, since when and by whom, and Stop)."""

from functools import partial
from zoneinfo import ZoneInfo

from cards.admin import Said, problem, said, section_card, shown_value
from cards.elements import Card, action_set, choice_set, execute, heading, text_block, text_input
from cards.verbs import Verb
from safeguarding.school_settings import MAX_MINUTES, YEARS, SchoolView


def school_card(view: SchoolView, shown: Said) -> Card:
    """Settings and terms for administrators; the triage channel for both."""
    body = _settings(view) + _terms(view) if view.setup else [said(view.school.name)]
    body += _triage(view)
    actions = []
    if view.setup:
        actions.append(execute(Verb.ADMIN_SCHOOL_SAVE, "Save settings", ver=view.school.version))
    return section_card("School", shown, body, actions)


def _settings(view: SchoolView) -> list[Card]:
    school, errors = view.school, view.errors
    value = partial(shown_value, view.values)
    years = [(f"Year {y}", str(y)) for y in YEARS]
    roster = ", ".join(str(y) for y in view.roster_years) or "none yet"
    chosen = value("year_groups", ",".join(str(y) for y in school.year_groups))
    return [
        text_input("name", "School name", value=value("name", school.name)),
        *problem(errors, "name"),
        text_input(
            "time_zone",
            "Time zone (IANA name)",
            value=value("time_zone", school.time_zone),
            placeholder="Europe/London",
        ),
        *problem(errors, "time_zone"),
        _minutes(value("escalate_minutes", school.escalate_minutes), view.default_minutes),
        *problem(errors, "escalate_minutes"),
        choice_set("year_groups", "Year groups", years, value=chosen, multi=True),
        text_block(f"None chosen: the pupils' own year groups ({roster}).", subtle=True),
        *problem(errors, "year_groups"),
    ]


def _minutes(value: str, default: int) -> Card:
    element: Card = {
        "type": "Input.Number",
        "id": "escalate_minutes",
        "label": f"Minutes before an unread urgent concern is escalated (empty: {default})",
        "min": 1,
        "max": MAX_MINUTES,
        "placeholder": str(default),
    }
    if value.isdecimal():
        element["value"] = int(value)
    return element


def _terms(view: SchoolView) -> list[Card]:
    """Each term with Remove, and the inputs of a new one."""
    body: list[Card] = [heading("Term dates")]
    for term in view.terms:
        when = f"{term.starts_on:%-d %b %Y} to {term.ends_on:%-d %b %Y}"
        body.append(said(f"{term.name}: {when}"))
        body.append(action_set(execute(Verb.ADMIN_TERM_REMOVE, "Remove", term=term.id)))
    if not view.terms:
        body.append(text_block("No terms yet.", subtle=True))
    value = partial(shown_value, view.values)
    name = text_input(
        "term_name", "New term", value=value("term_name", ""), placeholder="Spring 2027"
    )
    for field, card in (
        ("term_name", name),
        ("term_starts", _day("term_starts", "First day", value("term_starts", ""))),
        ("term_ends", _day("term_ends", "Last day", value("term_ends", ""))),
    ):
        body += [card, *problem(view.errors, field)]
    return [*body, action_set(execute(Verb.ADMIN_TERM_ADD, "Add term"))]


def _day(input_id: str, label: str, value: str) -> Card:
    return {"type": "Input.Date", "id": input_id, "label": label, "value": value}


def _triage(view: SchoolView) -> list[Card]:
    body: list[Card] = [heading("Triage channel")]
    if view.triage is None:
        body.append(
            text_block(
                "None: new concerns reach the DSL team's dashboards only. To post each new "
                "concern's stub in a team channel, a member of the DSL team types "
                "`@Kestrel triage here` in that channel."
            )
        )
        return body
    zone = ZoneInfo(view.school.time_zone)
    when = view.triage.chosen_at.astimezone(zone).strftime("%H:%M on %-d %b %Y")
    who = view.triage.chosen_by
    body.append(said(f"New concerns are posted to a team channel, chosen by {who} at {when}."))
    body.append(action_set(execute(Verb.ADMIN_TRIAGE_STOP, "Stop posting there")))
    return body
