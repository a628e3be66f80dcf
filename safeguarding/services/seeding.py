"""Seeding a school's reference data (the demo school, or a school's first set-up): not a press
(there is nobody pressing), one unit of work, re-runnable."""

from dataclasses import replace

from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.clock import Clock
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.school import Category
from safeguarding.seed import SchoolSeed, SeedResult


async def seed_school(
    seed: SchoolSeed, *, uow_factory: UnitOfWorkFactory, clock: Clock, oldest: bool = True
) -> SeedResult:
    """Create or bring up to date a school's staff, groups, categories and students; re-runnable.

    The school is the tenant's of the seed's name; with `oldest` (a tenant's first seed), else
    the tenant's first school (renamed since); a trust's further schools pass `oldest=False`."""
    async with uow_factory() as uow:
        school = await uow.schools.ensure(seed.name, seed.tenant_id, seed.time_zone, oldest=oldest)
        staff_ids = await _add_staff(uow, school.id, seed)
        # Groups and categories are added once: re-seeding keeps an administrator's changes.
        group_ids = {}
        for name, members in seed.alert_groups.items():
            group = await uow.alert_groups.ensure(school.id, name, [staff_ids[e] for e in members])
            group_ids[name] = group.id
        await _add_categories(uow, school.id, seed, group_ids)
        for student in seed.students:
            await uow.students.ensure(replace(student, school_id=school.id))
        staff = len(seed.staff) + len(seed.trust_staff)
        result = SeedResult(
            school.id, staff, len(seed.students), len(seed.categories), len(group_ids)
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


async def _add_staff(uow: UnitOfWork, school_id: int, seed: SchoolSeed) -> dict[str, int]:
    """The school's staff, and the trust's (a row in every school of the tenant): ids by email."""
    staff_ids = {}
    for s in seed.staff:
        member = await uow.staff.ensure(school_id, s.aad_object_id, s.display_name, s.email, s.role)
        staff_ids[s.email] = member.id
    tenant_schools = [x.id for x in await uow.schools.list() if x.tenant_id == seed.tenant_id]
    for s in seed.trust_staff:
        for other in tenant_schools:
            member = await uow.staff.ensure(other, s.aad_object_id, s.display_name, s.email, s.role)
            if other == school_id:
                staff_ids[s.email] = member.id
    return staff_ids


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
