"""Opening an incident: authorised on the server, elevated where needed, audited."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Turn
from cards.elements import Card
from cards.incident_view import elevation_prompt_card, incident_card, status_card
from cards.notice import notice_card
from safeguarding.errors import ElevationLocked, InvalidInput, NotPermitted
from safeguarding.viewing import NeedsElevation, StatusOnly, view_incident


async def show(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The incident for this user only (an invoke response); a code in the data elevates first."""
    incident = data.get("incident")
    if type(incident) is not int:
        return notice_card("Not available", "That record is not available.")
    services, staff = turn.services, turn.who.staff
    if data.get("code"):
        try:
            await services.elevation.submit_code(staff, str(data["code"]), turn.conversation_type)
        except (InvalidInput, ElevationLocked, NotPermitted):
            return elevation_prompt_card(incident, enrolled=True, error="That code did not work.")
    try:
        view = await view_incident(
            staff,
            incident,
            turn.conversation_type,
            uow_factory=services.uow_factory,
            clock=services.clock,
        )
    except NeedsElevation:
        enrolled = (await services.elevation.status(staff)).enrolled
        return elevation_prompt_card(incident, enrolled=enrolled)
    except StatusOnly as only:
        return status_card(only.reference, only.status.value)
    path = f"/files/body-map/{incident}.png"
    return incident_card(
        view,
        hide_names=staff.hides_names_in(turn.conversation_type),
        body_map_url=services.public_url + services.links.link(path, staff.id),
        can_attach=view.facts.recorded_by == staff.id or staff.leads_safeguarding,
        oversees=staff.leads_safeguarding,
    )
