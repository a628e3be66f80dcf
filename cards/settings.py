"""The Settings card and the elevated-access cards (enrolment QR code, code entry)."""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import segno

from cards.elements import (
    Card,
    adaptive_card,
    choice_set,
    execute,
    heading,
    text_block,
    text_input,
    text_run,
    warning,
)
from cards.verbs import Verb
from safeguarding.elevation import ElevationStatus, Enrolment
from safeguarding.staff import StaffMember

CODE_LABEL = "Six-digit code from your authenticator app"


def settings_card(
    staff: StaffMember,
    status: ElevationStatus,
    *,
    time_zone: str,
    colleagues: Sequence[StaffMember] = (),
    code: str = "",
    error: str = "",
    notice: str = "",
) -> Card:
    """Your settings: elevated access (and, for the DSL team, resetting a colleague's)."""
    body = [heading("Your Kestrel settings")]
    if notice:
        body.append(text_block(notice))
    body += _hide_names(staff)
    body += _elevated_access(status, ZoneInfo(time_zone), code, error)
    actions: list[Card] = [execute(Verb.SETTINGS_SAVE, "Save settings")]
    if status.enrolled:
        actions.append(execute(Verb.ELEVATION_VERIFY, "Elevate my access"))
    else:
        actions.append(execute(Verb.ELEVATION_ENROL, "Set up elevated access"))
    if staff.leads_safeguarding and colleagues:
        body += _reset(colleagues)
        actions.append(execute(Verb.ELEVATION_RESET, "Reset authenticator"))
    return adaptive_card(body, actions)


def _hide_names(staff: StaffMember) -> list[Card]:
    return [
        heading("Hide names"),
        {
            "type": "Input.Toggle",
            "id": "hide_names",
            "title": "Show pupils as initials everywhere",
            "value": "true" if staff.hide_names else "false",
            "valueOn": "true",
            "valueOff": "false",
        },
        text_block("In group chats and channels pupils are always shown as initials.", subtle=True),
    ]


def _elevated_access(status: ElevationStatus, zone: ZoneInfo, code: str, error: str) -> list[Card]:
    section = [heading("Elevated access"), text_block(_describe(status, zone))]
    if status.enrolled:
        section.append(
            text_input("code", CODE_LABEL, value=code, placeholder="123456", max_length=8)
        )
        if error:
            section.append(warning(error))
    return section


def _reset(colleagues: Sequence[StaffMember]) -> list[Card]:
    return [
        heading("Reset a colleague's authenticator"),
        choice_set("staff_id", "Colleague", [(c.display_name, str(c.id)) for c in colleagues]),
    ]


def enrolment_card(enrolment: Enrolment, *, code: str = "", error: str = "") -> Card:
    """The QR code to scan, shown once (an invoke response, which Teams does not keep)."""
    image = segno.make(enrolment.provisioning_uri, error="m").png_data_uri(scale=5, border=2)
    body = [
        heading("Set up elevated access"),
        text_block(
            "1. Open an authenticator app on your phone (Microsoft Authenticator, for example).\n"
            "2. Add an account and scan this code.\n"
            "3. Type the six-digit code it shows, then confirm."
        ),
        {"type": "Image", "url": image, "altText": "QR code for your authenticator app"},
        text_block("Cannot scan? Enter this key by hand:", subtle=True),
        text_run(" ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4))),
        text_input("code", CODE_LABEL, value=code, placeholder="123456", max_length=8),
    ]
    if error:
        body.append(warning(error))
    return adaptive_card(body, [execute(Verb.ELEVATION_VERIFY, "Confirm")])


def _describe(status: ElevationStatus, zone: ZoneInfo) -> str:
    if status.locked_until:
        return f"Paused after too many wrong codes, until {_time(status.locked_until, zone)}."
    if not status.enrolled:
        return (
            "Not set up. Viewing restricted or older records needs a code from an "
            "authenticator app. Set it up here, in your 1:1 chat with Kestrel."
        )
    if status.elevated_until:
        return f"Active until {_time(status.elevated_until, zone)}."
    return "Set up, not active now. Enter a code to elevate your access."


def _time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")
