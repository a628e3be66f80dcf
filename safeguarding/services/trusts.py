"""Several schools in one tenant (a trust): a colleague's schools, the one they work in, and
which schools' messages must name their school.

A person is (tenant, Entra object id) with one staff row per school they belong to; a press
works in one of those schools (services/press.py:identify). `school` lists them and
`school.switch` chooses the one presses work in when a button names none.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from safeguarding.alerts import Delivery
from safeguarding.audit import AuditAction
from safeguarding.errors import NotAvailable
from safeguarding.outcomes import SchoolsView
from safeguarding.ports import UnitOfWork
from safeguarding.services.press import Press
from safeguarding.triage import ChannelPost


async def show_schools(press: Press) -> SchoolsView:
    """The schools this colleague works in (`school` typed in their chat)."""
    return SchoolsView(press.who.schools or (press.school,), press.school)


async def switch_school(press: Press, school_id: int) -> SchoolsView:
    """Work in another of one's schools (school.switch): presses that name no school go there.
    A school that is not theirs is refused (audited), whether it exists or not."""
    schools = press.who.schools or (press.school,)
    chosen = next((s for s in schools if s.id == school_id), None)
    if chosen is None:
        await press.refuse("school.switch", ("school", school_id))
    await press.uow.staff.set_working_school(chosen.tenant_id, press.staff.aad_object_id, chosen.id)
    # Each school keeps its own audit chain: the switch is recorded in the school left and in
    # the school chosen (by this person's row there).
    detail = {"from": press.school.id, "to": chosen.id}
    await press.audit(AuditAction.SCHOOL_SWITCHED, ("school", chosen.id), detail)
    if chosen.id != press.school.id:
        staff_id = press.who.staff_ids[schools.index(chosen)]
        there = await press.uow.staff.by_id(chosen.id, staff_id)
        if there is None:
            raise NotAvailable()
        moved = replace(press, who=replace(press.who, staff=there, school=chosen))
        await moved.audit(AuditAction.SCHOOL_SWITCHED, ("school", chosen.id), detail)
    return SchoolsView(schools, chosen, switched=True)


async def schools_in_trusts(uow: UnitOfWork) -> frozenset[int]:
    """The schools that share their tenant with another school (their messages name them)."""
    tenants: dict[str, list[int]] = {}
    for school in await uow.schools.list():
        tenants.setdefault(school.tenant_id, []).append(school.id)
    return frozenset(i for ids in tenants.values() if len(ids) > 1 for i in ids)


Hinted = TypeVar("Hinted", Delivery, ChannelPost)


def with_hints(items: Sequence[Hinted], trusts: frozenset[int]) -> list[Hinted]:
    """Alerts or posts with `school_hint` set where their school is in a trust."""
    return [
        replace(item, school_hint=item.school_id) if item.school_id in trusts else item
        for item in items
    ]
