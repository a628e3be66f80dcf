"""Merging pupils added by hand into the roster's: the list waiting, the merge card (suggestions,
a search, then the one chosen to confirm), and what the merge did. Invoke answers only."""

from cards.elements import (
    Card,
    action_set,
    adaptive_card,
    confirmation,
    execute,
    facts,
    heading,
    text_block,
    text_input,
    text_run,
    warning,
)
from cards.pupils import pupil_name
from cards.verbs import Verb
from safeguarding.merging import Merged, MergeView, ProvisionalPupils
from safeguarding.school import Student

SHOWN = 40  # pupils listed on one card (Teams refuses cards over 28 KB)


def provisional_card(view: ProvisionalPupils, *, hide: bool) -> Card:
    """The pupils added by hand that wait, each opening its merge card."""
    body: list[Card] = [
        heading("Pupils added by hand"),
        text_block(
            "Each was added with New student on the Add incident form. Merge each into the "
            "roster's pupil they turn out to be: their incidents move with them."
        ),
    ]
    if not view.pupils:
        body.append(text_block("None wait: every pupil is on the roster.", subtle=True))
    for pupil in view.pupils[:SHOWN]:
        merge = execute(Verb.STUDENT_MERGE_FORM, described(pupil, hide), student=pupil.id)
        body.append(action_set(merge))
    if len(view.pupils) > SHOWN:
        body.append(text_block(f"{len(view.pupils) - SHOWN} more: merge these first.", subtle=True))
    return adaptive_card(body)


def merge_card(view: MergeView, *, hide: bool) -> Card:
    """The pupil added by hand; then the roster's pupil chosen, to confirm, or the suggested
    ones and a search by name."""
    pupil = view.provisional
    body: list[Card] = [heading("Merge a pupil added by hand")]
    if view.error:
        body.append(warning(view.error))
    body.append(
        facts(
            [
                ("Added by hand", pupil_name(pupil, hide=hide)),
                ("Year", str(pupil.year_group)),
                ("Date of birth", _born(pupil) or "not given"),
                ("Incidents", f"{view.incidents}: they move with their actions and documents"),
            ]
        )
    )
    if view.chosen is not None:
        return adaptive_card(body + _confirm(view, view.chosen, hide))
    same = "same name and date of birth" if pupil.date_of_birth else "same name"
    body.append(text_block(f"**On the roster with the {same}**"))
    if not view.suggested:
        body.append(text_block("None: find the pupil by name.", subtle=True))
    body += [_choice(pupil, s, hide) for s in view.suggested]
    if view.found:
        body.append(text_run(f"On the roster, matching “{view.query}”"))
        body += [_choice(pupil, s, hide) for s in view.found]
    body += [
        text_input("merge_query", "Find the pupil on the roster by name", value=view.query),
        action_set(execute(Verb.STUDENT_MERGE_FORM, "Find", student=pupil.id)),
    ]
    return adaptive_card(body)


def merged_card(merged: Merged, *, hide: bool) -> Card:
    """What the merge did; the DSL team may open the record it went into."""
    moved = "1 incident moved" if merged.incidents == 1 else f"{merged.incidents} incidents moved"
    body = [
        heading("Merged"),
        confirmation(
            f"{pupil_name(merged.provisional, hide=hide)} is now "
            f"{pupil_name(merged.into, hide=hide)}: {moved}, each as a new version. Both "
            "pupils' audit trails record the merge."
        ),
    ]
    actions = [execute(Verb.STUDENT_PROVISIONAL, "Pupils added by hand")]
    if merged.opens_records:
        actions.insert(0, execute(Verb.STUDENT_SHOW, "Open the record", student=merged.into.id))
    return adaptive_card(body, actions)


def described(pupil: Student, hide: bool) -> str:
    """'Sam Taylor, Year 9, 9B, born 12/03/2013' (initials with Hide names on)."""
    parts = [pupil_name(pupil, hide=hide), f"Year {pupil.year_group}"]
    parts += [pupil.tutor_group] if pupil.tutor_group else []
    parts += [f"born {_born(pupil)}"] if pupil.date_of_birth else []
    parts += [f"left {pupil.left_on:%d/%m/%Y}"] if pupil.left_on else []
    return ", ".join(parts)


def _choice(provisional: Student, pupil: Student, hide: bool) -> Card:
    data = {"student": provisional.id, "into": pupil.id}
    return action_set(execute(Verb.STUDENT_MERGE_FORM, described(pupil, hide), **data))


def _confirm(view: MergeView, chosen: Student, hide: bool) -> list[Card]:
    pupil = view.provisional
    return [
        text_block(f"**Merge into {described(chosen, hide)}?**"),
        text_block(
            "Every incident moves to that pupil's record as a new version of it (History shows "
            "it); exclusions move too. The pupil added by hand is no longer offered."
        ),
        action_set(
            execute(Verb.STUDENT_MERGE, "Merge", student=pupil.id, into=chosen.id),
            execute(Verb.STUDENT_MERGE_FORM, "Choose another", student=pupil.id),
        ),
    ]


def _born(pupil: Student) -> str:
    return f"{pupil.date_of_birth:%d/%m/%Y}" if pupil.date_of_birth else ""
