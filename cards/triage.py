"""The triage channel's cards: the stub Teams keeps (no pupil, no category, no text) with a
view of its own for each of the DSL team, that view, and the answers to `triage here/off`."""

from cards.elements import Card, action_set, adaptive_card, execute, heading, text_block, text_run
from cards.payloads import TRIAGE
from cards.pupils import pupil_name
from cards.verbs import Verb
from safeguarding.dashboard import DashboardLine
from safeguarding.triage import TriageStub, stub_words


def triage_stub_card(stub: TriageStub, time_zone: str, viewers: tuple[str, ...]) -> Card:
    """The message posted in the triage channel: a reference, who raised it, when, and whether
    anyone works it. The DSL team's clients fetch their own view in its place (refresh)."""
    open_it = execute(Verb.TRIAGE_SHOW, "Open", incident=stub.incident_id)
    card = adaptive_card(
        [heading(f"New concern {stub.reference}"), text_run(stub_words(stub, time_zone))],
        [open_it],
    )
    if viewers:
        card["refresh"] = {"action": open_it, "userIds": list(viewers)}
    return card


def triage_card(stub: TriageStub, time_zone: str, line: DashboardLine, hide_names: bool) -> Card:
    """A member of the DSL team's own view: the pupil and categories as on New concerns, with
    Assign to me while nobody works it, and Open (the incident, in place)."""
    pupil = pupil_name(line.pupil, hide=hide_names) if line.pupil else ""
    categories = ", ".join(line.categories) or "no category"
    buttons = []
    if line.workable and not stub.assignee and line.status.value == "Open":
        case = {"incident": line.incident_id, "ver": line.version}
        buttons.append(execute(Verb.CASE_ASSIGN, "Assign to me", **case))
    opens = {"incident": line.incident_id, "from": TRIAGE}
    buttons.append(execute(Verb.INCIDENT_SHOW, "Open the incident", **opens))
    return adaptive_card(
        [
            heading(f"New concern {stub.reference}"),
            text_run(stub_words(stub, time_zone)),
            text_run(f"{pupil}: {categories} ({line.status.value})"),
            action_set(*buttons),
        ]
    )


TRIAGE_WORDS = {
    "on": (
        "This channel is now {school}'s triage channel. Each new concern is posted here as a "
        "reference, who raised it and when: never a pupil's name, a category or what was "
        "written. Members of the DSL team see the details, Assign to me and Open; everyone "
        "else sees only that. Type triage off to stop."
    ),
    "off": "New concerns are no longer posted to a triage channel for {school}.",
    "not_channel": (
        "Type triage here in a channel of the team where Kestrel is installed (the DSL team's "
        "own channel): new concerns are then posted there."
    ),
    "usage": "Type triage here (in the DSL team's channel) or triage off.",
    "dsl_only": "The triage channel is chosen by the DSL team.",
}


def triage_choice_card(outcome: str, school: str) -> Card:
    """What `triage here` / `triage off` answers (Teams keeps it: our words only)."""
    return adaptive_card(
        [heading("Triage channel"), text_block(TRIAGE_WORDS[outcome].format(school=school))]
    )
