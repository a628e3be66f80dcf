"""Staff from Microsoft Entra on SQLite and PostgreSQL, through a loopback Entra token endpoint
(HTTPS) and a loopback Microsoft Graph: paging, roles, guests, disabled accounts, leavers,
throttling, a missing permission, an expired token, the last DSL, several schools in a tenant,
and pupils from Graph's education roster."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.directory_sync import entra_token, run_sync
from bot.settings import Secret, Settings
from safeguarding.chats import ChatAddress
from safeguarding.imports import Health, import_health
from safeguarding.services.staffing import save_staff_member
from safeguarding.staff import Role
from storage.models import AuditEventRow, ImportRunRow, StudentRow
from tests.support.graph import APP_ID, SECRET, TENANT, graph_user, loopback_directory
from tests.support.presses import press_as

GROUPS = (("dsl", "g-dsl"), ("deputy_dsl", "g-deputy"), ("staff", "g-staff"))


@pytest.fixture
async def directory(tmp_path: Path):
    async with loopback_directory(tmp_path) as loopback:
        loopback.graph.groups = {
            "g-dsl": [graph_user(1)],
            "g-deputy": [graph_user(2)],
            "g-staff": [graph_user(n) for n in range(1, 251)],
        }
        yield loopback


@pytest.fixture
async def school(uow_factory):
    async with uow_factory() as uow:
        school = await uow.schools.ensure("Entra Academy", TENANT, "Europe/London")
        await uow.commit()
    return school


def settings_for(loopback, **more) -> Settings:
    return Settings(
        app_id=APP_ID,
        app_password=Secret(SECRET),
        app_tenant_id=TENANT,
        local=True,
        graph_url=loopback.graph_url,
        entra_authority=loopback.authority,
        **{"role_groups": GROUPS, **more},
    )


async def no_wait(seconds: float) -> None:
    waits.append(seconds)


waits: list[float] = []


async def syncing(loopback, uow_factory, clock, tokens=None, *, pupils=False, **more):
    settings = settings_for(loopback, **more)
    tokens = tokens or entra_token(settings, str(loopback.ca_file))
    return await run_sync(settings, uow_factory, clock, tokens, pupils=pupils, sleep=no_wait)


async def staff_of(uow_factory, school_id):
    async with uow_factory() as uow:
        return {s.aad_object_id: s for s in await uow.staff.list(school_id)}


async def test_a_first_sync_adds_every_member_with_their_highest_role_reading_every_page(
    directory, school, uow_factory, clock, engine
):
    outcome = await syncing(directory, uow_factory, clock)
    assert outcome.failure == ""
    staff = await staff_of(uow_factory, school.id)
    assert len(staff) == 250
    assert staff[graph_user(1)["id"]].role == Role.DSL
    assert staff[graph_user(2)["id"]].role == Role.DEPUTY_DSL
    assert staff[graph_user(3)["id"]].role == Role.STAFF
    assert staff[graph_user(3)["id"]].email == "colleague3@school.example"
    pages = [p for p in directory.graph.seen if "g-staff" in p]
    assert len(pages) == 3 and "%24skiptoken=200" in pages[-1] or "$skiptoken=200" in pages[-1]
    assert len(directory.entra.issued) == 1  # one token, cached for every request
    async with engine.connect() as connection:
        run = (await connection.execute(select(ImportRunRow))).one()
        synced = (
            await connection.execute(
                select(AuditEventRow.detail).where(AuditEventRow.action == "staff.synced")
            )
        ).scalar_one()
        added = await connection.scalar(
            select(AuditEventRow.id).where(AuditEventRow.action == "staff.added").limit(1)
        )
    assert (run.kind, run.source, run.succeeded, run.created) == ("sync", "entra", True, 250)
    assert synced["created"] == 250 and added is not None


async def test_leavers_disabled_accounts_and_guests_are_not_active_staff_and_names_update(
    directory, school, uow_factory, clock
):
    await syncing(directory, uow_factory, clock)
    leaver = (await staff_of(uow_factory, school.id))[graph_user(10)["id"]]
    async with uow_factory() as uow:
        address = ChatAddress("a:leaver", "https://smba.example/", TENANT, "28:k", "29:leaver")
        await uow.chats.save(leaver.id, address, clock.now())
        await uow.commit()
    members = directory.graph.groups["g-staff"]
    members[4] = graph_user(5, accountEnabled=False)
    members[5] = graph_user(6, displayName="Colleague Six Renamed", mail="six@school.example")
    members.append(graph_user(900, userType="Guest"))
    del members[9]  # colleague 10 has left the group
    outcome = await syncing(directory, uow_factory, clock)
    staff = await staff_of(uow_factory, school.id)
    assert not staff[graph_user(5)["id"]].active
    assert not staff[graph_user(10)["id"]].active
    assert staff[graph_user(10)["id"]].display_name == "Colleague 10"  # the record keeps its name
    assert staff[graph_user(6)["id"]].display_name == "Colleague Six Renamed"
    assert staff[graph_user(6)["id"]].email == "six@school.example"
    assert graph_user(900)["id"] not in staff
    assert "left 2" in outcome.lines[0] and "updated 1" in outcome.lines[0]
    async with uow_factory() as uow:
        assert await uow.chats.get(leaver.id) is None  # no alert reaches a leaver's chat
    members.append(graph_user(10))
    await syncing(directory, uow_factory, clock)
    assert (await staff_of(uow_factory, school.id))[graph_user(10)["id"]].active


async def test_a_colleague_turned_off_in_kestrel_stays_off_through_syncs_until_turned_on(
    directory, school, uow_factory, clock
):
    """Suspended in Kestrel, still in the school's groups: the sync follows their name but
    leaves them inactive; turned on again in Kestrel, they stay on."""
    await syncing(directory, uow_factory, clock)
    staff = await staff_of(uow_factory, school.id)
    dsl, colleague = staff[graph_user(1)["id"]], staff[graph_user(10)["id"]]
    off = {"role": "staff", "active": "false"}
    saved = await press_as(uow_factory, clock, dsl, save_staff_member, colleague.id, 1, off)
    assert saved.notice == "Colleague 10: saved."
    directory.graph.groups["g-staff"][9] = graph_user(10, displayName="Colleague Ten")
    outcome = await syncing(directory, uow_factory, clock)
    held = (await staff_of(uow_factory, school.id))[graph_user(10)["id"]]
    assert (held.active, held.deactivated_here, held.display_name) == (
        False,
        True,
        "Colleague Ten",
    )
    assert "returned 0" in outcome.lines[0] and "updated 1" in outcome.lines[0]
    on = {"role": "staff", "active": "true"}
    await press_as(uow_factory, clock, dsl, save_staff_member, colleague.id, held.version, on)
    await syncing(directory, uow_factory, clock)
    back = (await staff_of(uow_factory, school.id))[graph_user(10)["id"]]
    assert back.active and not back.deactivated_here


async def test_throttling_is_waited_out_and_an_expired_token_is_renewed_once(
    directory, school, uow_factory, clock
):
    waits.clear()
    directory.graph.answers = [(429, "1", "TooManyRequests"), (503, "0", "ServiceUnavailable")]
    settings = settings_for(directory)
    tokens = entra_token(settings, str(directory.ca_file))
    assert (await syncing(directory, uow_factory, clock, tokens)).failure == ""
    assert waits == [1.0, 0.0]
    directory.entra.expired.add(directory.entra.issued[-1])  # Graph now says it has expired
    outcome = await syncing(directory, uow_factory, clock, tokens)
    assert outcome.failure == ""
    assert len(directory.entra.issued) == 2  # exactly one new token


async def test_a_missing_permission_changes_nothing_and_says_what_to_grant(
    directory, school, uow_factory, clock, engine
):
    await syncing(directory, uow_factory, clock)
    directory.graph.groups["g-staff"] = directory.graph.groups["g-staff"][:10]
    # The first group reads, the second is refused: nothing of the first is applied either.
    directory.graph.answers = [None, (403, None, "Authorization_RequestDenied")]
    outcome = await syncing(directory, uow_factory, clock)
    assert "grant User.Read.All and GroupMember.Read.All" in outcome.failure
    assert all(s.active for s in (await staff_of(uow_factory, school.id)).values())
    async with engine.connect() as connection:
        last = (
            await connection.execute(select(ImportRunRow).order_by(ImportRunRow.id.desc()))
        ).first()
    assert (last.succeeded, last.source) == (False, "entra")
    assert "GroupMember.Read.All" in last.failure
    async with uow_factory() as uow:
        health = import_health(
            await uow.imports.newest(school.id), clock.now(), timedelta(hours=26)
        )
    assert health.status == Health.FAILED and "GroupMember.Read.All" in health.why


async def test_endless_throttling_gives_up_within_its_bounds(directory, school, uow_factory, clock):
    waits.clear()
    directory.graph.answers = [(429, "30", "TooManyRequests")] * 10
    outcome = await syncing(directory, uow_factory, clock)
    assert "busy or unreachable (429)" in outcome.failure
    assert sum(waits) <= 120 and len(waits) == 4
    assert await staff_of(uow_factory, school.id) == {}


async def test_a_directory_that_would_leave_no_dsl_is_refused(
    directory, school, uow_factory, clock
):
    await syncing(directory, uow_factory, clock)
    directory.graph.groups["g-dsl"] = []
    outcome = await syncing(directory, uow_factory, clock)
    assert "no active Designated Safeguarding Lead" in outcome.failure
    staff = await staff_of(uow_factory, school.id)
    assert staff[graph_user(1)["id"]].role == Role.DSL and staff[graph_user(1)["id"]].active


async def test_school_groups_and_a_trust_dsl_place_staff_in_the_tenants_schools(
    directory, school, uow_factory, clock
):
    async with uow_factory() as uow:
        # A trust: a second school of the same tenant.
        other = await uow.schools.ensure("Other Academy", TENANT, "Europe/London", oldest=False)
        await uow.commit()
    assert other.id != school.id
    directory.graph.groups.update(
        {
            "g-school": [graph_user(n) for n in range(1, 21)],
            "g-other": [graph_user(n) for n in range(15, 31)],
            "g-trust": [graph_user(999)],
        }
    )
    groups = (*GROUPS, ("trust_dsl", "g-trust"))
    placed = ((school.id, "g-school"), (other.id, "g-other"))
    outcome = await syncing(directory, uow_factory, clock, role_groups=groups, school_groups=placed)
    assert outcome.failure == ""
    staff, others = await staff_of(uow_factory, school.id), await staff_of(uow_factory, other.id)
    assert len(staff) == 21 and len(others) == 17  # each school's group, and the trust's DSL
    assert staff[graph_user(999)["id"]].role == others[graph_user(999)["id"]].role == Role.DSL
    both = {graph_user(n)["id"] for n in range(15, 21)} | {graph_user(999)["id"]}
    assert set(staff) & set(others) == both
    assert graph_user(1)["id"] not in others and graph_user(30)["id"] not in staff


async def test_pupils_come_from_the_education_roster_through_the_roster_import(
    directory, school, uow_factory, clock, engine
):
    directory.graph.schools = [
        {"id": "edu-1", "displayName": "Someone Else", "externalId": "X1"},
        {"id": "edu-2", "displayName": "Entra Academy", "externalId": "URN-100"},
    ]
    directory.graph.school_users["edu-2"] = [
        {
            "id": f"p{n}",
            "primaryRole": "student",
            "givenName": f"Pupil{n}",
            "surname": "Roster",
            "displayName": f"Pupil{n} Roster",
            "student": {
                "externalId": f"MIS{n}",
                "studentNumber": f"K93000019{n:04d}",
                "grade": "7",
                "birthDate": "2014-03-01",
            },
        }
        for n in range(1, 131)
    ] + [{"id": "t1", "primaryRole": "teacher", "givenName": "T", "surname": "Eacher"}]
    outcome = await syncing(directory, uow_factory, clock, pupils=True)
    assert outcome.failure == "", outcome.lines
    async with engine.connect() as connection:
        pupils = (await connection.execute(select(StudentRow))).all()
        runs = (await connection.execute(select(ImportRunRow.source, ImportRunRow.created))).all()
    assert len(pupils) == 130 and {p.year_group for p in pupils} == {7}
    assert ("graph", 130) in runs
    async with uow_factory() as uow:
        newest = await uow.imports.newest(school.id)
    assert [r.source for r in newest] == ["graph"]
    assert newest[0].succeeded


async def test_a_wrong_secret_is_a_clear_failure(directory, school, uow_factory, clock):
    settings = settings_for(directory)
    tokens = entra_token(
        Settings(**{**settings.__dict__, "app_password": Secret("wrong")}), str(directory.ca_file)
    )
    outcome = await syncing(directory, uow_factory, clock, tokens)
    assert "refused Kestrel a token (invalid_client)" in outcome.failure
    async with uow_factory() as uow:
        newest = await uow.imports.newest(school.id)
    assert [(r.source, r.succeeded) for r in newest] == [("entra", False)]


async def test_an_unknown_group_is_named_and_nothing_changes(directory, school, uow_factory, clock):
    del directory.graph.groups["g-deputy"]
    outcome = await syncing(directory, uow_factory, clock)
    assert "no group g-deputy" in outcome.failure
    assert await staff_of(uow_factory, school.id) == {}
