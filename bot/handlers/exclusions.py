"""The DSL's exclusions: list, find a pupil, exclude a colleague, lift an exclusion."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Turn
from cards.elements import Card
from cards.exclusions import exclusions_card, exclusions_stub_card
from cards.notice import notice_card
from safeguarding.search import find_students
from safeguarding.staff import Role


async def open_exclusions(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The chat-safe stub the `exclusions` command posts (the list opens in place)."""
    if turn.who.staff.role != Role.DSL:
        return notice_card("Exclusions", "Exclusions are set by the Designated Safeguarding Lead.")
    return exclusions_stub_card()


async def show(turn: Turn, data: Mapping[str, Any], **shown: Any) -> Card:
    """The exclusions in force and the form to add one (DSL only, checked by the use case)."""
    exclusions, staff = turn.services.exclusions, turn.who.staff
    active = await exclusions.active(staff, turn.conversation_type)
    return exclusions_card(
        active,
        hide_names=staff.hides_names_in(turn.conversation_type),
        time_zone=turn.who.school.time_zone,
        **shown,
    )


async def find(turn: Turn, data: Mapping[str, Any], error: str = "") -> Card:
    """Pupils matching the typed name, to choose from (works where typeahead does not)."""
    query = str(data.get("pupil_query", ""))[:100]
    services = turn.services
    matches = await find_students(turn.who.staff, query, uow_factory=services.uow_factory)
    if not matches:
        return await show(turn, data, query=query, error="No pupil matches that name.")
    colleagues = await services.exclusions.colleagues(turn.who.staff)
    return await show(turn, data, query=query, matches=matches, colleagues=colleagues, error=error)


async def exclude(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Bar the chosen colleague from the chosen pupil; ids are checked by the use case."""
    student, staff, reason = (str(data.get(k, "")) for k in ("student_id", "staff_id", "reason"))
    if not all(_is_id(v) for v in (student, staff)) or not reason:
        missing = "Choose a pupil, a colleague and a reason."
        if data.get("pupil_query"):  # keep the search the DSL already made
            return await find(turn, data, error=missing)
        return await show(turn, data, error=missing)
    await turn.services.exclusions.exclude(
        turn.who.staff, int(staff), int(student), reason, turn.conversation_type
    )
    return await show(turn, data, notice="The exclusion is in force.")


async def lift(turn: Turn, data: Mapping[str, Any]) -> Card:
    """End an exclusion (it stays in the record as lifted)."""
    exclusion = data.get("exclusion")
    if type(exclusion) is not int:
        return await show(turn, data, error="That exclusion could not be read.")
    await turn.services.exclusions.lift(turn.who.staff, exclusion, turn.conversation_type)
    return await show(turn, data, notice="The exclusion was lifted.")


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdecimal()
