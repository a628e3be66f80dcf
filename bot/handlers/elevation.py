"""Settings: Hide names, and elevated access (enrol, elevate with a code, DSL team reset)."""

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.turns import Turn
from cards.elements import Card
from cards.notice import notice_card
from cards.settings import enrolment_card, settings_card
from safeguarding.errors import ElevationLocked, InvalidInput, NotPermitted
from safeguarding.preferences import set_hide_names
from safeguarding.staff import StaffMember


async def show_settings(
    turn: Turn, data: Mapping[str, Any], updated: StaffMember | None = None, **shown: str
) -> Card:
    """The Settings card for this member of staff."""
    elevation, staff = turn.services.elevation, updated or turn.who.staff
    return settings_card(
        staff,
        await elevation.status(staff),
        colleagues=await elevation.resettable_colleagues(staff),
        time_zone=turn.who.school.time_zone,
        **shown,
    )


async def save(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Save the personal settings (Hide names)."""
    hide = str(data.get("hide_names", "false")).lower() == "true"
    services, who = turn.services, turn.who.staff
    updated = await set_hide_names(
        who,
        hide,
        uow_factory=services.uow_factory,
        clock=services.clock,
        conversation_type=turn.conversation_type,
    )
    return await show_settings(turn, data, updated, notice="Your settings are saved.")


async def enrol(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Start enrolment: the QR code, only in the 1:1 chat, only in this invoke response."""
    try:
        enrolment = await turn.services.elevation.start_enrolment(
            turn.who.staff, turn.conversation_type
        )
    except NotPermitted:
        if turn.conversation_type != "personal":
            return notice_card(
                "Elevated access", "Set up elevated access in your 1:1 chat with Kestrel."
            )
        return await show_settings(turn, data, notice="Your authenticator is already set up.")
    return enrolment_card(enrolment)


async def verify(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Check a code: confirms a new enrolment or elevates; a wrong code keeps what was typed."""
    code = str(data.get("code", ""))
    elevation, staff = turn.services.elevation, turn.who.staff
    try:
        await elevation.submit_code(staff, code, turn.conversation_type)
    except (InvalidInput, ElevationLocked) as wrong:
        error = _words(wrong, turn.who.school.time_zone)
        pending = await elevation.pending_enrolment(staff)
        if pending is not None:  # still enrolling: the same QR code again, with what was typed
            return enrolment_card(pending, code=code, error=error)
        return await show_settings(turn, data, code=code, error=error)
    except NotPermitted:
        return await show_settings(turn, data, notice="Set up elevated access first.")
    return await show_settings(turn, data, notice="Your access is elevated.")


def _words(error: InvalidInput | ElevationLocked, time_zone: str) -> str:
    if isinstance(error, ElevationLocked):
        until = error.until.astimezone(ZoneInfo(time_zone)).strftime("%H:%M")
        return f"Too many wrong codes: elevated access is paused until {until}."
    return error.errors["code"]


async def reset(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The DSL team resets a colleague's authenticator (the id is checked on the server)."""
    raw = str(data.get("staff_id", ""))
    if not (raw.isascii() and raw.isdecimal()):
        return await show_settings(turn, data, notice="Choose a colleague first.")
    await turn.services.elevation.reset(turn.who.staff, int(raw), turn.conversation_type)
    return await show_settings(
        turn, data, notice="Their authenticator was reset; they can set it up again."
    )
