"""A trust's colleague's schools: `school` lists them, Work in <name> switches."""

from bot.turns import Turn
from cards.elements import Card
from cards.payloads import NoIds, SchoolChoice
from cards.schools import schools_card
from safeguarding.services.trusts import show_schools, switch_school


async def show(turn: Turn, _: NoIds) -> Card:
    """The schools this colleague works in, the working one marked."""
    return schools_card((await turn.run(show_schools)).outcome)


async def switch(turn: Turn, choice: SchoolChoice) -> Card:
    """Work in the school chosen; the card again, saying so."""
    return schools_card((await turn.run(switch_school, choice.to)).outcome)
