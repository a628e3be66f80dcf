"""A pupil's record and chronology on SQLite and PostgreSQL, and its PDF export."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cards.chronology_pdf import ExportFacts, chronology_pdf
from safeguarding.access import reading_rules
from safeguarding.action_form import read_action_form
from safeguarding.chronology import ChronologyFilter, read_filter
from safeguarding.chronology_pages import chronology_query
from safeguarding.errors import InvalidInput, NotAvailable
from safeguarding.incident_form import read_form
from safeguarding.services.casework import change_status
from safeguarding.services.links import LinkHolder
from safeguarding.services.press import Rules, run_press
from safeguarding.services.pupils import export_chronology, find_pupils, open_pupil
from safeguarding.services.viewing import open_incident, viewer_and_policy
from storage.models import AuditEventRow
from tests.support.presses import press_as
from tests.support.scripted import add_action_as, record_as

ZONE = "Europe/London"


async def record(uow_factory, clock, who, key: str, text: str, category: int, when: str) -> int:
    values = {"key": key, "student_id": "1", "text": text, "categories": str(category)}
    values |= {"date": when[:10], "time": when[11:]}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    return (await record_as(uow_factory, clock, who, draft)).incident_id


async def pupil_record(uow_factory, clock, who, student: int, *args):
    """The record as `who` opens it (open_pupil's view), in one press."""
    return (await press_as(uow_factory, clock, who, open_pupil, student, *args)).view


async def export_of(uow_factory, clock, staff_id: int, school: int, student: int, chosen):
    """What the export link serves: (the whole record, who exported it, their school)."""
    holder = LinkHolder(staff_id, school)
    pressed = await run_press(
        uow_factory, clock, Rules(), holder, export_chronology, student, chosen
    )
    return pressed.outcome.view, pressed.who.staff, pressed.who.school


@pytest.fixture
async def history(demo_school, uow_factory, clock):
    """Sam's file: two incidents (recorded out of order) and an action on the first."""
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
    james, priya = staff["James Whitfield"], staff["Priya Raman"]
    later = await record(
        uow_factory, clock, james, "chrono-01", "MARKER-late", 7, "2026-11-20 09:00"
    )
    first = await record(
        uow_factory,
        clock,
        james,
        "chrono-02",
        "MARKER-first <b>bold</b>\nline two",
        2,
        "2026-11-02 14:30",
    )
    values = {"key": "chrono-act-1", "text": "MARKER-action call", "date": "2026-11-03"}
    values |= {"time": "10:00", "agency": "Social Care"}
    draft = read_action_form(values, now=clock.now(), time_zone=ZONE)
    await add_action_as(uow_factory, clock, priya, first, draft)
    return staff, first, later


async def test_the_chronology_is_in_the_order_things_happened(history, uow_factory, clock):
    staff, first, later = history
    page = await pupil_record(uow_factory, clock, staff["Priya Raman"], 1)
    assert [(e.kind, e.incident.id) for e in page.entries] == [
        ("incident", first),
        ("action", first),
        ("incident", later),
    ]
    assert [e.text[:12] for e in page.entries] == ["MARKER-first", "MARKER-actio", "MARKER-late"]
    assert {i.id for i in page.open_cases} == {first, later}
    assert page.total == 3 and not page.more


async def test_filter_by_category_and_dates_and_paging(history, uow_factory, clock):
    staff, first, later = history
    priya = staff["Priya Raman"]
    disclosures = await pupil_record(uow_factory, clock, priya, 1, ChronologyFilter(frozenset({2})))
    assert [e.kind for e in disclosures.entries] == ["incident", "action"]  # and its action
    november = ChronologyFilter(since=date(2026, 11, 10), until=date(2026, 11, 30))
    late = await pupil_record(uow_factory, clock, priya, 1, november)
    assert [e.incident.id for e in late.entries] == [later]
    paged = await pupil_record(uow_factory, clock, priya, 1, ChronologyFilter(), 1, 1)
    assert (paged.total, paged.offset, paged.more) == (3, 1, True)
    assert [e.kind for e in paged.entries] == ["action"]
    with pytest.raises(InvalidInput) as invalid:
        read_filter({"since": "2026-12-01", "until": "2026-11-01"}, [2, 7])
    assert invalid.value.errors == {"until": "The end date is before the start date."}


async def test_staff_who_only_record_cannot_open_a_record_and_are_audited(
    history, uow_factory, clock
):
    staff, _, _ = history
    with pytest.raises(NotAvailable):
        await pupil_record(uow_factory, clock, staff["James Whitfield"], 1)
    with pytest.raises(NotAvailable):
        await press_as(uow_factory, clock, staff["Aisha Khan"], find_pupils, "amara")
    async with uow_factory() as uow:
        refused = list(
            await uow.session.scalars(
                select(AuditEventRow.record_type).where(AuditEventRow.action == "access.refused")
            )
        )
    assert refused == ["student", "staff"]


async def test_a_restricted_incident_is_held_back_until_elevated(history, uow_factory, clock):
    staff, _, _ = history
    async with uow_factory() as uow:
        restricted = next(c.id for c in await uow.categories.list(1) if c.restricted)
    hidden = await record(
        uow_factory,
        clock,
        staff["Priya Raman"],
        "chrono-03",
        "MARKER-secret",
        restricted,
        "2026-11-21 08:00",
    )
    page = await pupil_record(uow_factory, clock, staff["Priya Raman"], 1)
    assert page.held_back == 1 and hidden not in {e.incident.id for e in page.entries}


async def test_viewing_the_record_is_audited_with_what_was_shown(history, uow_factory, clock):
    staff, _, _ = history
    await pupil_record(uow_factory, clock, staff["Tom Okafor"], 1)
    async with uow_factory() as uow:
        row = await uow.session.scalar(
            select(AuditEventRow).where(AuditEventRow.action == "student.viewed")
        )
        uow.session.expunge_all()
    assert (row.actor_staff_id, row.record_type, row.record_id) == (
        staff["Tom Okafor"].id,
        "student",
        1,
    )
    assert row.detail == {"entries": 3, "offset": 0, "of": 3}


async def test_the_pdf_export_has_a_compact_header_then_every_entry_from_page_one(
    history, uow_factory, clock
):
    staff, first, later = history
    priya = staff["Priya Raman"]
    close = {"status": "Closed", "outcome": "Early help", "reason": "agreed at TAF"}
    await press_as(uow_factory, clock, priya, change_status, later, 1, close)
    record_, who, school = await export_of(uow_factory, clock, priya.id, 1, 1, ChronologyFilter())
    pdf = chronology_pdf(record_, ExportFacts(school.name, who.display_name, clock.now()))
    reader = PdfReader(BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    first_page, body = pages[0], "\n".join(pages)
    header = first_page[: first_page.index("MARKER-first")]  # the entries start on page 1
    assert "Safeguarding chronology: Amara Okafor" in header and "Priya Raman" in header
    assert school.name in header and "24/11/2026 10:50" in header
    assert "everything the exporter may see" in header and "4 entries" in header
    for text in ("MARKER-first <b>bold</b>", "line two", "MARKER-action call", "MARKER-late"):
        assert text in body
    assert body.index("MARKER-first") < body.index("MARKER-action") < body.index("MARKER-late")
    assert "Agency: Social Care" in body and "closed: Early help" in body
    assert body.index("closed: Early help") < body.index("agreed at TAF")  # with its reason
    assert f"Page 1 of {len(reader.pages)}" in first_page
    assert all(f"Page {n} of {len(reader.pages)}" in p for n, p in enumerate(pages, 1))
    async with uow_factory() as uow:
        exported = await uow.session.scalar(
            select(AuditEventRow).where(AuditEventRow.action == "chronology.exported")
        )
        uow.session.expunge_all()
    assert (exported.actor_staff_id, exported.record_id, exported.conversation_type) == (
        priya.id,
        1,
        "link",
    )


async def test_a_pdf_of_many_entries_runs_to_many_pages(history, uow_factory, clock):
    staff, first, _ = history
    priya = staff["Priya Raman"]
    for n in range(40):
        when = clock.now() - timedelta(days=40 - n)
        values = {"key": f"chrono-many-{n:03d}", "text": f"MARKER-{n:03d} " + "word " * 120}
        values |= {"date": when.date().isoformat(), "time": "12:00"}
        draft = read_action_form(values, now=clock.now(), time_zone=ZONE)
        await add_action_as(uow_factory, clock, priya, first, draft)
    record_, who, school = await export_of(uow_factory, clock, priya.id, 1, 1, ChronologyFilter())
    reader = PdfReader(BytesIO(chronology_pdf(record_, ExportFacts(school.name, "P", clock.now()))))
    assert len(reader.pages) > 5
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert all(f"MARKER-{n:03d}" in text for n in range(40))


async def test_an_action_in_a_restricted_category_is_held_back_for_whoever_needs_a_code(
    history, uow_factory, clock
):
    """A restricted category on an action restricts that action, wherever it shows."""
    staff, first, _ = history
    priya, daniel = staff["Priya Raman"], staff["Daniel Hughes"]
    async with uow_factory() as uow:
        lado = next(c.id for c in await uow.categories.list(1) if c.name == "LADO")
    values = {"key": "chrono-lado-1", "text": "MARKER-lado referral", "categories": str(lado)}
    draft = read_action_form(values, now=clock.now(), time_zone=ZONE)
    await add_action_as(uow_factory, clock, priya, first, draft)
    view = (await press_as(uow_factory, clock, daniel, open_incident, first)).view
    assert "MARKER-lado referral" not in [a.text for a in view.actions]
    page = await pupil_record(uow_factory, clock, daniel, 1)
    assert "MARKER-lado referral" not in [e.text for e in page.entries]
    dsl = await pupil_record(uow_factory, clock, priya, 1)
    assert dsl.held_back == 1  # the DSL may see it once she enters her code
    lado_only = await pupil_record(
        uow_factory, clock, daniel, 1, ChronologyFilter(frozenset({lado}))
    )
    assert lado_only.entries == ()


async def test_a_linked_pupils_categories_never_find_entries_on_this_pupils_record(
    demo_school, uow_factory, clock
):
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(1)}
    values = {"key": "chrono-link-1", "student_id": "1", "text": "x", "categories": "7"}
    values |= {"linked": "2", "linked_2_categories": "8"}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    priya = staff["Priya Raman"]
    incident = (await record_as(uow_factory, clock, priya, draft)).incident_id
    action = read_action_form(
        {"key": "chrono-link-a", "text": "y"}, now=clock.now(), time_zone=ZONE
    )
    await add_action_as(uow_factory, clock, priya, incident, action)
    peer = ChronologyFilter(frozenset({8}))
    mine = await pupil_record(uow_factory, clock, priya, 1, peer)
    theirs = await pupil_record(uow_factory, clock, priya, 2, peer)
    assert mine.entries == ()  # category 8 is the linked pupil's, not this pupil's
    assert [e.kind for e in theirs.entries] == ["incident", "action"]


async def test_a_record_says_what_each_linked_incident_says_of_its_own_pupil(
    history, uow_factory, clock
):
    """The record is decided in SQL: each pupil's own categories and monitoring on an incident
    shared with others, in their school only."""
    staff, first, later = history
    james, priya = staff["James Whitfield"], staff["Priya Raman"]
    values = {"key": "chrono-linked-1", "student_id": "2", "text": "x", "categories": "7,8"}
    values |= {"linked": "1,3", "linked_1_categories": "2", "linked_1_monitoring": "true"}
    values |= {"linked_3_same": "true"}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    linked = (await record_as(uow_factory, clock, james, draft)).incident_id
    sam = await pupil_record(uow_factory, clock, priya, 1)
    assert [c.id for c in sam.open_cases] == sorted([first, later, linked])
    assert sam.monitoring == (sam.categories[2].name,)
    assert [e.category_ids for e in sam.entries if e.incident.id == linked] == [{2}]
    theirs = await pupil_record(uow_factory, clock, priya, 3)
    assert [(e.incident.id, e.category_ids) for e in theirs.entries] == [(linked, {7, 8})]
    assert theirs.monitoring == () and theirs.visible_pupils == {1, 2, 3}
    async with uow_factory() as uow:
        viewer, policy = await viewer_and_policy(uow, priya, clock.now())
        rules = reading_rules(viewer, policy, clock.now())
        query = chronology_query(1, ChronologyFilter(), ZONE, rules, (0, 10))
        elsewhere = await uow.chronology.index(2, query)
    assert (elsewhere.page, elsewhere.readable, elsewhere.total) == ((), (), 0)
