"""Migration 0016 on a database with one school per tenant: nothing changes for it, and its
tenant may then hold a second school (a trust)."""

from sqlalchemy import func, select, text

from safeguarding.identity import Caller, TenantPolicy
from safeguarding.services.chats import note_chat
from safeguarding.services.press import Request, Rules, run_press
from storage.database import create_engine
from storage.migrate import schema_status, upgrade
from storage.models import SchoolRow, StaffRow, StudentRow, WorkingSchoolRow
from storage.uow import unit_of_work_factory

PRIYA = "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"
JAMES = "4f1c6a0e-1d2b-4c3a-9b8e-000000000003"


async def test_a_one_school_database_migrates_unchanged_then_takes_a_second_school(
    empty_database_url, clock, audit_keys, demo_seed
):
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine, "0014")
        school_id = await _school_at_0014(engine, demo_seed.tenant_id, clock.now())
        before = await _counts(engine)
        await upgrade(engine)
        uow_factory = unit_of_work_factory(engine, clock, audit_keys=audit_keys)
        assert (await schema_status(engine)).up_to_date
        assert await _counts(engine) == before
        tenant = demo_seed.tenant_id
        caller = Caller(tenant, PRIYA, "personal")
        rules = Rules(tenant_policy=TenantPolicy(None))
        who = (await run_press(uow_factory, clock, rules, Request(caller), note_chat)).outcome
        assert (who.school.id, who.staff.display_name) == (school_id, "Priya Raman")
        assert not who.in_several_schools
        async with engine.begin() as connection:  # refused by the old unique constraint
            await connection.execute(
                text(
                    "INSERT INTO schools (name, tenant_id, time_zone, created_at, version) "
                    "VALUES ('Second', :tenant, 'Europe/London', :at, 1)"
                ),
                {"tenant": tenant, "at": clock.now()},
            )
        async with engine.connect() as connection:
            same_tenant = select(func.count()).where(SchoolRow.tenant_id == tenant)
            assert await connection.scalar(same_tenant) == 2
            assert await connection.scalar(select(func.count(WorkingSchoolRow.school_id))) == 0
        again = (await run_press(uow_factory, clock, rules, Request(caller), note_chat)).outcome
        assert again.school.id == school_id  # her only school, whatever the tenant holds
    finally:
        await engine.dispose()


async def _school_at_0014(engine, tenant: str, now) -> int:
    """A school with its DSL, a teacher and a pupil, written as the schema of 0014 holds them
    (today's code writes columns added since)."""
    async with engine.begin() as connection:
        school_id = await connection.scalar(
            text(
                "INSERT INTO schools (name, tenant_id, time_zone, created_at, version) "
                "VALUES ('Kestrel Demo Academy', :tenant, 'Europe/London', :at, 1) RETURNING id"
            ),
            {"tenant": tenant, "at": now},
        )
        for aad, name, role in ((PRIYA, "Priya Raman", "dsl"), (JAMES, "James Whitfield", "staff")):
            await connection.execute(
                text(
                    "INSERT INTO staff (school_id, aad_object_id, display_name, email, role, "
                    "active, created_at, updated_at) "
                    "VALUES (:school, :aad, :name, '', :role, true, :at, :at)"
                ),
                {"school": school_id, "aad": aad, "name": name, "role": role, "at": now},
            )
        await connection.execute(
            text(
                "INSERT INTO students (school_id, upn, mis_id, first_name, last_name, "
                "preferred_name, year_group, tutor_group, house, provisional, created_at) "
                "VALUES (:school, 'A123456789012', 'M1', 'Sam', 'Taylor', '', 8, '8B', '', "
                "false, :at)"
            ),
            {"school": school_id, "at": now},
        )
    return school_id


async def _counts(engine) -> tuple[int, int, int]:
    async with engine.connect() as connection:
        return tuple(
            [
                await connection.scalar(select(func.count()).select_from(table))
                for table in (SchoolRow, StaffRow, StudentRow)
            ]
        )
