"""Settings: Hide names, and elevated access (enrol, elevate with a code, DSL team reset)."""

from typing import Any

from bot.turns import Turn
from cards.elements import Card
from cards.notice import notice_card
from cards.payloads import CodeEntry, ColleagueRef, NoIds, SettingsForm
from cards.settings import enrolment_card, settings_card
from safeguarding.elevation import Enrolment, OnlyInPersonalChat
from safeguarding.outcomes import Done, Invalid
from safeguarding.preferences import Settings
from safeguarding.services.elevation import enrol_elevation, reset_elevation, verify_code
from safeguarding.services.press import Pressed
from safeguarding.services.settings import save_settings
from safeguarding.services.settings import show_settings as settings_of

PERSONAL_ONLY = ("Elevated access", "Set up elevated access in your 1:1 chat with Kestrel.")


async def show_settings(turn: Turn, _: NoIds) -> Card:
    """The Settings card for this member of staff."""
    return settings_answer(await turn.run(settings_of))


async def save(turn: Turn, form: SettingsForm) -> Card:
    """Save the personal settings (Hide names)."""
    return settings_answer(await turn.run(save_settings, form.hide_names))


async def enrol(turn: Turn, _: NoIds) -> Card:
    """Start enrolment: the QR code, only in the 1:1 chat, only in this invoke response."""
    return settings_answer(await turn.run(enrol_elevation))


async def verify(turn: Turn, entry: CodeEntry) -> Card:
    """Check a code: confirms a new enrolment or elevates; a wrong code keeps what was typed."""
    return settings_answer(await turn.run(verify_code, entry.code), entry.code)


async def reset(turn: Turn, colleague: ColleagueRef) -> Card:
    """The DSL team resets a colleague's authenticator (the id is checked on the server)."""
    return settings_answer(await turn.run(reset_elevation, colleague.staff))


def settings_answer(pressed: Pressed[Any], code: str = "") -> Card:
    """The card for an outcome of the settings and elevation verbs."""
    time_zone = pressed.who.school.time_zone
    match pressed.outcome:
        case Done(view=Settings() as view, notice=notice):
            return _settings(view, time_zone, notice)
        case Done(view=Enrolment() as enrolment):
            return enrolment_card(enrolment)
        case Done(view=OnlyInPersonalChat()):
            return notice_card(*PERSONAL_ONLY)
        case Invalid(errors=errors, view=Enrolment() as enrolment):
            return enrolment_card(enrolment, code=code, error=errors["code"])
        case Invalid(view=Settings() as view):
            return _settings(view, time_zone)
    raise TypeError(f"not a settings answer: {type(pressed.outcome).__name__}")


def _settings(view: Settings, time_zone: str, notice: str = "") -> Card:
    return settings_card(
        view.staff,
        view.status,
        time_zone=time_zone,
        colleagues=view.colleagues,
        code=view.code,
        error=view.error,
        notice=notice,
    )
