"""Corrections without loss on SQLite and PostgreSQL: Edit, Move and Add linked student."""

import pytest
from sqlalchemy import select

from safeguarding.editing import read_edit
from safeguarding.errors import InvalidInput, NotAvailable
from safeguarding.incident_form import read_form
from safeguarding.outcomes import Done, Invalid, Stale
from safeguarding.services.casework import case_history, change_status
from safeguarding.services.editing import (
    edit_incident,
    link_pupil,
    move_incident,
    show_edit_form,
    show_pupil_pick,
)
from safeguarding.services.pupils import open_pupil
from storage.models import AuditEventRow, IncidentVersionRow
from tests.support.presses import press_as
from tests.support.scripted import add_action_as, record_as

FIRST = "MARKER-v1: what was written first"
SECOND = "MARKER-v2: corrected"
ZONE = "Europe/London"


@pytest.fixture
async def case(demo_school, uow_factory, clock):
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
    values = {"key": "edit-0001", "student_id": "1", "text": FIRST, "categories": "7"}
    values |= {"agencies": "Police"}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    done = await record_as(uow_factory, clock, staff["James Whitfield"], draft)
    return staff, done.incident_id


async def edit(uow_factory, clock, who, incident: int, seen: int, **values):
    """Save changes on Edit, with these values typed, on a card at version `seen`."""
    return await press_as(uow_factory, clock, who, edit_incident, incident, seen, values)


async def move(uow_factory, clock, who, incident: int, student: int | None, seen: int):
    return await press_as(uow_factory, clock, who, move_incident, incident, seen, student)


async def link(uow_factory, clock, who, incident: int, student: int, categories, seen: int):
    args = (incident, seen, student, frozenset(categories))
    return await press_as(uow_factory, clock, who, link_pupil, *args)


async def history_of(uow_factory, clock, who, incident: int):
    return (await press_as(uow_factory, clock, who, case_history, incident)).view


async def facts_of(uow_factory, incident):
    async with uow_factory() as uow:
        return await uow.incidents.facts(1, incident)


async def test_an_edit_is_a_new_version_and_the_old_one_is_kept(case, uow_factory, clock, engine):
    staff, incident = case
    priya = staff["Priya Raman"]
    facts = await facts_of(uow_factory, incident)
    values = {"text": SECOND, "categories_1": "7,2", "date": "2026-11-24", "time": "09:30"}
    content = read_edit(values, facts, now=clock.now(), time_zone=ZONE)
    assert content.categories == {1: frozenset({2, 7})}
    done = await edit(uow_factory, clock, priya, incident, 1, **values)
    assert isinstance(done, Done) and done.notice == "Saved as a new version."
    edited = done.view.facts
    assert edited.version == 2 and edited.pupils[0].category_ids == frozenset({2, 7})
    assert done.view.text == SECOND  # the answer is the incident as it now is
    assert edited.agencies == ()  # the form left them out: a change too
    async with uow_factory() as uow:
        assert await uow.incidents.text(incident) == SECOND
    history = await history_of(uow_factory, clock, priya, incident)
    [event] = history.events
    assert (event.kind, event.version, event.detail["fields"]) == (
        "edited",
        2,
        ["text", "categories", "date and time", "agencies"],
    )
    [before] = history.versions
    assert (before.version, before.content.text, before.content.agencies) == (1, FIRST, ("Police",))
    assert before.content.categories == {1: frozenset({7})}
    async with engine.connect() as connection:  # kept encrypted, like the current text
        stored = [str(r) for r in await connection.execute(select(IncidentVersionRow))]
    assert stored and not any("MARKER-v1" in row for row in stored)
    async with uow_factory() as uow:
        audited = await uow.session.scalar(
            select(AuditEventRow.detail).where(AuditEventRow.action == "incident.edited")
        )
    assert audited["version"] == 2


async def test_an_edit_that_changes_nothing_or_comes_late_is_refused_plainly(
    case, uow_factory, clock
):
    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    facts = await facts_of(uow_factory, incident)
    same = {"text": FIRST, "categories_1": "7", "date": "2026-11-24", "time": "10:50"}
    same["agencies"] = "Police"
    invalid = await edit(uow_factory, clock, priya, incident, 1, **same)
    assert isinstance(invalid, Invalid)
    assert invalid.errors == {"form": "Nothing was changed."}
    assert (invalid.view.text, invalid.view.values["text"]) == (FIRST, FIRST)  # the form again
    await edit(uow_factory, clock, priya, incident, 1, **same | {"text": SECOND})
    stale = await edit(uow_factory, clock, tom, incident, 1, **same | {"text": SECOND})
    assert isinstance(stale, Stale)
    assert stale.what_changed.startswith("Already edited by Priya Raman at 10:50")
    with pytest.raises(InvalidInput):
        read_edit({"text": "", "categories_1": ""}, facts, now=clock.now(), time_zone=ZONE)
    empty = await edit(uow_factory, clock, priya, incident, 2, text="", categories_1="")
    assert isinstance(empty, Invalid) and {"text", "categories_1"} <= set(empty.errors)


async def test_only_the_dsl_team_may_correct_a_record(case, uow_factory, clock):
    staff, incident = case
    for who in ("James Whitfield", "Daniel Hughes"):
        with pytest.raises(NotAvailable):
            await edit(uow_factory, clock, staff[who], incident, 1, text=SECOND, categories_1="7")
        with pytest.raises(NotAvailable):
            await press_as(uow_factory, clock, staff[who], show_edit_form, incident, 1)
    assert (await facts_of(uow_factory, incident)).version == 1


async def test_a_record_for_the_wrong_pupil_moves_with_its_history(case, uow_factory, clock):
    staff, incident = case
    priya = staff["Priya Raman"]
    done = await move(uow_factory, clock, priya, incident, 2, 1)
    assert done.notice == "Moved to the pupil chosen."
    moved = done.view.facts
    assert [(p.student.id, p.category_ids) for p in moved.pupils] == [(2, frozenset({7}))]
    old = (await press_as(uow_factory, clock, priya, open_pupil, 1)).view
    new = (await press_as(uow_factory, clock, priya, open_pupil, 2)).view
    assert incident not in {e.incident.id for e in old.entries}
    assert incident in {e.incident.id for e in new.entries}
    history = await history_of(uow_factory, clock, priya, incident)
    assert history.events[0].detail == {"from": 1, "to": 2}
    assert history.versions[0].content.categories == {1: frozenset({7})}
    async with uow_factory() as uow:
        rows = (
            await uow.session.execute(
                select(AuditEventRow.record_type, AuditEventRow.record_id).where(
                    AuditEventRow.action == "incident.moved"
                )
            )
        ).all()
    assert sorted(rows) == [("incident", incident), ("student", 1), ("student", 2)]
    on_it = await move(uow_factory, clock, priya, incident, 2, 2)  # already on it
    assert isinstance(on_it, Invalid)
    assert on_it.errors == {"student": "That pupil is already on this incident."}
    unchosen = await move(uow_factory, clock, priya, incident, None, 2)
    assert isinstance(unchosen, Invalid) and unchosen.errors == {"student": "Choose the pupil."}


async def test_a_linked_pupil_gets_their_own_categories(case, uow_factory, clock):
    staff, incident = case
    priya = staff["Priya Raman"]
    done = await link(uow_factory, clock, priya, incident, 3, {2}, 1)
    assert done.notice == "Pupil linked."
    linked = done.view.facts
    pupils = {p.student.id: (p.linked, p.category_ids) for p in linked.pupils}
    assert pupils == {1: (False, frozenset({7})), 3: (True, frozenset({2}))}
    page = (await press_as(uow_factory, clock, priya, open_pupil, 3)).view
    assert [e.incident.id for e in page.entries] == [incident]
    unknown = await link(uow_factory, clock, priya, incident, 4, {999}, 2)
    assert isinstance(unknown, Invalid)
    assert unknown.errors == {"categories": "Choose categories from the list."}


async def test_key_rotation_covers_actions_reasons_and_kept_versions(
    case, uow_factory, clock, engine, keyring_spec, files_dir, audit_keys
):
    from safeguarding.action_form import read_action_form
    from storage.encryption import Keyring, new_key_spec
    from storage.rotation import rotate_keys
    from storage.uow import unit_of_work_factory

    staff, incident = case
    priya = staff["Priya Raman"]
    await edit(
        uow_factory, clock, priya, incident, 1, text=SECOND, categories_1="7", agencies="Police"
    )
    close = {"status": "Closed", "outcome": "Early help", "reason": "MARKER-why"}
    await press_as(uow_factory, clock, priya, change_status, incident, 2, close)
    draft = read_action_form(
        {"key": "rotate-act-1", "text": "MARKER-act"}, now=clock.now(), time_zone=ZONE
    )
    await add_action_as(uow_factory, clock, priya, incident, draft)
    rotated = Keyring.parse(new_key_spec("next") + "," + keyring_spec)
    factory = unit_of_work_factory(engine, clock, rotated, files_dir, audit_keys=audit_keys)
    changed = await rotate_keys(factory)
    assert (changed["actions"], changed["case_history"]) == (1, 2)  # a reason, a kept version
    history = await history_of(factory, clock, priya, incident)
    assert history.versions[0].content.text == FIRST and history.events[1].reason == "MARKER-why"
    async with factory() as uow:
        [action] = await uow.actions.on_incidents([incident])
    assert action.text == "MARKER-act"


async def test_history_after_a_move_never_names_a_pupil_the_viewer_is_excluded_from(
    case, uow_factory, clock
):
    from tests.support.exclusions import exclude

    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    await exclude(uow_factory, clock, priya, tom.id, 1, "relative")
    await move(uow_factory, clock, priya, incident, 2, 1)
    history = await history_of(uow_factory, clock, tom, incident)
    assert 1 not in history.pupils and 2 in history.pupils
    assert history.versions == []  # the version about pupil 1 is not his to read


async def test_a_time_left_as_it_was_is_kept_exactly_even_when_the_clocks_went_back(
    demo_school, uow_factory, clock
):
    from datetime import UTC, datetime

    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(1)}
    # 01:30 on 25 October 2026 happened twice in London; this was the second (GMT) one.
    values = {"key": "edit-dst-01", "student_id": "1", "text": FIRST, "categories": "7"}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    draft = draft.__class__(
        **{**draft.__dict__, "happened_at": datetime(2026, 10, 25, 1, 30, tzinfo=UTC)}
    )
    incident = (await record_as(uow_factory, clock, staff["James Whitfield"], draft)).incident_id
    facts = await facts_of(uow_factory, incident)
    typed = {"text": SECOND, "categories_1": "7", "date": "2026-10-25", "time": "01:30"}
    content = read_edit(typed, facts, now=clock.now(), time_zone=ZONE)
    assert content.happened_at == facts.happened_at


async def test_the_forms_offer_only_what_may_be_chosen_and_the_edit_form_is_an_audited_view(
    case, uow_factory, clock
):
    staff, incident = case
    priya = staff["Priya Raman"]
    form = (await press_as(uow_factory, clock, priya, show_edit_form, incident, 1)).view
    assert (form.text, form.values, form.facts.version) == (FIRST, {}, 1)
    assert 7 in {c.id for c in form.categories}
    async with uow_factory() as uow:
        viewed = list(
            await uow.session.scalars(
                select(AuditEventRow.detail).where(AuditEventRow.action == "incident.viewed")
            )
        )
    assert viewed == [{"for": "edit"}]
    pick = await press_as(uow_factory, clock, priya, show_pupil_pick, incident, 1, "move", "Amara")
    # Her namesake is offered; the incident's own Amara (pupil 1) is not.
    assert [m.student_id for m in pick.view.matches] == [61]
    found = await press_as(
        uow_factory, clock, priya, show_pupil_pick, incident, 1, "link", "Oliver"
    )
    assert [m.student_id for m in found.view.matches] == [2, 62]  # namesakes both offered
    stale = await press_as(uow_factory, clock, priya, show_pupil_pick, incident, 0, "link", "")
    assert isinstance(stale, Stale)
