"""The schools a trust's colleague works in (`school`): names only, so Teams may keep it."""

from cards.elements import Card, adaptive_card, execute, heading, text_block, text_run
from cards.verbs import Verb
from safeguarding.outcomes import SchoolsView


def schools_card(view: SchoolsView) -> Card:
    """Each school, the working one marked, with Work in <name> for the others."""
    if len(view.schools) < 2:
        return adaptive_card(
            [heading("Your school"), text_run(f"You work in {view.working.name} only.")]
        )
    body = [heading("Your schools")]
    if view.switched:
        body.append(text_run(f"You now work in {view.working.name}."))
    body.append(
        text_block(
            "Kestrel works in one school at a time: what you record, find and see on your "
            "dashboard is that school's. Alerts from each school open in their own school.",
            subtle=True,
        )
    )
    for school in view.schools:
        mark = " (working here)" if school.id == view.working.id else ""
        body.append(text_run(f"{school.name}{mark}"))
    actions = [
        execute(Verb.SCHOOL_SWITCH, f"Work in {school.name}"[:60], to=school.id)
        for school in view.schools
        if school.id != view.working.id
    ]
    return adaptive_card(body, actions)
