"""Administration over HTTP: the `admin` command, the home card by role, and Categories (add,
change, retire, bad input kept, two administrators at once), with real Teams-shaped activities."""

import asyncio

from sqlalchemy import func, select

from safeguarding.staff import Role
from storage.models import CategoryRow, IncidentRow
from tests.support.activities import DEMO_TENANT, DSL_AAD, TEACHER_AAD, activity, as_user
from tests.support.cards import button, inputs, texts
from tests.support.pressing import HELEN_AAD, all_text, audit_details, press, say, typed_in

SECOND_ADMIN = "4f1c6a0e-1d2b-4c3a-9b8e-0000000000a2"


async def _category(engine, name: str) -> CategoryRow:
    async with engine.connect() as connection:
        return (await connection.execute(select(CategoryRow).where(CategoryRow.name == name))).one()


async def test_the_admin_command_posts_a_stub_that_opens_the_sections_in_place(running_bot):
    stub = await say(running_bot, "admin")
    assert texts(stub)[0] == "Administration"
    assert [a["verb"] for a in stub["actions"]] == ["admin.show"]
    home = await press(running_bot, "admin.show")
    titles = [
        a["title"]
        for a in home["body"]
        if a.get("type") == "Container"
        for a in a["items"][1]["actions"]
    ]
    assert titles == ["Categories", "Rights", "Staff and scopes", "Alert groups", "Lists", "School"]


async def test_the_dsl_team_sees_only_the_sections_that_touch_access(running_bot):
    home = await press(running_bot, "admin.show", DSL_AAD)
    verbs = [
        a["verb"]
        for c in home["body"]
        if c.get("type") == "Container"
        for a in c["items"][1]["actions"]
    ]
    assert verbs == ["admin.rights", "admin.staff", "admin.groups", "admin.school"]


async def test_a_teacher_is_told_administration_is_not_theirs(running_bot):
    card = await say(running_bot, "admin", TEACHER_AAD)
    assert "Administration is for administrators" in all_text(card)


async def test_an_administrator_adds_a_category_that_the_teachers_form_then_offers(
    running_bot, engine
):
    card = await press(
        running_bot,
        "admin.category_save",
        name="Online safety",
        colour="#0ea5e9",
        urgent="false",
        restricted="false",
        alert_groups="",
        position="3",
    )
    assert "Online safety added: the forms offer it now." in all_text(card)
    stored = await _category(engine, "Online safety")
    assert (stored.colour, stored.position, stored.version) == ("#0EA5E9", 3, 1)
    [detail] = await audit_details(engine, "category.added")
    assert detail["changes"]["name"] == [None, "Online safety"]
    form = await press(running_bot, "incident.add", TEACHER_AAD)
    assert "Online safety" in all_text(form)


async def test_bad_input_is_refused_with_what_to_fix_and_everything_typed_kept(running_bot):
    card = await press(
        running_bot,
        "admin.category_save",
        name="pastoral",
        colour="blue",
        urgent="true",
        alert_groups="",
        position="5",
    )
    shown = all_text(card)
    assert '"pastoral" is already used: choose another name.' in shown
    assert "Give the colour as # and six hexadecimal digits" in shown
    fields = inputs(card)
    assert (fields["name"]["value"], fields["colour"]["value"]) == ("pastoral", "blue")
    assert fields["urgent"]["value"] == "true" and fields["position"]["value"] == 5
    empty = await press(running_bot, "admin.category_save", name="  ", colour="#000000")
    assert "Give it a name." in all_text(empty)


async def test_a_category_cannot_be_made_its_own_ancestor(running_bot, engine):
    parent = await _category(engine, "Safeguarding")
    child_card = await press(
        running_bot, "admin.category_save", name="Neglect", colour="#111111", parent=str(parent.id)
    )
    assert "Neglect added" in all_text(child_card)
    child = await _category(engine, "Neglect")
    card = await press(
        running_bot,
        "admin.category_save",
        category=parent.id,
        ver=parent.version,
        name="Safeguarding",
        colour=parent.colour,
        parent=str(child.id),
    )
    assert "A category cannot sit under itself or under one of its own subcategories." in all_text(
        card
    )
    assert inputs(card)["parent"]["value"] == str(child.id)


async def test_a_retired_category_stays_on_old_records_and_leaves_the_forms(running_bot, engine):
    house = await _category(engine, "House")
    card = await press(
        running_bot, "admin.category_retire", category=house.id, ver=house.version, retire=True
    )
    assert "House is retired: it stays on old records and leaves the forms." in all_text(card)
    assert "House (#0D9488; alerts Heads of House; retired)" in all_text(card)
    form = await press(running_bot, "incident.add", TEACHER_AAD)
    assert "House" not in {c["title"] for f in inputs(form).values() for c in f.get("choices", [])}
    brought = await _category(engine, "House")
    back = await press(
        running_bot, "admin.category_retire", category=house.id, ver=brought.version, retire=False
    )
    assert "House is back on the forms." in all_text(back)
    assert [d["changes"] for d in await audit_details(engine, "category.retired")] == [
        {"retired": [False, True]}
    ]


async def test_two_administrators_editing_one_category_one_wins_and_the_other_is_told_what_changed(
    running_bot, engine, uow_factory
):
    async with uow_factory() as uow:
        school = await uow.schools.by_tenant(DEMO_TENANT)
        await uow.staff.ensure(
            school.id, SECOND_ADMIN, "Rob Ellis", "r.ellis@x", Role.ADMINISTRATOR
        )
        await uow.commit()
    for who in (HELEN_AAD, SECOND_ADMIN):  # their 1:1 chats are known already
        await say(running_bot, "help", who)
    pastoral = await _category(engine, "Pastoral")
    ref = {"category": pastoral.id, "ver": pastoral.version}
    first, second = await asyncio.gather(
        press(
            running_bot, "admin.category_save", HELEN_AAD, **ref, name="Wellbeing", colour="#16A34A"
        ),
        press(
            running_bot,
            "admin.category_save",
            SECOND_ADMIN,
            **ref,
            name="Pastoral care",
            colour="#22C55E",
        ),
    )
    said = {"Helen": all_text(first), "Rob": all_text(second)}
    won = [who for who, text in said.items() if "saved." in text]
    lost = [who for who, text in said.items() if "Changed meanwhile." in text]
    assert len(won) == 1 and len(lost) == 1, said
    winner = {"Helen": ("Helen Carter", "Wellbeing"), "Rob": ("Rob Ellis", "Pastoral care")}
    name, new = winner[won[0]]
    assert f"{name} changed it at 10:50 on 24 Nov: name Pastoral to {new}" in said[lost[0]]
    assert "What you typed is kept below." in said[lost[0]]
    stored = await _category(engine, new)
    assert stored.version == pastoral.version + 1


async def test_a_stale_card_is_told_what_changed_and_keeps_what_was_typed(running_bot, engine):
    peer = await _category(engine, "Peer on Peer")
    refused = await press(
        running_bot,
        "admin.category_save",
        DSL_AAD,
        category=peer.id,
        ver=peer.version,
        name="x",
        colour="#000000",
    )
    assert "That record is not available." in all_text(refused)  # categories: administrators
    shown = typed_in(await press(running_bot, "admin.category", category=peer.id))
    ref = {"category": peer.id, "ver": peer.version}
    await press(running_bot, "admin.category_save", **ref, **{**shown, "colour": "#FF0000"})
    stale = await press(
        running_bot, "admin.category_save", **ref, **{**shown, "name": "Peer abuse"}
    )
    shown = all_text(stale)
    assert (
        "Changed meanwhile. Helen Carter changed it at 10:50 on 24 Nov: colour #DB2777 to #FF0000."
        in shown
    )
    assert inputs(stale)["name"]["value"] == "Peer abuse"
    assert button(stale, "Save category")["data"]["ver"] == peer.version + 1


async def test_helens_help_names_admin_and_her_dashboard_says_what_she_can_do(running_bot):
    help_card = await say(running_bot, "help")
    assert "Hello Helen Carter. You are Administrator at Kestrel Demo Academy." in texts(help_card)
    assert "admin" in all_text(help_card)
    assert [a["verb"] for a in help_card["actions"]][-1] == "admin.show"
    dashboard = await say(running_bot, "dashboard")  # empty: posted as it is
    assert "You keep Kestrel's set-up" in all_text(dashboard)
    teacher = await say(running_bot, "help", TEACHER_AAD)
    assert "admin" not in [
        f["title"] for b in teacher["body"] if b["type"] == "FactSet" for f in b["facts"]
    ]


async def test_a_forged_record_in_a_retired_category_is_refused(running_bot, engine):
    house = await _category(engine, "House")
    await press(
        running_bot, "admin.category_retire", category=house.id, ver=house.version, retire=True
    )
    card = await press(
        running_bot,
        "incident.record",
        TEACHER_AAD,
        form_key="retired-category-0001",
        student_id="1",
        text="MARKER-retired",
        categories=str(house.id),
    )
    assert "Recorded as" not in all_text(card)
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(IncidentRow)) == 0


async def test_administration_opens_only_in_the_1_1_chat(running_bot):
    body = activity(
        "message_channel_mention", running_bot.connector_url, text="<at>Kestrel</at> admin"
    )
    await running_bot.post(as_user(body, HELEN_AAD))
    assert "Type admin in your 1:1 chat with Kestrel." in all_text(
        running_bot.connector.cards()[-1]
    )
    invoke = as_user(activity("invoke_action_execute", running_bot.connector_url), HELEN_AAD)
    invoke["conversation"]["conversationType"] = "channel"
    invoke["value"]["action"] = {
        "type": "Action.Execute",
        "verb": "admin.categories",
        "data": {"v": 1},
    }
    answer = await (await running_bot.post(invoke)).json()
    assert "That record is not available." in all_text(answer["value"])
