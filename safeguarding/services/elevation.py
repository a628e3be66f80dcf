"""Elevated access inside a press: checking the authenticator code typed on a card."""

from safeguarding.audit import AuditAction
from safeguarding.services.press import Press


async def check_code(press: Press, code: str) -> bool:
    """Whether this code elevates this member of staff now. A wrong code counts towards the
    lock-out and is audited (kept: the press commits whatever the answer)."""
    factor = await press.uow.second_factors.get(press.staff.id, for_update=True)
    if factor is None:
        return False
    record = ("staff", press.staff.id)
    if factor.is_locked(press.now):
        await press.audit(AuditAction.ELEVATION_LOCKED_OUT, record)
        return False
    accepted = factor.try_code(code, press.now, press.rules.elevation_lasts)
    await press.uow.second_factors.save(factor)
    action = AuditAction.ELEVATION_GRANTED if accepted else AuditAction.ELEVATION_FAILED
    await press.audit(action, record)
    return accepted
