"""The DSL team's triage channel: `triage here` / `triage off`, and a post's own view."""

from bot.turns import Turn
from cards.elements import Card
from cards.payloads import IncidentRef, Words
from cards.triage import triage_card, triage_choice_card, triage_stub_card
from safeguarding.services.triage import choose_triage_channel, show_triage_post


async def choose(turn: Turn, words: Words) -> Card:
    """`triage here` in a team's channel (or `triage off`): the DSL team's choice, answered."""
    pressed = await turn.run(choose_triage_channel, words.text, turn.request.channel)
    choice = pressed.outcome.view
    return triage_choice_card(choice.outcome, choice.school)


async def show(turn: Turn, ref: IncidentRef) -> Card:
    """A triage post's view for this user (its refresh, or Open): details for the DSL team."""
    pressed = await turn.run(show_triage_post, ref.incident)
    view, staff = pressed.outcome.view, pressed.who.staff
    if view.line is None:
        return triage_stub_card(view.stub, view.time_zone, ())
    hide = staff.hides_names_in(turn.conversation_type)
    return triage_card(view.stub, view.time_zone, view.line, hide)
