"""Stored access rules on SQLite and PostgreSQL: policy loading, scopes, exclusions by the DSL."""

import pytest
from sqlalchemy import select

from safeguarding.access import NONE, Action, Decision, Pupil, Record, Viewer, decide
from safeguarding.errors import NotAvailable
from safeguarding.staff import Role
from storage.models import AuditEventRow
from tests.support.exclusions import exclude, lift


@pytest.fixture
async def school(demo_school, uow_factory):
    async with uow_factory() as uow:
        staff = {s.role: s for s in reversed(await uow.staff.list(demo_school.school_id))}
        categories = {c.name: c for c in await uow.categories.list(demo_school.school_id)}
        pupil = await uow.students.by_id(demo_school.school_id, 1)
    return staff, categories, pupil


async def test_the_demo_school_gets_day_one_rights_by_default(school, uow_factory, clock):
    staff, categories, pupil = school
    async with uow_factory() as uow:
        policy = await uow.access.policy(pupil.school_id)
    record = Record(
        pupils=(Pupil(pupil.id, pupil.year_group, pupil.tutor_group),),
        categories=frozenset({categories["Safeguarding"].id}),
        happened_at=clock.now(),
    )
    assert categories["Safeguarding"].id in policy.restricted
    assert (
        decide(Viewer(staff[Role.VIEWER]), Action.VIEW_INCIDENT, record, policy, clock.now())
        == Decision.DENY
    )
    assert decide(Viewer(staff[Role.DSL]), Action.VIEW_INCIDENT, record, policy, clock.now()) == (
        Decision.NEEDS_ELEVATION
    )


async def test_stored_role_rights_and_scopes_change_the_decision(school, uow_factory, clock):
    staff, categories, pupil = school
    viewer = staff[Role.VIEWER]
    pastoral = categories["Pastoral"].id
    async with uow_factory() as uow:
        await uow.access.set_role_rights(pastoral, Role.VIEWER, NONE)
        await uow.access.set_scope(viewer.id, [pupil.year_group + 1], [])
        await uow.commit()
    async with uow_factory() as uow:
        policy = await uow.access.policy(pupil.school_id)
    record = Record(
        pupils=(Pupil(pupil.id, pupil.year_group, pupil.tutor_group),),
        categories=frozenset({pastoral}),
        happened_at=clock.now(),
    )
    assert policy.scopes[viewer.id].year_groups == frozenset({pupil.year_group + 1})
    assert (
        decide(Viewer(viewer), Action.VIEW_INCIDENT, record, policy, clock.now()) == Decision.DENY
    )
    assert decide(Viewer(viewer), Action.VIEW_STUDENT, record, policy, clock.now()) == Decision.DENY


async def test_the_dsl_excludes_a_colleague_from_a_pupil_and_can_lift_it(
    school, uow_factory, clock, engine
):
    staff, _, pupil = school
    teacher, dsl = staff[Role.STAFF], staff[Role.DSL]
    exclusion = await exclude(uow_factory, clock, dsl, teacher.id, pupil.id, "own_child")
    async with uow_factory() as uow:
        assert await uow.access.excluded_students(teacher.id) == frozenset({pupil.id})
    await lift(uow_factory, clock, dsl, exclusion)
    async with uow_factory() as uow:
        assert await uow.access.excluded_students(teacher.id) == frozenset()
    async with engine.connect() as connection:
        actions = list(
            await connection.scalars(
                select(AuditEventRow.action).where(AuditEventRow.record_type == "student")
            )
        )
    assert actions == ["exclusion.set", "exclusion.lifted"]


@pytest.mark.parametrize(
    ("actor", "target", "reason"),
    [
        (Role.DEPUTY_DSL, Role.STAFF, "relative"),
        (Role.VIEWER, Role.STAFF, "relative"),
        (Role.DSL, Role.DSL, "relative"),
        (Role.DSL, Role.STAFF, "because"),
    ],
    ids=["deputy", "viewer", "self", "unknown-reason"],
)
async def test_only_the_dsl_sets_exclusions_and_refusals_are_audited(
    school, uow_factory, clock, engine, actor, target, reason
):
    staff, _, pupil = school
    with pytest.raises(NotAvailable):
        await exclude(uow_factory, clock, staff[actor], staff[target].id, pupil.id, reason)
    async with uow_factory() as uow:
        assert await uow.access.excluded_students(staff[target].id) == frozenset()
    async with engine.connect() as connection:
        refused = list(
            await connection.scalars(
                select(AuditEventRow.detail).where(AuditEventRow.action == "access.refused")
            )
        )
    assert refused == [{"verb": "exclusion.set"}]


async def test_a_lifted_or_foreign_exclusion_cannot_be_lifted_again(school, uow_factory, clock):
    staff, _, pupil = school
    dsl = staff[Role.DSL]
    exclusion = await exclude(uow_factory, clock, dsl, staff[Role.STAFF].id, pupil.id, "allegation")
    await lift(uow_factory, clock, dsl, exclusion)
    with pytest.raises(NotAvailable):
        await lift(uow_factory, clock, dsl, exclusion)
    with pytest.raises(NotAvailable):
        await lift(uow_factory, clock, dsl, 987_654)


async def test_excluding_twice_keeps_one_exclusion_and_lifting_it_ends_it(
    school, uow_factory, clock
):
    staff, _, pupil = school
    dsl, teacher = staff[Role.DSL], staff[Role.STAFF]
    first = await exclude(uow_factory, clock, dsl, teacher.id, pupil.id, "relative")
    again = await exclude(uow_factory, clock, dsl, teacher.id, pupil.id, "own_child")
    assert first == again
    await lift(uow_factory, clock, dsl, first)
    async with uow_factory() as uow:
        assert await uow.access.excluded_students(teacher.id) == frozenset()


async def test_the_lift_is_audited_against_the_excluded_pupil_not_what_the_button_said(
    school, uow_factory, clock, engine
):
    staff, _, pupil = school
    exclusion = await exclude(
        uow_factory, clock, staff[Role.DSL], staff[Role.STAFF].id, pupil.id, "relative"
    )
    await lift(uow_factory, clock, staff[Role.DSL], exclusion)
    async with engine.connect() as connection:
        lifted = await connection.scalar(
            select(AuditEventRow.record_id).where(AuditEventRow.action == "exclusion.lifted")
        )
    assert lifted == pupil.id
