"""The DSL's exclusions: list, find a pupil, exclude a colleague, lift an exclusion."""

from typing import Any

from bot.turns import Turn
from cards.elements import Card
from cards.exclusions import exclusions_card, exclusions_stub_card
from cards.notice import notice_card
from cards.payloads import ExclusionForm, ExclusionRef, NoIds
from safeguarding.services import exclusions
from safeguarding.services.press import Pressed

DSL_ONLY = ("Exclusions", "Exclusions are set by the Designated Safeguarding Lead.")


async def open_exclusions(turn: Turn, _: NoIds) -> Card:
    """The chat-safe stub the `exclusions` command posts (the list opens in place)."""
    may_open = (await turn.run(exclusions.open_exclusions)).outcome.view
    return exclusions_stub_card() if may_open else notice_card(*DSL_ONLY)


async def show(turn: Turn, _: NoIds) -> Card:
    """The exclusions in force and the form to add one (DSL only, checked by the use case)."""
    return exclusions_answer(turn, await turn.run(exclusions.show_exclusions))


async def find(turn: Turn, form: ExclusionForm) -> Card:
    """Pupils matching the typed name, to choose from (works where typeahead does not)."""
    return exclusions_answer(turn, await turn.run(exclusions.find_pupil_to_exclude, form.query))


async def exclude(turn: Turn, form: ExclusionForm) -> Card:
    """Bar the chosen colleague from the chosen pupil; ids are checked by the use case."""
    chosen = (form.student, form.staff, form.reason, form.query)
    return exclusions_answer(turn, await turn.run(exclusions.set_exclusion, *chosen))


async def lift(turn: Turn, ref: ExclusionRef) -> Card:
    """End an exclusion (it stays in the record as lifted)."""
    return exclusions_answer(turn, await turn.run(exclusions.lift_exclusion, ref.exclusion))


def exclusions_answer(turn: Turn, pressed: Pressed[Any]) -> Card:
    """The exclusions card for the list as the press left it."""
    view, notice = pressed.outcome.view, pressed.outcome.notice
    return exclusions_card(
        view.active,
        hide_names=pressed.who.staff.hides_names_in(turn.conversation_type),
        time_zone=pressed.who.school.time_zone,
        query=view.query,
        matches=view.matches,
        colleagues=view.colleagues,
        notice=notice,
        error=view.error,
    )
