"""The School section: settings, term dates, and stopping the triage channel."""

from typing import Any

from bot.handlers.admin import said_of
from bot.turns import Turn
from cards.admin_school import school_card
from cards.elements import Card
from cards.payloads import NoIds, SchoolChange, TermRef
from safeguarding.services import school_settings
from safeguarding.services.press import Pressed


async def show(turn: Turn, _: NoIds) -> Card:
    """The school's settings, terms and triage channel."""
    return _card(await turn.run(school_settings.show_school))


async def save(turn: Turn, change: SchoolChange) -> Card:
    """Save the settings on the version the card showed."""
    return _card(await turn.run(school_settings.save_school, change.version, change.values))


async def add_term(turn: Turn, change: NoIds) -> Card:
    """Add the term typed."""
    return _card(await turn.run(school_settings.add_term, change.values))


async def remove_term(turn: Turn, ref: TermRef) -> Card:
    """Take a term off the dates."""
    if ref.record is None:
        return _card(await turn.run(school_settings.show_school))
    return _card(await turn.run(school_settings.remove_term, ref.record))


async def stop_triage(turn: Turn, _: NoIds) -> Card:
    """No more posts to the triage channel."""
    return _card(await turn.run(school_settings.stop_triage))


def _card(pressed: Pressed[Any]) -> Card:
    return school_card(pressed.outcome.view, said_of(pressed.outcome))
