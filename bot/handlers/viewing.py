"""Opening an incident, and the one way every incident answer becomes a card."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Turn
from cards.alerts import alert_copy_card
from cards.elements import Card, execute
from cards.incident_text import incident_text_card
from cards.incident_view import elevation_prompt_card, incident_card, status_card
from cards.notice import notice_card
from cards.pasted_original import original_card
from cards.payloads import AlertRef, OriginalPart, TextPage
from cards.verbs import Verb
from safeguarding.identity import Identified
from safeguarding.outcomes import Done, NeedsCode, Refused, Stale
from safeguarding.services.press import Pressed
from safeguarding.services.viewing import show_incident, show_original
from safeguarding.viewing import AlertCopy, IncidentStatus, IncidentView

NOT_AVAILABLE = ("Not available", "That record is not available.")


async def full_text(turn: Turn, page: TextPage) -> Card:
    """An incident's text in full, a page at a time (opening it is audited as a view)."""
    pressed = await turn.run(show_incident, page.incident)
    match pressed.outcome:
        case Done(view=IncidentView() as view):
            return incident_text_card(view, page.page)
    return incident_answer_card(turn, pressed)


async def show(turn: Turn, ref: AlertRef) -> Card:
    """The incident for this user only (an invoke response); a code in the data elevates first."""
    pressed = await turn.run(show_incident, ref.incident, ref.alert, ref.code)
    back = None
    if ref.from_dashboard:
        back = execute(Verb.DASHBOARD_SHOW, "Back to dashboard")
    elif ref.from_triage:
        back = execute(Verb.TRIAGE_SHOW, "Back", incident=ref.incident)
    return incident_answer_card(turn, pressed, back=back)


async def original(turn: Turn, ref: OriginalPart) -> Card:
    """Show the original: a pasted HTML email's source as text, for this user only."""
    pressed = await turn.run(show_original, ref.incident, ref.action)
    if isinstance(pressed.outcome, Done):
        return original_card(pressed.outcome.view, ref.part)
    return incident_answer_card(turn, pressed)  # the code prompt


def incident_answer_card(
    turn: Turn,
    pressed: Pressed[Any],
    retry: tuple[str, Mapping[str, Any]] | None = None,
    *,
    back: Card | None = None,
) -> Card:
    """The card for an outcome whose view is the incident (or why it cannot be shown).

    `retry` is the save (verb and what was typed) that a code prompt goes on with; an incident
    opened from the dashboard (or a triage post) offers the way `back` to it."""
    outcome = pressed.outcome
    match outcome:
        case NeedsCode(incident=incident, enrolled=enrolled, error=error):
            return elevation_prompt_card(incident, enrolled=enrolled, error=error, retry=retry)
        case Refused():
            return notice_card(*NOT_AVAILABLE)
        case Stale(what_changed=what, view=view):
            return _view_card(turn, pressed.who, view, what, changed_first=True)
        case Done(view=view, notice=notice):
            card = _view_card(turn, pressed.who, view, notice)
            if back is not None:
                card["actions"] = [*card.get("actions", []), back]
            return card
    raise TypeError(f"not an incident answer: {type(outcome).__name__}")


def _view_card(
    turn: Turn, who: Identified, view: Any, notice: str, *, changed_first: bool = False
) -> Card:
    if isinstance(view, Done):  # a use case that answers with open_incident's outcome
        return _view_card(turn, who, view.view, notice or view.notice, changed_first=changed_first)
    if isinstance(view, IncidentStatus):
        return status_card(view.reference, view.status.value)
    if isinstance(view, AlertCopy):
        return alert_copy_card(view.reference, view.incident_id)
    assert isinstance(view, IncidentView)
    return incident_card(
        view,
        hide_names=who.staff.hides_names_in(turn.conversation_type),
        body_map_url=turn.link(f"/files/body-map/{view.facts.id}.png", who),
        notice=notice,
        file_links=file_links(turn, who, [a.id for a in view.attachments]),
        changed_first=changed_first,
    )


def file_links(turn: Turn, who: Identified, attachment_ids: list[int]) -> dict[int, str]:
    """Signed, short-lived links to these files, for this member of staff only."""
    return {i: turn.link(f"/files/attachments/{who.school.id}/{i}", who) for i in attachment_ids}
