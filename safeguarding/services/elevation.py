"""Elevated access inside a press: enrolling an authenticator, a code typed on a card or on
Settings, and the DSL team's reset. A wrong code's count and audit are kept: it is answered
with an outcome (the press commits), never with an exception (that would roll it back)."""

from safeguarding.audit import AuditAction
from safeguarding.elevation import (
    Enrolment,
    OnlyInPersonalChat,
    enrolment_of,
    not_accepted,
)
from safeguarding.errors import NotAvailable
from safeguarding.outcomes import Done, Invalid
from safeguarding.preferences import Settings
from safeguarding.second_factor import SecondFactor
from safeguarding.services.press import Press
from safeguarding.services.settings import show_settings

ELEVATED = "Your access is elevated."
NOT_ENROLLED = "Set up elevated access first."
ALREADY_ENROLLED = "Your authenticator is already set up."
RESET = "Their authenticator was reset; they can set it up again."
CHOOSE = "Choose a colleague first."


async def check_code(press: Press, code: str) -> bool:
    """Whether this code elevates this member of staff now. A wrong code counts towards the
    lock-out and is audited (kept: the press commits whatever the answer)."""
    factor = await press.uow.second_factors.get(press.staff.id, for_update=True)
    if factor is None:
        return False
    return await _try(press, factor, code)


async def enrol_elevation(
    press: Press,
) -> Done[Enrolment] | Done[Settings] | Done[OnlyInPersonalChat]:
    """A new secret to scan (elevation.enrol): only in the 1:1 chat, only when not enrolled."""
    if press.conversation != "personal":
        return Done(OnlyInPersonalChat())
    existing = await press.uow.second_factors.get(press.staff.id, for_update=True)
    if existing is not None and existing.confirmed:
        return await show_settings(press, ALREADY_ENROLLED)
    factor = SecondFactor.new(press.staff.id)
    await press.uow.second_factors.save(factor)
    await press.audit(AuditAction.ELEVATION_ENROLMENT_STARTED, ("staff", press.staff.id))
    return Done(enrolment_of(factor, press.staff.email))


async def verify_code(
    press: Press, code: str
) -> Done[Settings] | Invalid[Enrolment] | Invalid[Settings]:
    """A code typed on Settings or the enrolment card (elevation.verify): confirms a new
    enrolment or elevates. A wrong one comes back with what was typed and why: on the same
    QR code while still enrolling, on Settings otherwise."""
    factor = await press.uow.second_factors.get(press.staff.id, for_update=True)
    if factor is None:
        return await show_settings(press, NOT_ENROLLED)
    if await _try(press, factor, code):
        return await show_settings(press, ELEVATED)
    errors = {"code": not_accepted(factor, press.now, press.school.time_zone)}
    if not factor.confirmed:
        return Invalid(errors, enrolment_of(factor, press.staff.email))
    shown = await show_settings(press, code=code, error=errors["code"])
    return Invalid(errors, shown.view)


async def reset_elevation(press: Press, staff_id: int | None) -> Done[Settings]:
    """The DSL team clears a colleague's enrolment (elevation.reset); anyone else, or a
    colleague of another school, is refused and audited."""
    if staff_id is None:
        return await show_settings(press, CHOOSE)
    target = await press.uow.staff.by_id(press.staff.school_id, staff_id)
    if not (press.staff.leads_safeguarding and target is not None):
        detail = {"verb": "elevation.reset"}
        await press.audit(AuditAction.ACCESS_REFUSED, ("staff", staff_id), detail)
        raise NotAvailable()
    await press.uow.second_factors.delete(staff_id)
    await press.audit(AuditAction.ELEVATION_RESET, ("staff", staff_id))
    return await show_settings(press, RESET)


async def _try(press: Press, factor: SecondFactor, code: str) -> bool:
    """Try the code (unless paused), keep the count, audit the answer."""
    record = ("staff", press.staff.id)
    if factor.is_locked(press.now):
        await press.audit(AuditAction.ELEVATION_LOCKED_OUT, record)
        return False
    accepted = factor.try_code(code, press.now, press.rules.elevation_lasts)
    await press.uow.second_factors.save(factor)
    action = AuditAction.ELEVATION_GRANTED if accepted else AuditAction.ELEVATION_FAILED
    await press.audit(action, record)
    return accepted
