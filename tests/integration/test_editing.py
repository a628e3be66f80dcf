"""Corrections without loss on SQLite and PostgreSQL: Edit, Move and Add linked student."""

import pytest
from sqlalchemy import select

from safeguarding.casework import Casework
from safeguarding.editing import Editing, read_edit
from safeguarding.errors import InvalidInput, NotAvailable, StaleCase
from safeguarding.incident_form import read_form
from safeguarding.recording import Recording
from safeguarding.services.pupils import open_pupil
from storage.models import AuditEventRow, IncidentVersionRow
from tests.support.presses import press_as

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
    done = await Recording(uow_factory, clock).record(staff["James Whitfield"], draft, "personal")
    return staff, done.incident_id


def editing(uow_factory, clock) -> Editing:
    return Editing(Casework(uow_factory, clock))


async def facts_of(uow_factory, incident):
    async with uow_factory() as uow:
        return await uow.incidents.facts(1, incident)


async def test_an_edit_is_a_new_version_and_the_old_one_is_kept(case, uow_factory, clock, engine):
    staff, incident = case
    priya = staff["Priya Raman"]
    facts = await facts_of(uow_factory, incident)
    values = {"text": SECOND, "categories_1": "7,2", "date": "2026-11-24", "time": "09:30"}
    content = read_edit(values, facts, now=clock.now(), time_zone=ZONE)
    edited = await editing(uow_factory, clock).edit(priya, incident, content, 1, "personal")
    assert edited.version == 2 and edited.pupils[0].category_ids == frozenset({2, 7})
    assert edited.agencies == ()  # the form left them out: a change too
    async with uow_factory() as uow:
        assert await uow.incidents.text(incident) == SECOND
    history = await Casework(uow_factory, clock).history(priya, incident, "personal")
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
    with pytest.raises(InvalidInput) as invalid:
        content = read_edit(same, facts, now=clock.now(), time_zone=ZONE)
        await editing(uow_factory, clock).edit(priya, incident, content, 1, "personal")
    assert invalid.value.errors == {"form": "Nothing was changed."}
    changed = read_edit(same | {"text": SECOND}, facts, now=clock.now(), time_zone=ZONE)
    await editing(uow_factory, clock).edit(priya, incident, changed, 1, "personal")
    with pytest.raises(StaleCase) as stale:
        await editing(uow_factory, clock).edit(tom, incident, changed, 1, "personal")
    assert stale.value.what.startswith("Already edited by Priya Raman at 10:50")
    with pytest.raises(InvalidInput):
        read_edit({"text": "", "categories_1": ""}, facts, now=clock.now(), time_zone=ZONE)


async def test_only_the_dsl_team_may_correct_a_record(case, uow_factory, clock):
    staff, incident = case
    facts = await facts_of(uow_factory, incident)
    content = read_edit(
        {"text": SECOND, "categories_1": "7"}, facts, now=clock.now(), time_zone=ZONE
    )
    for who in ("James Whitfield", "Daniel Hughes"):
        with pytest.raises(NotAvailable):
            await editing(uow_factory, clock).edit(staff[who], incident, content, 1, "personal")


async def test_a_record_for_the_wrong_pupil_moves_with_its_history(case, uow_factory, clock):
    staff, incident = case
    priya = staff["Priya Raman"]
    moved = await editing(uow_factory, clock).move(priya, incident, 2, 1, "personal")
    assert [(p.student.id, p.category_ids) for p in moved.pupils] == [(2, frozenset({7}))]
    old = (await press_as(uow_factory, clock, priya, open_pupil, 1)).view
    new = (await press_as(uow_factory, clock, priya, open_pupil, 2)).view
    assert incident not in {e.incident.id for e in old.entries}
    assert incident in {e.incident.id for e in new.entries}
    history = await Casework(uow_factory, clock).history(priya, incident, "personal")
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
    with pytest.raises(InvalidInput):  # already on it
        await editing(uow_factory, clock).move(priya, incident, 2, 2, "personal")


async def test_a_linked_pupil_gets_their_own_categories(case, uow_factory, clock):
    staff, incident = case
    priya = staff["Priya Raman"]
    linked = await editing(uow_factory, clock).link(
        priya, incident, 3, frozenset({2}), 1, "personal"
    )
    pupils = {p.student.id: (p.linked, p.category_ids) for p in linked.pupils}
    assert pupils == {1: (False, frozenset({7})), 3: (True, frozenset({2}))}
    page = (await press_as(uow_factory, clock, priya, open_pupil, 3)).view
    assert [e.incident.id for e in page.entries] == [incident]
    with pytest.raises(InvalidInput):
        await editing(uow_factory, clock).link(priya, incident, 4, frozenset({999}), 2, "personal")


async def test_key_rotation_covers_actions_reasons_and_kept_versions(
    case, uow_factory, clock, engine, keyring_spec, files_dir
):
    from safeguarding.actions import Actions, read_action_form
    from safeguarding.casework import read_status_change
    from safeguarding.incidents import Status
    from storage.encryption import Keyring, new_key_spec
    from storage.rotation import rotate_keys
    from storage.uow import unit_of_work_factory

    staff, incident = case
    priya = staff["Priya Raman"]
    facts = await facts_of(uow_factory, incident)
    content = read_edit(
        {"text": SECOND, "categories_1": "7", "agencies": "Police"},
        facts,
        now=clock.now(),
        time_zone=ZONE,
    )
    await editing(uow_factory, clock).edit(priya, incident, content, 1, "personal")
    close = read_status_change(
        {"status": "Closed", "outcome": "Early help", "reason": "MARKER-why"}, Status.OPEN
    )
    await Casework(uow_factory, clock).change_status(priya, incident, close, 2, "personal")
    draft = read_action_form(
        {"key": "rotate-act-1", "text": "MARKER-act"}, now=clock.now(), time_zone=ZONE
    )
    await Actions(uow_factory, clock).add(priya, incident, draft, "personal")
    rotated = Keyring.parse(new_key_spec("next") + "," + keyring_spec)
    factory = unit_of_work_factory(engine, clock, rotated, files_dir)
    changed = await rotate_keys(factory)
    assert (changed["actions"], changed["case_history"]) == (1, 2)  # a reason, a kept version
    history = await Casework(factory, clock).history(priya, incident, "personal")
    assert history.versions[0].content.text == FIRST and history.events[1].reason == "MARKER-why"
    async with factory() as uow:
        [action] = await uow.actions.on_incidents([incident])
    assert action.text == "MARKER-act"


async def test_history_after_a_move_never_names_a_pupil_the_viewer_is_excluded_from(
    case, uow_factory, clock
):
    from safeguarding.exclusions import Exclusions

    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    await Exclusions(uow_factory, clock).exclude(priya, tom.id, 1, "relative", "personal")
    await editing(uow_factory, clock).move(priya, incident, 2, 1, "personal")
    history = await Casework(uow_factory, clock).history(tom, incident, "personal")
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
    incident = (
        await Recording(uow_factory, clock).record(staff["James Whitfield"], draft, "personal")
    ).incident_id
    facts = await facts_of(uow_factory, incident)
    typed = {"text": SECOND, "categories_1": "7", "date": "2026-10-25", "time": "01:30"}
    content = read_edit(typed, facts, now=clock.now(), time_zone=ZONE)
    assert content.happened_at == facts.happened_at
