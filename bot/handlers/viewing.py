"""Opening an incident: authorised on the server, elevated where needed, audited."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Turn, record_id
from cards.alerts import alert_copy_card
from cards.elements import Card
from cards.incident_view import elevation_prompt_card, incident_card, status_card
from cards.notice import notice_card
from safeguarding.errors import ElevationLocked, InvalidInput, NeedsElevation, NotPermitted
from safeguarding.incidents import reference
from safeguarding.viewing import StatusOnly, view_incident


async def show(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The incident for this user only (an invoke response); a code in the data elevates first."""
    incident = data.get("incident")
    if record_id(incident) is None:
        return notice_card("Not available", "That record is not available.")
    services, staff = turn.services, turn.who.staff
    alert = data.get("alert")  # an alert's refresh: a second copy of it stands aside
    if record_id(alert) and await services.outbox.is_copy(staff, alert, turn.message_id):
        return alert_copy_card(reference(incident), incident)
    if data.get("code"):
        try:
            await services.elevation.submit_code(staff, str(data["code"]), turn.conversation_type)
        except (InvalidInput, ElevationLocked, NotPermitted):
            return elevation_prompt_card(incident, enrolled=True, error="That code did not work.")
    return await incident_answer(turn, incident)


async def incident_answer(turn: Turn, incident: int, notice: str = "") -> Card:
    """The incident card for this user (viewing it is audited), or why they cannot see it."""
    services, staff = turn.services, turn.who.staff
    try:
        view = await view_incident(
            staff,
            incident,
            turn.conversation_type,
            uow_factory=services.uow_factory,
            clock=services.clock,
        )
    except NeedsElevation:
        return await elevation_answer(turn, incident)
    except StatusOnly as only:
        return status_card(only.reference, only.status.value)
    path = f"/files/body-map/{incident}.png"
    return incident_card(
        view,
        hide_names=staff.hides_names_in(turn.conversation_type),
        body_map_url=services.public_url + services.links.link(path, staff.id),
        can_attach=view.facts.recorded_by == staff.id or staff.leads_safeguarding,
        oversees=staff.leads_safeguarding,
        notice=notice,
        file_links=file_links(turn, [a.id for a in view.attachments]),
    )


def file_links(turn: Turn, attachment_ids: list[int]) -> dict[int, str]:
    """Signed, short-lived links to these files, for this member of staff only."""
    services, school = turn.services, turn.who.school.id
    return {
        i: services.public_url
        + services.links.link(f"/files/attachments/{school}/{i}", turn.who.staff.id)
        for i in attachment_ids
    }


async def elevation_answer(
    turn: Turn,
    incident: int,
    retry: tuple[str, Mapping[str, Any]] | None = None,
    error: str = "",
) -> Card:
    """Restricted or historic: the prompt for the authenticator code (and, for a save, a
    Continue that carries everything typed)."""
    enrolled = (await turn.services.elevation.status(turn.who.staff)).enrolled
    return elevation_prompt_card(incident, enrolled=enrolled, error=error, retry=retry)


async def code_first(turn: Turn, data: Mapping[str, Any], incident: int, verb: str) -> Card | None:
    """A code sent with a save (after the prompt): checked first; the prompt again if wrong."""
    if not data.get("code"):
        return None
    try:
        await turn.services.elevation.submit_code(
            turn.who.staff, str(data["code"]), turn.conversation_type
        )
    except (InvalidInput, ElevationLocked, NotPermitted):
        return await elevation_answer(turn, incident, (verb, data), "That code did not work.")
    return None
