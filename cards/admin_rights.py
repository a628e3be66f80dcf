"""The Rights section: proposals waiting for the DSL team, a category's role matrix and named
colleagues' own rights; checking a change shows who gains or loses access before it is saved."""

from collections.abc import Mapping
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from cards.admin import Said, problem, said, section_card, shown_value, toggle_input
from cards.elements import Card, action_set, choice_set, execute, heading, text_block, text_input
from cards.settings import CODE_LABEL
from cards.verbs import Verb
from safeguarding.rights import CONFIGURABLE, RIGHT_WORDS, RIGHTS, RightsView
from safeguarding.staff import Role


def rights_card(view: RightsView, shown: Said, *, time_zone: str) -> Card:
    """Proposals (Confirm and Decline for the DSL team), the code box when one is needed,
    the category chosen and its rules, and what a checked change would do."""
    body = _proposals(view, ZoneInfo(time_zone)) + _code(view)
    choices = [(c.name + (" (retired)" if c.retired else ""), str(c.id)) for c in view.categories]
    chosen = str(view.category.id) if view.category else ""
    body += [
        heading("Category"),
        choice_set("category_id", "Category", choices, value=chosen, placeholder="Choose"),
        action_set(execute(Verb.ADMIN_RIGHTS, "Show rights")),
    ]
    if view.category is None:
        return section_card("Rights", shown, body, [])
    body += _matrix(view) + _named(view) + _change(view)
    return section_card("Rights", shown, body, [_save(view)])


def _proposals(view: RightsView, zone: ZoneInfo) -> list[Card]:
    if not view.proposals:
        return []
    body = [heading("Waiting for the DSL team")]
    for proposal in view.proposals:
        when = proposal.proposed_at.astimezone(zone).strftime("%H:%M on %-d %b")
        body.append(said(f"{proposal.category}: proposed by {proposal.proposed_by} at {when}."))
        body += [said(line) for line in proposal.lines]
        if view.decides:
            body.append(
                action_set(
                    execute(
                        Verb.ADMIN_PROPOSAL_CONFIRM, "Confirm with my code", proposal=proposal.id
                    ),
                    execute(Verb.ADMIN_PROPOSAL_DECLINE, "Decline", proposal=proposal.id),
                )
            )
    return body


def _code(view: RightsView) -> list[Card]:
    """One code box, for a proposal's Confirm or a change that widens access (DSL team)."""
    widening = view.change is not None and view.change.widens
    if not view.decides or not (view.proposals or widening):
        return []
    code = str(view.values.get("code") or "")
    box = text_input("code", CODE_LABEL, value=code[:8], placeholder="123456", max_length=8)
    return [box, *problem(view.errors, "code")]


def _matrix(view: RightsView) -> list[Card]:
    """Restricted, and each role's three rights (administrators: recording only)."""
    rights, values = view.rights, view.values
    assert rights is not None
    value = partial(shown_value, values)
    body: list[Card] = [
        said(f"{view.category.name}" if view.category else ""),
        toggle_input(
            "restricted",
            "Restricted: viewing needs elevated access",
            value("restricted", rights.restricted),
        ),
        text_block("The DSL and deputies always have every right.", subtle=True),
    ]
    for role in CONFIGURABLE:
        body.append(text_block(f"**{role.title}**"))
        body += _toggles(f"role_{role.value}", role, rights.of_role(role), values)
    return body


def _named(view: RightsView) -> list[Card]:
    """Colleagues with rights of their own (Keep off: their role's again), and one to add."""
    rights = view.rights
    assert rights is not None
    names = {s.id: s for s in view.colleagues}
    body: list[Card] = [heading("Named colleagues")]
    for staff_id, own in rights.by_staff.items():
        member = names.get(staff_id)
        if member is None:
            continue
        body.append(said(f"{member.display_name} ({member.role.title})"))
        body += _toggles(f"staff_{staff_id}", member.role, own, view.values)
        keep = shown_value(view.values, f"staff_{staff_id}_keep", True)
        body.append(toggle_input(f"staff_{staff_id}_keep", "Keep their own rights", keep))
    others = [(s.display_name, str(s.id)) for s in view.colleagues if s.id not in rights.by_staff]
    new = shown_value(view.values, "new_staff", "")
    body.append(
        choice_set(
            "new_staff",
            "Give a colleague their own rights",
            others,
            value=new,
            placeholder="Nobody",
        )
    )
    body += problem(view.errors, "new_staff")
    body += _toggles("new", Role.STAFF, None, view.values)
    return body


def _toggles(prefix: str, role: Role, rights: Any, values: Mapping[str, Any]) -> list[Card]:
    names = ("add_incidents",) if role == Role.ADMINISTRATOR else RIGHTS
    return [
        toggle_input(
            f"{prefix}_{name}",
            RIGHT_WORDS[name],
            shown_value(values, f"{prefix}_{name}", bool(rights and getattr(rights, name))),
        )
        for name in names
    ]


def _change(view: RightsView) -> list[Card]:
    if view.change is None:
        return []
    lines = view.change.lines or ("Nobody's access changes.",)
    body = [heading("Check before saving"), *(said(line) for line in lines)]
    if view.change.widens and view.decides:
        body.append(
            text_block("This widens access to a restricted category: enter your code above.")
        )
    elif view.change.widens:
        body.append(
            text_block(
                "This widens access to a restricted category: it goes to the DSL team, and "
                "applies once one of them confirms it with their authenticator code."
            )
        )
    return body


def _save(view: RightsView) -> Card:
    assert view.category is not None
    ref: dict[str, Any] = {"category": view.category.id, "ver": view.category.version}
    if view.change is None or not view.token:
        return execute(Verb.ADMIN_RIGHTS_SAVE, "Check changes", **ref)
    title = "Save"
    if view.change.widens:
        title = "Save with my code" if view.decides else "Propose to the DSL team"
    return execute(Verb.ADMIN_RIGHTS_SAVE, title, **ref, confirm=view.token)
