"""Running a use case as a known member of staff: one press, as the bot would run it."""

from typing import Any

from safeguarding.identity import Caller
from safeguarding.services.press import Request, Rules, UseCase, run_press
from safeguarding.staff import StaffMember


async def press_as(
    uow_factory,
    clock,
    who: StaffMember,
    use_case: UseCase,
    *args: Any,
    conversation: str = "personal",
    rules: Rules | None = None,
    message_id: str = "",
) -> Any:
    """The outcome of `use_case(press, *args)` pressed by `who` (identified in the press)."""
    async with uow_factory() as uow:
        school = await uow.schools.by_id(who.school_id)
    request = Request(Caller(school.tenant_id, who.aad_object_id, conversation), None, message_id)
    pressed = await run_press(uow_factory, clock, rules or Rules(), request, use_case, *args)
    return pressed.outcome
