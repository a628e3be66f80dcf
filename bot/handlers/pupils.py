"""A pupil's record: `student <name>`, the record with its chronology, and the PDF export."""

from collections.abc import Mapping
from typing import Any

from bot.handlers.viewing import file_links
from bot.turns import Turn, record_id
from cards.elements import Card
from cards.notice import notice_card
from cards.pupil_record import (
    export_ready_card,
    find_pupil_stub_card,
    pupil_matches_card,
    pupil_record_card,
)
from cards.pupils import pupil_name
from safeguarding.chronology import ChronologyFilter, read_filter
from safeguarding.errors import ElevationLocked, InvalidInput, NotPermitted
from safeguarding.search import find_students

PRIVATE = (
    "Pupil records",
    "Pupil records open in your 1:1 chat with Kestrel only, never in a group chat or channel.",
)
LINK_MINUTES = 5


async def open_search(turn: Turn, data: Mapping[str, Any]) -> Card:
    """What `student <name>` posts (Teams keeps it): a button carrying only the typed words."""
    if turn.conversation_type != "personal":
        return notice_card(*PRIVATE)
    return find_pupil_stub_card(str(data.get("text") or ""))


async def find(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The pupils matching the name, for someone who may open pupil records."""
    if turn.conversation_type != "personal":
        return notice_card(*PRIVATE)
    services, staff = turn.services, turn.who.staff
    await services.chronologies.check_may_view_pupils(staff, turn.conversation_type)
    query = str(data.get("text") or "").strip()[:100]
    matches = await find_students(staff, query, uow_factory=services.uow_factory)
    return pupil_matches_card(query, matches, hide=staff.hides_names_in(turn.conversation_type))


async def show(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The record: overview, a page of the chronology (filtered), the documents."""
    student = data.get("student")
    if record_id(student) is None:
        return notice_card("Not available", "That record is not available.")
    if turn.conversation_type != "personal":
        return notice_card(*PRIVATE)
    services, staff = turn.services, turn.who.staff
    offset = data.get("offset") if type(data.get("offset")) is int else 0
    code_error = ""
    if data.get("code"):
        try:
            await services.elevation.submit_code(staff, str(data["code"]), turn.conversation_type)
        except (InvalidInput, ElevationLocked, NotPermitted):
            code_error = "That code did not work."
    categories = await services.chronologies.category_ids(staff)
    errors: dict[str, str] = {}
    try:
        chosen = read_filter(dict(data), categories)
    except InvalidInput as invalid:
        chosen, errors = ChronologyFilter(), dict(invalid.errors)
    record = await services.chronologies.record(
        staff,
        student,
        turn.conversation_type,
        chosen=chosen,
        offset=max(0, min(offset, 100_000)),
        time_zone=turn.who.school.time_zone,
    )
    card = pupil_record_card(
        record,
        hide_names=staff.hides_names_in(turn.conversation_type),
        oversees=staff.leads_safeguarding,
        filter_values=dict(data),
        errors=errors,
        document_links=file_links(turn, turn.who, [a.id for _, a in record.documents]),
    )
    if code_error:
        card["body"].insert(1, {"type": "TextBlock", "text": code_error, "color": "Attention"})
    return card


async def export(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Export chronology (PDF): a signed link for this member of staff; building the PDF and
    the audit happen when it is opened (access is decided again then)."""
    student = data.get("student")
    if record_id(student) is None:
        return notice_card("Not available", "That record is not available.")
    if turn.conversation_type != "personal":
        return notice_card(*PRIVATE)
    services, staff = turn.services, turn.who.staff
    try:
        chosen = read_filter(dict(data), await services.chronologies.category_ids(staff))
    except InvalidInput:
        return await show(turn, data)  # the record again, with what to fix in the filter
    found = await services.chronologies.pupil(staff, student, turn.conversation_type)
    path = export_path(turn.who.school.id, student, chosen)
    url = services.public_url + services.links.link(path, staff.id, LINK_MINUTES * 60)
    name = pupil_name(found, hide=staff.hides_names_in(turn.conversation_type))
    return export_ready_card(name, url, LINK_MINUTES)


def export_path(school_id: int, student_id: int, chosen: ChronologyFilter) -> str:
    """/files/chronology/<school>/<pupil>/<categories>/<from>/<to>.pdf ("-" for none)."""
    categories = "-".join(str(c) for c in sorted(chosen.category_ids)) or "all"
    since = chosen.since.isoformat() if chosen.since else "-"
    until = chosen.until.isoformat() if chosen.until else "-"
    return f"/files/chronology/{school_id}/{student_id}/{categories}/{since}/{until}.pdf"
