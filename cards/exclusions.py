"""The DSL's exclusions: who is barred from which pupil's record, and adding or lifting one."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from cards.elements import (
    Card,
    action_set,
    adaptive_card,
    choice_set,
    execute,
    heading,
    text_block,
    text_input,
    text_run,
    warning,
)
from cards.pupils import pupil_name
from cards.verbs import Verb
from safeguarding.exclusions import REASON_WORDS, ActiveExclusion
from safeguarding.search import StudentMatch
from safeguarding.staff import StaffMember


def exclusions_stub_card() -> Card:
    """What the `exclusions` command posts in the chat: no names, a button to open the list."""
    return adaptive_card(
        [heading("Exclusions"), text_block("Open the list to see, add or lift exclusions.")],
        [execute(Verb.EXCLUSIONS_SHOW, "Open exclusions")],
    )


def exclusions_card(
    active: Sequence[ActiveExclusion],
    *,
    hide_names: bool,
    time_zone: str,
    query: str = "",
    matches: Sequence[StudentMatch] = (),
    colleagues: Sequence[StaffMember] = (),
    notice: str = "",
    error: str = "",
) -> Card:
    """The exclusions in force, each with Lift, and the form to add one."""
    body = [heading("Exclusions")]
    if notice:
        body.append(text_block(notice))
    body.append(
        text_block(
            "An excluded colleague sees nothing of that pupil's record and is never alerted "
            "about it, whatever their role.",
            subtle=True,
        )
    )
    body += _in_force(active, hide_names, ZoneInfo(time_zone))
    body += [heading("Add an exclusion"), text_input("pupil_query", "Pupil's name", value=query)]
    body.append(action_set(execute(Verb.EXCLUSIONS_FIND, "Find pupil")))
    if matches:
        body += _choices(matches, colleagues)
    if error:
        body.append(warning(error))
    if matches:
        body.append(action_set(execute(Verb.EXCLUSION_SET, "Exclude", pupil_query=query)))
    return adaptive_card(body)


def _in_force(active: Sequence[ActiveExclusion], hide_names: bool, zone: ZoneInfo) -> list[Card]:
    """Each exclusion in force, with Lift."""
    section: list[Card] = []
    for item in active:
        when = item.set_at.astimezone(zone).strftime("%d/%m/%Y")
        pupil = pupil_name(item.student, hide=hide_names)
        reason = REASON_WORDS.get(item.reason, item.reason)
        section.append(
            text_run(f"{item.staff_name}: {pupil} ({reason}; {item.set_by_name}, {when})")
        )
        section.append(
            action_set(execute(Verb.EXCLUSION_LIFT, "Lift", exclusion=item.exclusion_id))
        )
    return section or [text_block("No exclusions are in force.")]


def _choices(matches: Sequence[StudentMatch], colleagues: Sequence[StaffMember]) -> list[Card]:
    """The pupils found, the colleagues to exclude, and the reasons."""
    pupils = [
        (f"{m.name} (Year {m.year_group}, {m.tutor_group})", str(m.student_id)) for m in matches
    ]
    return [
        choice_set("student_id", "Pupil", pupils),
        choice_set(
            "staff_id", "Colleague to exclude", [(c.display_name, str(c.id)) for c in colleagues]
        ),
        choice_set(
            "reason", "Reason", [(words, reason.value) for reason, words in REASON_WORDS.items()]
        ),
    ]
