"""The Staff section: a colleague chosen from the school's staff (a drop-down that works where
Teams' people picker does not), their role and whether they are active, and their scope."""

from functools import partial

from cards.admin import Said, problem, said, section_card, shown_value, toggle_input
from cards.elements import Card, action_set, choice_set, execute, facts, heading, text_block
from cards.verbs import Verb
from safeguarding.access import Scope
from safeguarding.staff import Role
from safeguarding.staffing import StaffView, scope_words


def staff_card(view: StaffView, shown: Said) -> Card:
    """Where roles come from, the colleague chooser, and the chosen colleague's form."""
    body: list[Card] = []
    if view.role_groups:
        body.append(
            text_block(
                "Roles come from Microsoft Entra groups (KESTREL_ROLE_GROUPS): change group "
                "membership there. The mapping:"
            )
        )
        body.append(facts([(_role_title(role), group) for role, group in view.role_groups]))
    choices = [(_choice(view, s.id), str(s.id)) for s in view.staff]
    chosen = str(view.editing.id) if view.editing else ""
    body += [
        choice_set("staff_id", "Colleague", choices, value=chosen, placeholder="Choose"),
        action_set(execute(Verb.ADMIN_STAFF_MEMBER, "Open")),
    ]
    if view.editing is None:
        return section_card("Staff and scopes", shown, body, [])
    body += _member(view) + _scope(view)
    return section_card("Staff and scopes", shown, body, [])


def _choice(view: StaffView, staff_id: int) -> str:
    member = next(s for s in view.staff if s.id == staff_id)
    state = (
        "" if member.active else ", turned off here" if member.deactivated_here else ", inactive"
    )
    scope = view.scopes.get(staff_id, Scope())
    limited = f", {scope_words(scope)}" if scope.year_groups or scope.tutor_groups else ""
    return f"{member.display_name} ({member.role.title}{state}{limited})"


def _member(view: StaffView) -> list[Card]:
    """Role (read-only where the directory decides) and active, with Save."""
    member = view.editing
    assert member is not None
    value = partial(shown_value, view.values)
    body: list[Card] = [heading("Role"), said(f"{member.display_name} ({member.email})")]
    body += problem(view.errors, "form")
    if view.role_groups:
        body.append(text_block(f"Role: {member.role.title} (from Microsoft Entra)."))
    else:
        roles = [(r.title, r.value) for r in Role]
        body.append(choice_set("role", "Role", roles, value=value("role", member.role.value)))
    body += problem(view.errors, "role")
    body.append(toggle_input("active", "Active: uses Kestrel", value("active", member.active)))
    if view.role_groups:  # (synced from the directory: say what the switch does to a sync)
        body.append(text_block(_HELD if member.deactivated_here else _HOLDS, subtle=True))
    ref = {"staff": member.id, "ver": member.version}
    body.append(action_set(execute(Verb.ADMIN_STAFF_SAVE, "Save role", **ref)))
    return body


_HOLDS = "Turned off here, they stay inactive whatever the directory says, until turned on here."
_HELD = (
    "Turned off here by an administrator: the directory's sync keeps them inactive until they "
    "are turned on here again."
)


def _scope(view: StaffView) -> list[Card]:
    """Year and tutor groups the colleague is limited to (none: the whole school)."""
    member = view.editing
    assert member is not None
    scope = view.scopes.get(member.id, Scope())
    value = partial(shown_value, view.values)
    years = [(f"Year {y}", str(y)) for y in view.year_groups]
    tutors = [(t, t) for t in view.tutor_groups]
    chosen_years = value("year_groups", ",".join(str(y) for y in sorted(scope.year_groups)))
    chosen_tutors = value("tutor_groups", ",".join(sorted(scope.tutor_groups)))
    ref = {"staff": member.id, "ver": member.version}
    return [
        heading("Scope"),
        text_block(f"Now: {scope_words(scope)}. Choose none for the whole school.", subtle=True),
        choice_set("year_groups", "Year groups", years, value=chosen_years, multi=True),
        *problem(view.errors, "year_groups"),
        choice_set("tutor_groups", "Tutor groups", tutors, value=chosen_tutors, multi=True),
        *problem(view.errors, "tutor_groups"),
        action_set(execute(Verb.ADMIN_SCOPE_SAVE, "Save scope", **ref)),
    ]


def _role_title(role: str) -> str:
    return Role(role).title if role in {r.value for r in Role} else "Trust-wide DSL"
