"""The Rights section inside a press: a category's role matrix and named colleagues' rights,
shown before saving (who gains or loses access), saved on the category's version; a change that
widens access to a restricted category needs the DSL team's authenticator code (an
administrator's becomes a proposal for them to confirm or decline)."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from safeguarding.access import AccessPolicy, Rights
from safeguarding.administration import Section, change_detail
from safeguarding.audit import AuditAction
from safeguarding.elevation import not_accepted
from safeguarding.errors import InvalidInput
from safeguarding.outcomes import Confirm, Done, Invalid, Stale
from safeguarding.rights import (
    CONFIGURABLE,
    CategoryRights,
    Proposal,
    ProposalLine,
    RightsView,
    access_change,
    confirm_token,
    current_rights,
    named_colleagues,
    read_rights_form,
    with_rights,
)
from safeguarding.school import Category
from safeguarding.services.administration import changes_since, guard
from safeguarding.services.elevation import check_code
from safeguarding.services.press import Press
from safeguarding.staff import StaffMember

NEEDS_CODE = "This widens access to a restricted category: enter your authenticator code."
NOT_ENROLLED = (
    "Widening access to a restricted category needs your authenticator: set it up in settings."
)
DECIDED = "It was decided already, or is not this school's."
PROPOSED = (
    "Sent to the DSL team: it applies once one of them confirms it with their authenticator code."
)


Answer = Done[RightsView] | Invalid[RightsView] | Stale[RightsView] | Confirm[RightsView]


async def show_rights(
    press: Press, category_id: int | None = None, notice: str = ""
) -> Done[RightsView]:
    """The Rights card: a category's matrix (when one is chosen), and the proposals waiting."""
    view, _, _ = await _loaded(press, category_id)
    return Done(view, notice)


async def save_rights(
    press: Press, category_id: int, seen: int, values: Mapping[str, Any], code: str, token: str
) -> Answer:
    """Check a category's new rules (the first press answers with who gains or loses what),
    then save them on the version the card showed; widening a restricted category's access
    takes a DSL team member's code, or becomes an administrator's proposal."""
    view, policy, staff = await _loaded(press, category_id)
    category, current = view.category, view.rights
    assert category is not None and current is not None
    typed = replace(view, values=values)
    if seen != category.version:
        return Stale(await changes_since(press, ("category", category.id), seen), typed)
    try:
        new = read_rights_form(values, current, view.colleagues)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, replace(typed, errors=invalid.errors))
    if new.detail() == current.detail():
        return Done(view, "Nothing was changed.")
    change = access_change(policy, with_rights(policy, category.id, new), category, staff)
    checked = replace(typed, change=change, token=confirm_token(new, seen))
    if token != checked.token:
        return Confirm(change.lines, checked.token, checked)
    if change.widens and not press.staff.leads_safeguarding:
        return await _propose(press, category, new)
    problem = await _code_problem(press, code) if change.widens else ""
    if problem:
        return Invalid({"code": problem}, replace(checked, errors={"code": problem}))
    if not await _apply(press, category, current, new, staff):
        return Stale(await changes_since(press, ("category", category.id), seen), typed)
    return await show_rights(press, category.id, "Saved: " + " ".join(change.lines))


async def confirm_proposal(press: Press, proposal_id: int, code: str) -> Answer:
    """A member of the DSL team confirms an administrator's proposal with their code; it
    applies only if the category's rights have not changed since it was proposed."""
    proposal, view = await _pending(press, proposal_id, "admin.proposal_confirm")
    if proposal is None:
        return Stale(DECIDED, view)
    category = next(c for c in view.categories if c.id == proposal.category_id)
    if category.version != proposal.category_version:
        await _decide(press, proposal, "superseded")
        what = f"The rights of {category.name} changed after this was proposed: it was not applied."
        return Stale(what, (await show_rights(press)).view)
    problem = await _code_problem(press, code)
    if problem:
        return Invalid({"code": problem}, replace(view, errors={"code": problem}))
    _, policy, staff = await _loaded(press, category.id)
    await _apply(press, category, current_rights(policy, category.id), proposal.rights, staff)
    await _decide(press, proposal, "confirmed")
    return await show_rights(
        press, category.id, f"Confirmed: the rights of {category.name} apply now."
    )


async def decline_proposal(press: Press, proposal_id: int) -> Answer:
    """A member of the DSL team declines an administrator's proposal: nothing changes."""
    proposal, view = await _pending(press, proposal_id, "admin.proposal_decline")
    if proposal is None:
        return Stale(DECIDED, view)
    await _decide(press, proposal, "declined")
    return await show_rights(press, notice="Declined: nothing was changed.")


async def _loaded(
    press: Press, category_id: int | None
) -> tuple[RightsView, AccessPolicy, list[StaffMember]]:
    """The view (refused and audited for a category that is not the school's), the school's
    policy and its staff."""
    await guard(press, Section.RIGHTS, "admin.rights")
    uow, school_id = press.uow, press.staff.school_id
    categories = tuple(await uow.categories.list(school_id))
    staff = list(await uow.staff.list(school_id))
    policy = await uow.access.policy(school_id)
    names = {s.id: s.display_name for s in staff}
    by_id = {c.id: c for c in categories}
    proposals = tuple(
        _line(p, by_id[p.category_id], names, policy, staff)
        for p in await uow.proposals.pending(school_id)
    )
    view = RightsView(
        categories, named_colleagues(staff), proposals, press.staff.leads_safeguarding
    )
    if category_id is None:
        return view, policy, staff
    if category_id not in by_id:
        await press.refuse("admin.rights", ("category", category_id))
    current = current_rights(policy, category_id)
    return replace(view, category=by_id[category_id], rights=current), policy, staff


def _line(
    proposal: Proposal,
    category: Category,
    names: Mapping[int, str],
    policy: AccessPolicy,
    staff: list[StaffMember],
) -> ProposalLine:
    """A waiting proposal as the card lists it, with what it would change now."""
    after = with_rights(policy, category.id, proposal.rights)
    return ProposalLine(
        proposal.id,
        category.name,
        names.get(proposal.proposed_by, "a former colleague"),
        proposal.proposed_at,
        access_change(policy, after, category, staff).lines,
    )


async def _pending(press: Press, proposal_id: int, verb: str) -> tuple[Proposal | None, RightsView]:
    """The school's proposal still waiting (None: decided meanwhile); the DSL team only."""
    view = (await show_rights(press)).view
    if not press.staff.leads_safeguarding:
        await press.refuse(verb)
    pending = await press.uow.proposals.pending(press.staff.school_id)
    found = next((p for p in pending if p.id == proposal_id), None)
    if found is None:  # decided meanwhile, or never this school's: said, and audited
        await press.audit(AuditAction.ACCESS_REFUSED, ("proposal", proposal_id), {"verb": verb})
    return found, view


async def _propose(press: Press, category: Category, new: CategoryRights) -> Done[RightsView]:
    uow, actor = press.uow, press.staff
    proposal = await uow.proposals.add(
        actor.school_id, category.id, category.version, new, actor.id, press.now
    )
    detail = {"version": category.version, "proposal": proposal, "rights": new.detail()}
    await press.audit(AuditAction.RIGHTS_PROPOSED, ("category", category.id), detail)
    return await show_rights(press, category.id, PROPOSED)


async def _decide(press: Press, proposal: Proposal, decision: str) -> None:
    school_id = press.staff.school_id
    await press.uow.proposals.decide(school_id, proposal.id, press.staff.id, press.now, decision)
    if decision == "declined":
        detail = {"proposal": proposal.id}
        await press.audit(AuditAction.RIGHTS_DECLINED, ("category", proposal.category_id), detail)


async def _apply(
    press: Press,
    category: Category,
    current: CategoryRights,
    new: CategoryRights,
    staff: list[StaffMember],
) -> bool:
    """The new rules on the version the card showed (False: a race lost, nothing written)."""
    if not await press.uow.categories.bump(category.id, category.version, new.restricted):
        return False
    await press.uow.access.replace_rights(category.id, new)
    changes = _changes(current, new, {s.id: s.display_name for s in staff})
    detail = change_detail(category.version + 1, changes) | {"rights": new.detail()}
    await press.audit(AuditAction.RIGHTS_CHANGED, ("category", category.id), detail)
    return True


async def _code_problem(press: Press, code: str) -> str:
    """Why the code does not widen access ("" when it was accepted: audited either way)."""
    factor = await press.uow.second_factors.get(press.staff.id)
    if factor is None or not factor.confirmed:
        return NOT_ENROLLED
    if not code:
        return NEEDS_CODE
    if await check_code(press, code):
        return ""
    factor = await press.uow.second_factors.get(press.staff.id)
    assert factor is not None
    return not_accepted(factor, press.now, press.school.time_zone)


def _changes(
    current: CategoryRights, new: CategoryRights, names: Mapping[int, str]
) -> dict[str, list[Any]]:
    """Each role's and named colleague's rights before and after, in words."""
    changes: dict[str, list[Any]] = {}
    if current.restricted != new.restricted:
        changes["restricted"] = [current.restricted, new.restricted]
    for role in CONFIGURABLE:
        before, after = current.of_role(role), new.of_role(role)
        if before != after:
            changes[role.title] = [_words(before), _words(after)]
    for staff_id in sorted({*current.by_staff, *new.by_staff}):
        before, after = current.by_staff.get(staff_id), new.by_staff.get(staff_id)
        if before != after:
            who = f"{names.get(staff_id, staff_id)}'s own rights"
            changes[who] = [_words(before), _words(after)]
    return changes


def _words(rights: Rights | None) -> str:
    if rights is None:
        return "their role's"
    said = [
        words
        for words, on in (
            ("view students", rights.view_students),
            ("view incidents", rights.view_incidents),
            ("add incidents", rights.add_incidents),
        )
        if on
    ]
    return ", ".join(said) or "none"
