"""Rights over HTTP: a change is shown (who gains or loses access) before it is saved; widening
access to a restricted category takes the DSL team's authenticator code, and an administrator's
widening waits as a proposal for one of them to confirm or decline."""

from sqlalchemy import select

from safeguarding.access import Rights
from safeguarding.staff import Role, StaffMember
from storage.models import AccessProposalRow, AuditEventRow, CategoryRow
from tests.support.activities import DSL_AAD, TEACHER_AAD
from tests.support.cards import button, inputs
from tests.support.pressing import HELEN_AAD, all_text, code_now, enrol, press, typed_in

VIEWERS_GAIN = (
    "2 colleagues will be able to view Safeguarding incidents: Daniel Hughes and Owen Price."
)


async def _category(engine, name: str) -> CategoryRow:
    async with engine.connect() as connection:
        return (await connection.execute(select(CategoryRow).where(CategoryRow.name == name))).one()


async def _rights(uow_factory, school_id: int, category_id: int, role: Role) -> Rights:
    async with uow_factory() as uow:
        policy = await uow.access.policy(school_id)
    return policy.rights(StaffMember(0, school_id, "x", "x", "x", role), category_id)


async def _matrix(bot, aad: str, category: CategoryRow, **changed: str) -> dict:
    """The Rights card's inputs for a category, with these changed."""
    card = await press(bot, "admin.rights", aad, category=category.id)
    return {**typed_in(card), **changed, "category": category.id, "ver": category.version}


async def _propose(bot, category: CategoryRow, **changed: str) -> tuple[dict, dict]:
    """Helen checks a widening change, then sends it to the DSL team: both answers."""
    widened = await _matrix(bot, HELEN_AAD, category, **changed)
    checked = await press(bot, "admin.rights_save", **widened)
    token = button(checked, "Propose to the DSL team")["data"]["confirm"]
    return checked, await press(bot, "admin.rights_save", **widened, confirm=token)


async def _actions(engine) -> list[str]:
    async with engine.connect() as connection:
        return list(await connection.scalars(select(AuditEventRow.action)))


async def test_the_card_says_who_gains_access_and_the_dsl_saves_with_a_code(
    running_bot, engine, clock, uow_factory, demo_school
):
    safeguarding = await _category(engine, "Safeguarding")
    widened = await _matrix(running_bot, DSL_AAD, safeguarding, role_viewer_view_incidents="true")
    checked = await press(running_bot, "admin.rights_save", DSL_AAD, **widened)
    assert VIEWERS_GAIN in all_text(checked)
    assert "This widens access to a restricted category: enter your code above." in all_text(
        checked
    )
    save = button(checked, "Save with my code")
    without = await press(
        running_bot, "admin.rights_save", DSL_AAD, **widened, confirm=save["data"]["confirm"]
    )
    assert "Widening access to a restricted category needs your authenticator" in all_text(without)
    secret = await enrol(running_bot, DSL_AAD, clock)
    code = code_now(secret, clock)
    saved = await press(
        running_bot,
        "admin.rights_save",
        DSL_AAD,
        **widened,
        confirm=save["data"]["confirm"],
        code=code,
    )
    assert "Saved: " + VIEWERS_GAIN in all_text(saved)
    viewer = await _rights(uow_factory, demo_school.school_id, safeguarding.id, Role.VIEWER)
    assert viewer.view_incidents
    assert (await _category(engine, "Safeguarding")).version == safeguarding.version + 1
    assert "rights.changed" in await _actions(engine)


async def test_a_wrong_code_is_refused_and_keeps_what_was_typed(running_bot, engine, clock):
    safeguarding = await _category(engine, "Safeguarding")
    secret = await enrol(running_bot, DSL_AAD, clock)
    widened = await _matrix(running_bot, DSL_AAD, safeguarding, role_viewer_view_incidents="true")
    checked = await press(running_bot, "admin.rights_save", DSL_AAD, **widened)
    token = button(checked, "Save with my code")["data"]["confirm"]
    wrong = str((int(code_now(secret, clock)) + 1) % 1_000_000).zfill(6)
    card = await press(
        running_bot, "admin.rights_save", DSL_AAD, **widened, confirm=token, code=wrong
    )
    assert "That code was not accepted." in all_text(card)
    assert inputs(card)["role_viewer_view_incidents"]["value"] == "true"
    assert "elevation.failed" in await _actions(engine)


async def test_an_administrators_widening_waits_for_the_dsl_who_confirms_it_with_a_code(
    running_bot, engine, clock, uow_factory, demo_school
):
    safeguarding = await _category(engine, "Safeguarding")
    checked, proposed = await _propose(running_bot, safeguarding, role_viewer_view_incidents="true")
    assert VIEWERS_GAIN in all_text(checked)
    assert "Sent to the DSL team" in all_text(proposed)
    viewer = await _rights(uow_factory, demo_school.school_id, safeguarding.id, Role.VIEWER)
    assert not viewer.view_incidents  # nothing applies until a member of the DSL team confirms

    home = await press(running_bot, "admin.show", DSL_AAD)
    assert "1 change to access waits for you and the DSL team to confirm (Rights)." in all_text(
        home
    )
    dashboard = await press(running_bot, "dashboard.show", DSL_AAD)
    assert "1 change to access waits for the DSL team to confirm:" in all_text(dashboard)
    rights = await press(running_bot, "admin.rights", DSL_AAD)
    assert "Safeguarding: proposed by Helen Carter at 10:50 on 24 Nov." in all_text(rights)
    assert VIEWERS_GAIN in all_text(rights)
    confirm = button(rights, "Confirm with my code")
    secret = await enrol(running_bot, DSL_AAD, clock)
    done = await press(
        running_bot,
        "admin.proposal_confirm",
        DSL_AAD,
        **confirm["data"],
        code=code_now(secret, clock),
    )
    assert "Confirmed: the rights of Safeguarding apply now." in all_text(done)
    viewer = await _rights(uow_factory, demo_school.school_id, safeguarding.id, Role.VIEWER)
    assert viewer.view_incidents
    async with engine.connect() as connection:
        decision = await connection.scalar(select(AccessProposalRow.decision))
    assert decision == "confirmed"
    assert {"rights.proposed", "rights.changed"} <= set(await _actions(engine))


async def test_the_administrator_cannot_confirm_and_a_declined_proposal_changes_nothing(
    running_bot, engine, uow_factory, demo_school
):
    safeguarding = await _category(engine, "Safeguarding")
    await _propose(running_bot, safeguarding, role_staff_view_students="true")
    async with engine.connect() as connection:
        proposal = await connection.scalar(select(AccessProposalRow.id))
    refused = await press(running_bot, "admin.proposal_confirm", proposal=proposal, code="123456")
    assert "That record is not available." in all_text(refused)
    declined = await press(running_bot, "admin.proposal_decline", DSL_AAD, proposal=proposal)
    assert "Declined: nothing was changed." in all_text(declined)
    again = await press(running_bot, "admin.proposal_decline", DSL_AAD, proposal=proposal)
    assert "It was decided already" in all_text(again)
    staff = await _rights(uow_factory, demo_school.school_id, safeguarding.id, Role.STAFF)
    assert not staff.view_students
    assert "rights.declined" in await _actions(engine)


async def test_a_proposal_overtaken_by_another_change_is_not_applied(
    running_bot, engine, clock, uow_factory, demo_school
):
    safeguarding = await _category(engine, "Safeguarding")
    await _propose(running_bot, safeguarding, role_viewer_view_incidents="true")
    narrowed = await _matrix(running_bot, DSL_AAD, safeguarding, role_staff_add_incidents="false")
    first = await press(running_bot, "admin.rights_save", DSL_AAD, **narrowed)
    token = button(first, "Save")["data"]["confirm"]
    await press(running_bot, "admin.rights_save", DSL_AAD, **narrowed, confirm=token)
    rights = await press(running_bot, "admin.rights", DSL_AAD)
    secret = await enrol(running_bot, DSL_AAD, clock)
    confirm = button(rights, "Confirm with my code")["data"]
    card = await press(
        running_bot, "admin.proposal_confirm", DSL_AAD, **confirm, code=code_now(secret, clock)
    )
    assert (
        "The rights of Safeguarding changed after this was proposed: it was not applied."
        in all_text(card)
    )
    viewer = await _rights(uow_factory, demo_school.school_id, safeguarding.id, Role.VIEWER)
    assert not viewer.view_incidents


async def test_narrowing_saves_at_once_and_the_teachers_form_follows_on_the_next_press(
    running_bot, engine
):
    communication = await _category(engine, "Communication")
    before = await press(running_bot, "incident.add", TEACHER_AAD)
    assert "Communication" in all_text(before)
    narrowed = await _matrix(
        running_bot, HELEN_AAD, communication, role_staff_add_incidents="false"
    )
    checked = await press(running_bot, "admin.rights_save", **narrowed)
    lost = "3 colleagues will no longer be able to record Communication concerns: Aisha Khan,"
    assert lost + " James Whitfield and Sarah Lloyd." in all_text(checked)
    token = button(checked, "Save")["data"]["confirm"]
    await press(running_bot, "admin.rights_save", **narrowed, confirm=token)
    after = await press(running_bot, "incident.add", TEACHER_AAD)
    assert "Communication" not in all_text(after)


async def test_an_administrator_is_never_given_a_right_to_view(
    running_bot, engine, uow_factory, demo_school
):
    pastoral = await _category(engine, "Pastoral")
    forged = await _matrix(
        running_bot,
        HELEN_AAD,
        pastoral,
        role_administrator_view_incidents="true",
        role_administrator_view_students="true",
    )
    checked = await press(running_bot, "admin.rights_save", **forged)
    assert "Nothing was changed." in all_text(checked)
    admin = await _rights(uow_factory, demo_school.school_id, pastoral.id, Role.ADMINISTRATOR)
    assert admin == Rights(add_incidents=True)


async def test_a_changed_toggle_after_checking_is_checked_again_before_saving(running_bot, engine):
    pastoral = await _category(engine, "Pastoral")
    narrowed = await _matrix(running_bot, HELEN_AAD, pastoral, role_viewer_view_incidents="false")
    checked = await press(running_bot, "admin.rights_save", **narrowed)
    token = button(checked, "Save")["data"]["confirm"]
    changed = {**narrowed, "role_viewer_view_students": "false"}
    again = await press(running_bot, "admin.rights_save", **changed, confirm=token)
    assert "Check before saving" in all_text(again) and "Saved:" not in all_text(again)
    assert (await _category(engine, "Pastoral")).version == pastoral.version  # not saved


async def test_a_named_colleague_gets_rights_of_their_own(
    running_bot, engine, uow_factory, demo_school
):
    pastoral = await _category(engine, "Pastoral")
    card = await press(running_bot, "admin.rights", HELEN_AAD, category=pastoral.id)
    aisha = {c["title"]: c["value"] for c in inputs(card)["new_staff"]["choices"]}["Aisha Khan"]
    assert "Priya Raman" not in str(inputs(card)["new_staff"]["choices"])  # the DSL team: all
    given = await _matrix(
        running_bot,
        HELEN_AAD,
        pastoral,
        new_staff=aisha,
        new_view_students="true",
        new_view_incidents="true",
        new_add_incidents="true",
    )
    checked = await press(running_bot, "admin.rights_save", **given)
    assert "1 colleague will be able to view Pastoral incidents: Aisha Khan." in all_text(checked)
    await press(
        running_bot,
        "admin.rights_save",
        **given,
        confirm=button(checked, "Save")["data"]["confirm"],
    )
    shown = await press(running_bot, "admin.rights", HELEN_AAD, category=pastoral.id)
    assert f"staff_{aisha}_keep" in inputs(shown)
