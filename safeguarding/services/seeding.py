"""Seeding a school's reference data (the demo school, or a school's first set-up): not a press
(there is nobody pressing), one unit of work, re-runnable."""

from dataclasses import replace

from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.clock import Clock
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.school import Category
from safeguarding.seed import SchoolSeed, SeedResult


async def seed_school(
    seed: SchoolSeed, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> SeedResult:
    """Create or bring up to date a school's staff, groups, categories and students; re-runnable."""
    async with uow_factory() as uow:
        school = await uow.schools.ensure(seed.name, seed.tenant_id, seed.time_zone)
        staff_ids = {}
        for s in seed.staff:
            member = await uow.staff.ensure(
                school.id, s.aad_object_id, s.display_name, s.email, s.role
            )
            staff_ids[s.email] = member.id
        # Groups and categories are added once: re-seeding keeps an administrator's changes.
        group_ids = {}
        for name, members in seed.alert_groups.items():
            group = await uow.alert_groups.ensure(school.id, name, [staff_ids[e] for e in members])
            group_ids[name] = group.id
        await _add_categories(uow, school.id, seed, group_ids)
        for student in seed.students:
            await uow.students.ensure(replace(student, school_id=school.id))
        result = SeedResult(
            school.id, len(seed.staff), len(seed.students), len(seed.categories), len(group_ids)
        )
        await uow.audit.append(
            AuditEvent(
                AuditAction.SCHOOL_SEEDED,
                clock.now(),
                school_id=school.id,
                record_type="school",
                record_id=school.id,
                detail={"staff": result.staff, "students": result.students},
            )
        )
        await uow.commit()
    return result


async def _add_categories(
    uow: UnitOfWork, school_id: int, seed: SchoolSeed, group_ids: dict[str, int]
) -> None:
    """The seed's categories the school does not have yet, in the seed's order."""
    known = {c.name for c in await uow.categories.list(school_id)}
    for position, c in enumerate(seed.categories):
        if c.name in known:
            continue
        category = await uow.categories.ensure(
            Category(0, school_id, c.name, c.colour, c.urgent, c.restricted, position=position)
        )
        await uow.categories.set_default_alert_groups(
            category.id, [group_ids[g] for g in c.default_alert_groups]
        )
