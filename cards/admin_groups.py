"""The Alert groups section: each group with its members (retired ones marked), and the form to
add one or change the one opened; members are chosen from the school's staff in a drop-down
(Teams' people picker works only in some places, and knows nothing of Kestrel's staff)."""

from functools import partial

from cards.admin import Said, problem, record_buttons, said, section_card, shown_value
from cards.elements import Card, action_set, choice_set, execute, heading, text_input
from cards.verbs import Verb
from safeguarding.alert_groups import GroupsView
from safeguarding.school import AlertGroup

VERBS = (Verb.ADMIN_GROUP_SAVE, Verb.ADMIN_GROUP_RETIRE, Verb.ADMIN_GROUPS)


def groups_card(view: GroupsView, shown: Said) -> Card:
    """The groups, each with Edit, and the form below."""
    body: list[Card] = []
    for group in view.groups:
        body.append(said(_line(view, group)))
        body.append(action_set(execute(Verb.ADMIN_GROUP, "Edit", group=group.id)))
    body += _form(view)
    return section_card(
        "Alert groups", shown, body, record_buttons(view.editing, VERBS, "group", "Add group")
    )


def _line(view: GroupsView, group: AlertGroup) -> str:
    names = [view.staff[m].display_name for m in group.member_ids if m in view.staff]
    members = ", ".join(sorted(names)) or "nobody"
    return f"{group.name}{' (retired)' if group.retired else ''}: {members}"


def _form(view: GroupsView) -> list[Card]:
    editing = view.editing
    value = partial(shown_value, view.values)
    offered = {s.id: s.display_name for s in view.choosable}
    if editing is not None:  # a member who has since left stays offered, to be taken off
        offered |= {m: view.staff[m].display_name for m in editing.member_ids if m in view.staff}
    choices = [(name, str(i)) for i, name in sorted(offered.items(), key=lambda x: x[1])]
    members = ",".join(str(m) for m in (editing.member_ids if editing else ()))
    return [
        heading("Change a group" if editing else "Add a group"),
        *problem(view.errors, "form"),
        text_input("name", "Name", value=value("name", editing and editing.name)),
        *problem(view.errors, "name"),
        choice_set("members", "Members", choices, value=value("members", members), multi=True),
        *problem(view.errors, "members"),
    ]
