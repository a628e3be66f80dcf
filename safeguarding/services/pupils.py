"""A pupil's record inside a press: finding the pupil, the record with a page of its
chronology (filtered), the export button, and the whole chronology an export link prints.

Each use case decides, reads, audits and answers in its press's one unit of work.
"""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from safeguarding.access import AccessPolicy, Viewer
from safeguarding.audit import AuditAction
from safeguarding.chronology import (
    PAGE,
    PERSONAL_ONLY,
    ChronologyExport,
    ChronologyFilter,
    Entry,
    PupilMatches,
    PupilRecord,
    chronology_entries,
    entry_text,
    matching,
    may_view_pupil,
    may_view_pupils,
    monitoring,
    open_cases,
    opens_here,
    page_of,
    page_offset,
    read_filter,
    readable_incidents,
    viewed_detail,
    visible_pupils,
)
from safeguarding.errors import InvalidInput
from safeguarding.outcomes import Done, Invalid, Refused
from safeguarding.ports import UnitOfWork
from safeguarding.school import Student
from safeguarding.services.elevation import check_code
from safeguarding.services.press import Press
from safeguarding.services.search import students_matching
from safeguarding.services.typed_words import held_words, hold_words
from safeguarding.services.viewing import WRONG_CODE, viewer_and_policy

MAX_QUERY = 100
ONLY_IN_PERSONAL_CHAT = Refused({"reason": PERSONAL_ONLY})

RecordAnswer = Done[PupilRecord] | Invalid[Done[PupilRecord]] | Refused


async def open_pupil_search(press: Press, text: str) -> Done[str] | Refused:
    """`student <name>` (student.open): a token for the words typed (held here), to post on a
    Find button: Teams keeps the button, never the name."""
    if not opens_here(press.conversation):
        return ONLY_IN_PERSONAL_CHAT
    return Done(await hold_words(press, text[:MAX_QUERY]))


async def find_pupils(press: Press, text: str, words: str = "") -> Done[PupilMatches] | Refused:
    """Find (student.find): the pupils matching the name typed on the card (or held behind
    `words`, from the command), for someone who may open records."""
    if not opens_here(press.conversation):
        return ONLY_IN_PERSONAL_CHAT
    policy = await press.uow.access.policy(press.staff.school_id)
    if not may_view_pupils(press.staff, policy):
        await press.refuse("student.find", ("staff", press.staff.id))
    query = (text or await held_words(press, words)).strip()[:MAX_QUERY]
    leavers = press.staff.leads_safeguarding  # the DSL team still finds pupils who have left
    return Done(PupilMatches(query, tuple(await students_matching(press, query, leavers=leavers))))


async def show_pupil(
    press: Press, student_id: int, values: Mapping[str, Any], offset: int = 0, code: str = ""
) -> RecordAnswer:
    """The record (student.show): a code typed on it is checked first; a filter that does not
    read comes back with what to fix, over the record unfiltered."""
    if not opens_here(press.conversation):
        return ONLY_IN_PERSONAL_CHAT
    notice = WRONG_CODE if code and not await check_code(press, code) else ""
    try:
        chosen = read_filter(values, await _category_ids(press))
    except InvalidInput as invalid:
        record = await open_pupil(press, student_id, offset=page_offset(offset), notice=notice)
        return Invalid(invalid.errors, record)
    return await open_pupil(press, student_id, chosen, page_offset(offset), notice=notice)


async def open_pupil(
    press: Press,
    student_id: int,
    chosen: ChronologyFilter = ChronologyFilter(),
    offset: int = 0,
    limit: int | None = PAGE,
    notice: str = "",
) -> Done[PupilRecord]:
    """The pupil's record with one page of the chronology (limit None: all of it), audited;
    refused (and audited) for someone who may not open it."""
    record = await _record(press, student_id, chosen, offset, limit, AuditAction.STUDENT_VIEWED)
    return Done(record, notice)


async def request_export(
    press: Press, student_id: int, values: Mapping[str, Any], offset: int = 0, code: str = ""
) -> Done[ChronologyExport] | RecordAnswer:
    """Export chronology (student.export): the pupil and the filter for a signed link; the PDF
    and its audit come when the link is opened. A wrong date: the record with what to fix."""
    if not opens_here(press.conversation):
        return ONLY_IN_PERSONAL_CHAT
    try:
        chosen = read_filter(values, await _category_ids(press))
    except InvalidInput:
        return await show_pupil(press, student_id, values, offset, code)
    return Done(ChronologyExport(await allowed_pupil(press, student_id), chosen))


async def export_chronology(
    press: Press, student_id: int, chosen: ChronologyFilter
) -> Done[PupilRecord]:
    """The whole chronology for an export link's member of staff, decided again now, with its
    incidents' body maps; the export is audited (with how many entries and the filter)."""
    audit = AuditAction.CHRONOLOGY_EXPORTED
    record = await _record(press, student_id, chosen, 0, None, audit)
    shown = [e.incident.id for e in record.entries if e.kind == "incident"]
    markers = await press.uow.incidents.markers_of(shown)
    return Done(replace(record, markers={i: tuple(m) for i, m in markers.items() if m}))


async def allowed_pupil(
    press: Press, student_id: int, decider: tuple[Viewer, AccessPolicy] | None = None
) -> Student:
    """The pupil, for someone who may open their record (refused and audited otherwise)."""
    student = await press.uow.students.by_id(press.staff.school_id, student_id)
    viewer, policy = decider or await viewer_and_policy(press.uow, press.staff, press.now)
    if student is None or not may_view_pupil(viewer, policy, student, press.now):
        await press.refuse("student.show", ("student", student_id))
    return student


async def _record(
    press: Press,
    student_id: int,
    chosen: ChronologyFilter,
    offset: int,
    limit: int | None,
    audit: AuditAction,
) -> PupilRecord:
    uow, actor, now = press.uow, press.staff, press.now
    viewer, policy = await viewer_and_policy(uow, actor, now)
    student = await allowed_pupil(press, student_id, (viewer, policy))
    categories = await uow.categories.list(actor.school_id)
    heads = await uow.incidents.heads_of_pupil(actor.school_id, student_id)
    visible, held_back = readable_incidents(heads, viewer, policy, now)
    ids = [i.id for i in visible]
    entries, actions_held = chronology_entries(
        student_id,
        visible,
        await uow.actions.heads(ids),
        await uow.cases.decisions(ids),
        (viewer, policy, now),
    )
    found = matching(entries, chosen, press.school.time_zone)
    page = page_of(found, offset, limit)
    if limit is None:  # an export: each incident printed with its other pupils
        page = await _with_facts(uow, actor.school_id, page)
    page = await _decrypted(uow, page)
    documents = await uow.attachments.on_incidents(ids)
    by_id = {i.id: i for i in visible}
    await press.audit(
        audit, ("student", student_id), viewed_detail(page, offset, len(found), chosen)
    )
    return PupilRecord(
        student=student,
        time_zone=press.school.time_zone,
        entries=tuple(page),
        total=len(found),
        offset=offset,
        held_back=held_back + actions_held,
        open_cases=open_cases(visible),
        monitoring=monitoring(visible, student_id, categories),
        documents=tuple((by_id[i], attachment) for i, attachment in documents),
        categories={c.id: c for c in categories},
        staff_names=await uow.staff.names(actor.school_id),
        chosen=chosen,
        oversees=actor.leads_safeguarding,
        visible_pupils=visible_pupils([e.incident for e in page], viewer, policy, now),
    )


async def _with_facts(uow: UnitOfWork, school_id: int, page: list[Entry]) -> list[Entry]:
    """The page's entries with their incidents' full facts (pupils by name) in place of heads."""
    facts = await uow.incidents.facts_of(school_id, [e.incident.id for e in page])
    return [replace(e, incident=facts[e.incident.id]) for e in page if e.incident.id in facts]


async def _decrypted(uow: UnitOfWork, page: list[Entry]) -> list[Entry]:
    """The page's texts, decrypted (only the page's)."""
    incidents = await uow.incidents.texts_of([e.incident.id for e in page if e.kind == "incident"])
    actions = await uow.actions.texts_of([e.action.id for e in page if e.action])
    reasons = await uow.cases.reasons_of(
        [(e.incident.id, e.decision.version) for e in page if e.decision]
    )
    return [replace(e, text=entry_text(e, incidents, actions, reasons)) for e in page]


async def _category_ids(press: Press) -> list[int]:
    return [c.id for c in await press.uow.categories.list(press.staff.school_id)]
