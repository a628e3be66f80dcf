"""Administration's buttons replayed by the demo administrator with another school's ids: every
one is refused (or, for a term or a proposal, said to be gone) and audited, and nothing of the
other school changes."""

from datetime import date

import pytest
from sqlalchemy import select

from safeguarding.categories import CategoryDraft
from safeguarding.rights import CategoryRights
from safeguarding.school_settings import TermDraft
from safeguarding.staff import Role
from storage.models import AuditEventRow, CategoryRow, StaffRow
from tests.support.activities import DSL_AAD, OTHER_TENANT
from tests.support.pressing import HELEN_AAD, all_text, press

NOT_AVAILABLE = "That record is not available."


@pytest.fixture
async def other(uow_factory, clock, demo_school) -> dict[str, int]:
    """Another school (another tenant) with a category, a colleague, a group, a term and a
    proposal of its own."""
    async with uow_factory() as uow:
        school = await uow.schools.ensure("Elsewhere High", OTHER_TENANT, "Europe/London")
        draft = CategoryDraft("Elsewhere only", "#123456", None, False, True, (), 0)
        category = await uow.categories.add(school.id, draft)
        member = await uow.staff.ensure(school.id, "a" * 36, "Eve Else", "e@x", Role.STAFF)
        group = await uow.alert_groups.add(school.id, "Elsewhere group", [member.id])
        term = TermDraft("Elsewhere term", date(2027, 1, 4), date(2027, 3, 26))
        term_id = await uow.schools.add_term(school.id, term)
        proposal = await uow.proposals.add(
            school.id, category, 1, CategoryRights(False), member.id, clock.now()
        )
        await uow.commit()
    return {
        "category": category,
        "staff": member.id,
        "group": group,
        "term": term_id,
        "proposal": proposal,
    }


async def _refused(engine) -> list[tuple[str, int]]:
    """The records refusals were audited against."""
    async with engine.connect() as connection:
        query = select(AuditEventRow.record_type, AuditEventRow.record_id)
        rows = await connection.execute(query.where(AuditEventRow.action == "access.refused"))
        return [tuple(row) for row in rows]


FORGED = [
    ("admin.category", lambda o: {"category": o["category"]}),
    ("admin.category_save", lambda o: {"category": o["category"], "ver": 1, "name": "Mine"}),
    ("admin.category_retire", lambda o: {"category": o["category"], "ver": 1, "retire": True}),
    ("admin.rights", lambda o: {"category": o["category"]}),
    ("admin.rights_save", lambda o: {"category": o["category"], "ver": 1, "restricted": "false"}),
    ("admin.staff_member", lambda o: {"staff": o["staff"]}),
    ("admin.staff_save", lambda o: {"staff": o["staff"], "ver": 1, "role": "dsl"}),
    ("admin.scope_save", lambda o: {"staff": o["staff"], "ver": 1, "year_groups": "7"}),
    ("admin.group", lambda o: {"group": o["group"]}),
    ("admin.group_save", lambda o: {"group": o["group"], "ver": 1, "name": "Mine"}),
    ("admin.group_retire", lambda o: {"group": o["group"], "ver": 1, "retire": True}),
]


@pytest.mark.parametrize(("verb", "data"), FORGED, ids=[verb for verb, _ in FORGED])
async def test_another_schools_id_is_refused_and_audited(running_bot, engine, other, verb, data):
    card = await press(running_bot, verb, HELEN_AAD, **data(other))
    assert NOT_AVAILABLE in all_text(card)
    refused = await _refused(engine)
    async with engine.connect() as connection:
        category = (
            await connection.execute(select(CategoryRow).where(CategoryRow.id == other["category"]))
        ).one()
        eve = (
            await connection.execute(select(StaffRow).where(StaffRow.id == other["staff"]))
        ).one()
    kind = verb.removeprefix("admin.").split("_")[0]
    wanted = {"rights": "category", "scope": "staff", "group": "alert_group"}.get(kind, kind)
    assert (wanted, data(other)[wanted.replace("alert_", "")]) in refused
    assert (category.name, category.version, category.retired_at) == ("Elsewhere only", 1, None)
    assert (eve.role, eve.version) == ("staff", 1)


@pytest.mark.parametrize(
    ("verb", "who", "field"),
    [
        ("admin.term_remove", HELEN_AAD, "term"),
        ("admin.proposal_confirm", DSL_AAD, "proposal"),
        ("admin.proposal_decline", DSL_AAD, "proposal"),
    ],
)
async def test_another_schools_term_or_proposal_is_not_there_and_the_attempt_audited(
    running_bot, engine, other, verb, who, field
):
    card = await press(running_bot, verb, who, **{field: other[field]})
    assert "Changed meanwhile." in all_text(card)
    assert (field, other[field]) in await _refused(engine)
