"""Storage on SQLite and PostgreSQL: migrations, the demo seed, the audit log, the unit of work."""

import shutil
import sqlite3

import pytest
from sqlalchemy import func, inspect, select, text

from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.services.seeding import seed_school
from safeguarding.staff import Role
from storage.database import create_engine
from storage.migrate import head_revision, schema_status, upgrade
from storage.models import AuditEventRow, Base, StaffRow, StudentRow


async def test_migrations_build_every_table_from_an_empty_database(empty_database_url):
    engine = create_engine(empty_database_url)
    try:
        before = await schema_status(engine)
        await upgrade(engine)
        after = await schema_status(engine)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert before.current is None and not before.up_to_date
    assert after.current == head_revision() and after.up_to_date
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


async def test_migrations_match_the_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    assert diff == [], "models changed without a migration: run scripts/new_migration.py"


async def test_demo_seed_creates_the_school_and_is_harmless_to_rerun(
    demo_seed, uow_factory, clock, engine
):
    first = await seed_school(demo_seed, uow_factory=uow_factory, clock=clock)
    second = await seed_school(demo_seed, uow_factory=uow_factory, clock=clock)
    async with engine.connect() as connection:
        staff = await connection.scalar(select(func.count()).select_from(StaffRow))
        students = await connection.scalar(select(func.count()).select_from(StudentRow))
        years = set(await connection.scalars(select(StudentRow.year_group).distinct()))
    assert first == second
    assert staff == 8 and students >= 60
    assert years == set(range(7, 14))


async def test_demo_seed_has_every_role_the_guide_needs(demo_school, uow_factory):
    async with uow_factory() as uow:
        staff = await uow.staff.list(demo_school.school_id)
        categories = [c.name for c in await uow.categories.list(demo_school.school_id)]
        groups = {g.name: g for g in await uow.alert_groups.list(demo_school.school_id)}
    roles = {member.role for member in staff}
    assert {Role.DSL, Role.DEPUTY_DSL, Role.ADMINISTRATOR, Role.STAFF, Role.VIEWER} <= roles
    assert categories == sorted(
        [
            "Child Disclosure",
            "Communication",
            "Contact with External Agency",
            "House",
            "LADO",
            "Parental Contact",
            "Pastoral",
            "Peer on Peer",
            "Safeguarding",
            "URGENT",
        ]
    )
    dsl_team = {m.id for m in staff if m.role in (Role.DSL, Role.DEPUTY_DSL)}
    assert set(groups["DSL team"].member_ids) == dsl_team


async def test_categories_carry_their_default_alert_groups(demo_school, uow_factory):
    async with uow_factory() as uow:
        categories = {c.name: c for c in await uow.categories.list(demo_school.school_id)}
        groups = {g.name: g.id for g in await uow.alert_groups.list(demo_school.school_id)}
    assert categories["Safeguarding"].default_alert_group_ids == (groups["DSL team"],)
    assert categories["URGENT"].urgent and not categories["Pastoral"].urgent
    assert categories["LADO"].restricted and not categories["Communication"].restricted
    assert categories["Communication"].default_alert_group_ids == ()


async def test_audit_event_is_written_in_the_same_transaction_as_the_change(
    uow_factory, clock, engine
):
    async with uow_factory() as uow:
        school = await uow.schools.ensure(
            "Rolled Back School", "11111111-1111-1111-1111-111111111111", "Europe/London"
        )
        await uow.audit.append(
            AuditEvent(AuditAction.SCHOOL_SEEDED, clock.now(), school_id=school.id)
        )
        # no commit: both the school and its audit event must vanish together
    async with uow_factory() as uow:
        school = await uow.schools.ensure(
            "Kept School", "22222222-2222-2222-2222-222222222222", "Europe/London"
        )
        await uow.audit.append(
            AuditEvent(AuditAction.SCHOOL_SEEDED, clock.now(), school_id=school.id, detail={"n": 1})
        )
        await uow.commit()
    async with engine.connect() as connection:
        rows = (await connection.execute(select(AuditEventRow))).all()
    assert [(r.school_id, r.action, r.detail) for r in rows] == [
        (school.id, "school.seeded", {"n": 1})
    ]
    assert rows[0].occurred_at.replace(tzinfo=None) == clock.now().replace(tzinfo=None)


async def test_staff_role_outside_the_known_roles_is_refused_by_the_database(demo_school, engine):
    with pytest.raises(Exception, match="(?i)check|constraint"):
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE staff SET role = 'headteacher'"))


async def test_re_running_the_seed_keeps_an_administrators_later_changes(
    demo_seed, demo_school, uow_factory, clock, engine
):
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE staff SET active = false, role = 'viewer' WHERE email LIKE 'j.whitfield%'")
        )
    await seed_school(demo_seed, uow_factory=uow_factory, clock=clock)
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(StaffRow.active, StaffRow.role).where(StaffRow.email.like("j.whitfield%"))
            )
        ).one()
    assert tuple(row) == (False, "viewer")


async def test_re_running_the_seed_keeps_an_administrators_categories_and_groups(
    demo_seed, demo_school, uow_factory, clock, engine
):
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE categories SET colour = '#000000', urgent = true WHERE name = 'Pastoral'")
        )
        await connection.execute(text("DELETE FROM category_alert_groups"))
        await connection.execute(text("DELETE FROM alert_group_members"))
    await seed_school(demo_seed, uow_factory=uow_factory, clock=clock)
    async with engine.connect() as connection:
        pastoral = (
            await connection.execute(
                text("SELECT colour, urgent FROM categories WHERE name = 'Pastoral'")
            )
        ).one()
        links = await connection.scalar(text("SELECT count(*) FROM category_alert_groups"))
        members = await connection.scalar(text("SELECT count(*) FROM alert_group_members"))
    assert (pastoral[0], bool(pastoral[1]), links, members) == ("#000000", True, 0, 0)


async def test_migration_0018_adds_the_triage_lease_holder_and_takes_it_away(empty_database_url):
    from alembic import command

    from storage.migrate import alembic_config

    def columns(sync) -> set[str]:
        return {c["name"] for c in inspect(sync).get_columns("triage_posts")}

    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine, "0017")
        async with engine.connect() as connection:
            assert "claimed_by" not in await connection.run_sync(columns)
        await upgrade(engine)
        async with engine.begin() as connection:
            assert "claimed_by" in await connection.run_sync(columns)
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0017"))
        async with engine.connect() as connection:
            assert "claimed_by" not in await connection.run_sync(columns)
        assert (await schema_status(engine)).current == "0017"
    finally:
        await engine.dispose()


def _analysed_copy(migrated_sqlite_file, tmp_path, *inserts: tuple[str, list]):
    """A copy of the migrated SQLite file with these rows (foreign keys off: the rows alone
    matter) and the statistics ANALYZE gathers of them, open."""
    path = tmp_path / "analysed.db"
    shutil.copy(migrated_sqlite_file, path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=OFF")
    for statement, rows in inserts:
        db.executemany(statement, rows)
    db.execute("ANALYZE")
    db.commit()
    return db


def test_a_senders_leases_are_found_by_index_once_sqlite_has_statistics(
    migrated_sqlite_file, tmp_path
):
    """Renewing and releasing a holder's leases on alerts and triage posts (every few seconds,
    on the event loop's thread) use the lease index even after ANALYZE, when nearly every row's
    holder is NULL: with an index of every row, SQLite then expected all of them to match and
    read the table (20 ms for 105,000 alerts, 200 ms for a trust's million)."""
    db = _analysed_copy(
        migrated_sqlite_file,
        tmp_path,
        (
            "INSERT INTO alerts (school_id, incident_id, staff_id, raised_by, reason, state,"
            " created_at, attempts, stale, refresh_attempts) VALUES (1, ?, 1, 1, 'tagged',"
            " 'sent', '2026-12-01 09:00:00', 1, 0, 0)",
            [(i,) for i in range(2_000)],
        ),
        (
            "INSERT INTO triage_posts (school_id, incident_id, conversation_id, service_url,"
            " tenant_id, bot_id, state, created_at, attempts, stale) VALUES (1, ?, 'c', 'u',"
            " 't', 'b', 'sent', '2026-12-01 09:00:00', 1, 0)",
            [(i,) for i in range(2_000)],
        ),
    )
    try:
        # The WHERE clauses of SqlAlerts.renew / release and SqlTriagePosts.renew / release.
        held = "claimed_by = ? AND claimed_until IS NOT NULL"
        leases = {
            "alerts": (f"{held} AND state = 'queued'", "claimed_by = ? AND state = 'queued'"),
            "triage_posts": (held, f"{held} AND state = 'sent'"),
        }
        for table, clauses in leases.items():
            for where in clauses:
                statement = f"UPDATE {table} SET claimed_until = NULL WHERE {where}"
                rows = db.execute("EXPLAIN QUERY PLAN " + statement, ("kestrel-1",))
                plan = " ".join(r[3] for r in rows)
                assert f"USING INDEX ix_{table}_claimed_by" in plan, (statement, plan)
    finally:
        db.close()


def test_pupils_waiting_to_be_merged_are_found_by_their_own_index_with_statistics(
    migrated_sqlite_file, tmp_path
):
    """Every dashboard of the DSL team counts the pupils added by hand: after ANALYZE, with
    2,000 pupils of whom none wait, SQLite must read the partial index of those waiting, not the
    school's pupils in name order (1 ms a dashboard at school size, ten at a trust's)."""
    db = _analysed_copy(
        migrated_sqlite_file,
        tmp_path,
        (
            "INSERT INTO students (school_id, upn, mis_id, first_name, last_name,"
            " preferred_name, year_group, tutor_group, house, provisional, created_at)"
            " VALUES (1, ?, '', 'A', ?, '', 7, '7A', '', 0, '2026-12-01 09:00:00')",
            [(f"U{i}", f"Name{i % 300}") for i in range(2_000)],
        ),
    )
    try:
        # SqlStudents.provisional's statement, as SQLAlchemy renders it for SQLite.
        statement = (
            "SELECT id FROM students WHERE school_id = ? AND provisional = 1 AND merged_into"
            " IS NULL ORDER BY last_name, first_name, id"
        )
        plan = " ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + statement, (1,)))
        assert "USING INDEX ix_students_waiting" in plan, plan
    finally:
        db.close()
