"""A pupil's record inside a press: finding the pupil, the record with a page of its
chronology (filtered), the export button, and the whole chronology an export link prints.

Each use case decides, reads, audits and answers in its press's one unit of work.
"""

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from safeguarding.access import AccessPolicy, Viewer, reading_rules
from safeguarding.audit import AuditAction
from safeguarding.chronology import (
    PAGE,
    PERSONAL_ONLY,
    ChronologyExport,
    ChronologyFilter,
    Entry,
    PupilMatches,
    PupilRecord,
    entry_text,
    may_view_pupil,
    may_view_pupils,
    monitoring,
    open_cases,
    opens_here,
    page_offset,
    read_filter,
    viewed_detail,
    visible_pupils,
)
from safeguarding.chronology_pages import (
    ChronologyIndex,
    checked_page,
    chronology_entries,
    chronology_query,
    matching,
    readable_incidents,
)
from safeguarding.errors import InvalidInput
from safeguarding.incidents import reference
from safeguarding.outcomes import Done, Invalid, Refused
from safeguarding.ports import UnitOfWork
from safeguarding.school import Student
from safeguarding.services.elevation import check_code
from safeguarding.services.press import Press
from safeguarding.services.search import students_matching
from safeguarding.services.typed_words import held_words, hold_words
from safeguarding.services.viewing import WRONG_CODE, viewer_and_policy

log = logging.getLogger(__name__)
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
    # Read after the code (it may have elevated them), with the school's categories.
    decider = await viewer_and_policy(press.uow, press.staff, press.now)
    at = page_offset(offset)
    try:
        chosen = read_filter(values, sorted(decider[1].categories))
    except InvalidInput as invalid:
        record = await _record(press, student_id, ChronologyFilter(), at, PAGE, decider=decider)
        return Invalid(invalid.errors, Done(record, notice))
    return Done(await _record(press, student_id, chosen, at, PAGE, decider=decider), notice)


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
    return Done(await _record(press, student_id, chosen, offset, limit), notice)


async def request_export(
    press: Press, student_id: int, values: Mapping[str, Any], offset: int = 0, code: str = ""
) -> Done[ChronologyExport] | RecordAnswer:
    """Export chronology (student.export): the pupil and the filter for a signed link; the PDF
    and its audit come when the link is opened. A wrong date: the record with what to fix."""
    if not opens_here(press.conversation):
        return ONLY_IN_PERSONAL_CHAT
    decider = await viewer_and_policy(press.uow, press.staff, press.now)  # and the categories
    try:
        chosen = read_filter(values, sorted(decider[1].categories))
    except InvalidInput:
        return await show_pupil(press, student_id, values, offset, code)
    return Done(ChronologyExport(await allowed_pupil(press, student_id, decider), chosen))


async def export_chronology(
    press: Press, student_id: int, chosen: ChronologyFilter
) -> Done[PupilRecord]:
    """The whole chronology for an export link's member of staff, decided again now, with its
    incidents' body maps; the export is audited (with how many entries and the filter)."""
    record = await _record(press, student_id, chosen, 0, None, AuditAction.CHRONOLOGY_EXPORTED)
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
    audit: AuditAction = AuditAction.STUDENT_VIEWED,
    decider: tuple[Viewer, AccessPolicy] | None = None,
) -> PupilRecord:
    uow, actor, now = press.uow, press.staff, press.now
    viewer, policy = decider or await viewer_and_policy(uow, actor, now)
    student = await allowed_pupil(press, student_id, (viewer, policy))
    categories = await uow.categories.list(actor.school_id)
    rules = reading_rules(viewer, policy, now)
    zone = press.school.time_zone
    query = chronology_query(student_id, chosen, zone, rules, (offset, limit))
    index = await uow.chronology.index(actor.school_id, query)
    checked = await _checked(press, (student_id, chosen), index, (viewer, policy, now))
    page, documents, names = await uow.together(
        _decrypted(uow, checked),
        uow.attachments.on_incidents([c.id for c in index.readable]),
        uow.staff.names(actor.school_id),
    )
    await press.audit(
        audit, ("student", student_id), viewed_detail(page, offset, index.total, chosen)
    )
    return PupilRecord(
        student=student,
        time_zone=zone,
        entries=tuple(page),
        total=index.total,
        offset=offset,
        held_back=index.held_back,
        open_cases=open_cases(index.readable),
        monitoring=monitoring(index.monitoring, categories),
        documents=tuple((reference(i), attachment) for i, attachment in documents),
        categories={c.id: c for c in categories},
        staff_names=names,
        chosen=chosen,
        oversees=actor.leads_safeguarding,
        visible_pupils=visible_pupils([e.incident for e in page], viewer, policy, now),
    )


async def _checked(
    press: Press,
    asked: tuple[int, ChronologyFilter],
    index: ChronologyIndex,
    decider: tuple[Viewer, AccessPolicy, datetime],
) -> list[Entry]:
    """The page storage chose, with its incidents' facts, each entry decided again by the
    rules in Python: one they do not allow (a change since, or the query disagreeing with
    them) is left out and logged, never shown."""
    uow, (student_id, chosen) = press.uow, asked
    ids = list(dict.fromkeys(r.incident_id for r in index.page))
    # The page's incidents' actions and decisions are read beside their facts (one round
    # trip); only those of incidents decided readable go on.
    facts, actions, decisions = await uow.together(
        uow.incidents.facts_of(press.staff.school_id, ids),
        uow.actions.heads(ids),
        uow.cases.decisions(ids),
    )
    visible, _ = readable_incidents([facts[i] for i in ids if i in facts], *decider)
    readable = {i.id for i in visible}
    entries, _ = chronology_entries(
        student_id,
        visible,
        [a for a in actions if a.incident_id in readable],
        [d for d in decisions if d.incident_id in readable],
        decider,
    )
    shown, left_out = checked_page(index.page, matching(entries, chosen, press.school.time_zone))
    if left_out:
        log.warning("chronology: %d entries of a page not allowed when decided again", left_out)
    return shown


async def _decrypted(uow: UnitOfWork, page: list[Entry]) -> list[Entry]:
    """The page's texts, decrypted (only the page's)."""
    incidents, actions, reasons = await uow.together(
        uow.incidents.texts_of([e.incident.id for e in page if e.kind == "incident"]),
        uow.actions.texts_of([e.action.id for e in page if e.action]),
        uow.cases.reasons_of([(e.incident.id, e.decision.version) for e in page if e.decision]),
    )
    return [replace(e, text=entry_text(e, incidents, actions, reasons)) for e in page]
