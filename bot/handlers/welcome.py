"""Help, and the main actions offered by the welcome card."""

from bot.turns import Turn
from cards.elements import Card
from cards.payloads import NoIds
from cards.welcome import welcome_card
from safeguarding.services.chats import note_chat


async def show_help(turn: Turn, _: NoIds) -> Card:
    """The welcome card, addressed to this member of staff."""
    who = (await turn.run(note_chat)).outcome
    return welcome_card(who.staff, who.school, schools=len(who.schools))
