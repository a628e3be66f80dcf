"""The DSL excluding a colleague from a pupil, pressed as the bot would (for tests' setup)."""

from safeguarding.services.exclusions import lift_exclusion, set_exclusion
from safeguarding.staff import StaffMember
from tests.support.presses import press_as


async def exclude(
    uow_factory, clock, dsl: StaffMember, staff_id: int, student_id: int, reason: str
) -> int:
    """Bar `staff_id` from `student_id` (exclusion.set by `dsl`); the exclusion's id."""
    done = await press_as(uow_factory, clock, dsl, set_exclusion, student_id, staff_id, reason, "")
    async with uow_factory() as uow:
        target = await uow.staff.by_id(dsl.school_id, staff_id)
    [exclusion] = [
        e.exclusion_id
        for e in done.view.active
        if e.student.id == student_id and e.staff_name == target.display_name
    ]
    return exclusion


async def lift(uow_factory, clock, dsl: StaffMember, exclusion_id: int) -> None:
    """End an exclusion (exclusion.lift by `dsl`)."""
    await press_as(uow_factory, clock, dsl, lift_exclusion, exclusion_id)
