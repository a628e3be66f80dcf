"""A pupil's record: `student <name>`, the record with its chronology, and the PDF export."""

from collections.abc import Mapping
from typing import Any

from bot.handlers.viewing import file_links
from bot.turns import Turn
from cards.elements import Card
from cards.notice import notice_card
from cards.payloads import RecordPage, Words
from cards.pupil_record import (
    export_ready_card,
    find_pupil_stub_card,
    pupil_matches_card,
    pupil_record_card,
)
from cards.pupils import pupil_name
from safeguarding.chronology import ChronologyExport, ChronologyFilter, PupilRecord
from safeguarding.identity import Identified
from safeguarding.outcomes import Done, Invalid
from safeguarding.services.press import Pressed
from safeguarding.services.pupils import (
    find_pupils,
    open_pupil_search,
    request_export,
    show_pupil,
)

PRIVATE = (
    "Pupil records",
    "Pupil records open in your 1:1 chat with Kestrel only, never in a group chat or channel.",
)
LINK_MINUTES = 5


async def open_search(turn: Turn, words: Words) -> Card:
    """What `student <name>` posts (Teams keeps it): a button with a token for the name."""
    match (await turn.run(open_pupil_search, words.text)).outcome:
        case Done(view=token):
            return find_pupil_stub_card(token)
    return notice_card(*PRIVATE)


async def find(turn: Turn, words: Words) -> Card:
    """The pupils matching the name, for someone who may open pupil records."""
    pressed = await turn.run(find_pupils, words.text, words.words)
    match pressed.outcome:
        case Done(view=found):
            hide = pressed.who.staff.hides_names_in(turn.conversation_type)
            return pupil_matches_card(found.query, found.matches, hide=hide)
    return notice_card(*PRIVATE)


async def show(turn: Turn, page: RecordPage) -> Card:
    """The record: overview, a page of the chronology (filtered), the documents."""
    pressed = await turn.run(show_pupil, page.student, page.values, page.offset, page.code)
    return record_answer_card(turn, pressed, page)


async def export(turn: Turn, page: RecordPage) -> Card:
    """Export chronology (PDF): a signed link for this member of staff; building the PDF and
    the audit happen when it is opened (access is decided again then)."""
    pressed = await turn.run(request_export, page.student, page.values, page.offset, page.code)
    match pressed.outcome:
        case Done(view=ChronologyExport(student=student, chosen=chosen)):
            path = export_path(pressed.who.school.id, student.id, chosen)
            signed = turn.services.links.link(path, pressed.who.staff.id, LINK_MINUTES * 60)
            url = turn.services.public_url + signed
            name = pupil_name(
                student, hide=pressed.who.staff.hides_names_in(turn.conversation_type)
            )
            return export_ready_card(name, url, LINK_MINUTES)
    return record_answer_card(turn, pressed, page)


def record_answer_card(turn: Turn, pressed: Pressed[Any], page: RecordPage) -> Card:
    """The record as shown (with what to fix in its filter), or why it does not open here."""
    match pressed.outcome:
        case Invalid(errors=errors, view=Done() as done):
            return _record_card(turn, pressed.who, page, done, errors)
        case Done(view=PupilRecord()) as done:
            return _record_card(turn, pressed.who, page, done)
    return notice_card(*PRIVATE)


def _record_card(
    turn: Turn,
    who: Identified,
    page: RecordPage,
    done: Done[PupilRecord],
    errors: Mapping[str, str] | None = None,
) -> Card:
    return pupil_record_card(
        done.view,
        hide_names=who.staff.hides_names_in(turn.conversation_type),
        filter_values=dict(page.values),
        errors=dict(errors or {}),
        document_links=file_links(turn, who, [a.id for _, a in done.view.documents]),
        notice=done.notice,
    )


def export_path(school_id: int, student_id: int, chosen: ChronologyFilter) -> str:
    """/files/chronology/<school>/<pupil>/<categories>/<from>/<to>.pdf ("-" for none)."""
    categories = "-".join(str(c) for c in sorted(chosen.category_ids)) or "all"
    since = chosen.since.isoformat() if chosen.since else "-"
    until = chosen.until.isoformat() if chosen.until else "-"
    return f"/files/chronology/{school_id}/{student_id}/{categories}/{since}/{until}.pdf"
