"""Settings inside a press: the card's view, and saving Hide names."""

from dataclasses import replace

from safeguarding.audit import AuditAction
from safeguarding.elevation import elevation_status
from safeguarding.outcomes import Done
from safeguarding.preferences import Settings, resettable
from safeguarding.services.press import Press
from safeguarding.staff import StaffMember


async def show_settings(
    press: Press,
    notice: str = "",
    *,
    staff: StaffMember | None = None,
    code: str = "",
    error: str = "",
) -> Done[Settings]:
    """The Settings card's view for this member of staff (settings.show, and every answer
    of the elevation verbs): where their elevated access stands, as of now."""
    staff = staff or press.staff
    factor = await press.uow.second_factors.get(staff.id)
    colleagues: tuple[StaffMember, ...] = ()
    if staff.leads_safeguarding:  # (only the DSL team's card lists them)
        enrolled = await press.uow.second_factors.enrolled(staff.school_id)
        colleagues = resettable(staff, enrolled)
    status = elevation_status(factor, press.now)
    return Done(Settings(staff, status, colleagues, code, error), notice)


async def save_settings(press: Press, hide_names: bool) -> Done[Settings]:
    """Show pupils as initials everywhere (or not: outside the 1:1 chat they always are)."""
    await press.uow.staff.set_hide_names(press.staff.id, hide_names)
    record = ("staff", press.staff.id)
    await press.audit(AuditAction.SETTINGS_CHANGED, record, {"hide_names": hide_names})
    updated = replace(press.staff, hide_names=hide_names)
    return await show_settings(press, "Your settings are saved.", staff=updated)
