"""Staff and alert groups over HTTP: roles and active (never the last active DSL; roles that see
records given by the DSL team only; read-only where the directory sets them), scopes, and alert
groups from a drop-down of the school's staff."""

from datetime import UTC, datetime

from sqlalchemy import insert, select

from safeguarding.chats import ChatAddress
from storage.models import (
    AlertGroupRow,
    AlertRow,
    ChatAddressRow,
    IncidentRow,
    StaffRow,
    StaffScopeRow,
)
from tests.integration.conftest import serving
from tests.support.activities import DSL_AAD
from tests.support.cards import button, choices, inputs
from tests.support.pressing import HELEN_AAD, TOM_AAD, all_text, audit_details, press, typed_in


async def _staff(engine, name: str) -> StaffRow:
    async with engine.connect() as connection:
        query = select(StaffRow).where(StaffRow.display_name == name)
        return (await connection.execute(query)).one()


async def _open(bot, name: str, aad: str = HELEN_AAD) -> dict:
    card = await press(bot, "admin.staff", aad)
    return await press(
        bot, "admin.staff_member", aad, staff_id=choices(card, "staff_id")[_title(card, name)]
    )


def _title(card: dict, name: str) -> str:
    [title] = [t for t in choices(card, "staff_id") if t.startswith(name + " (")]
    return title


async def test_the_last_active_dsl_cannot_be_removed(running_bot, engine):
    priya = await _staff(engine, "Priya Raman")
    card = await _open(running_bot, "Priya Raman", DSL_AAD)
    for change in ({"role": "deputy_dsl"}, {"active": "false"}):
        refused = await press(
            running_bot,
            "admin.staff_save",
            DSL_AAD,
            **{**typed_in(card), **change, "staff": priya.id, "ver": priya.version},
        )
        assert "Kestrel needs at least one active Designated Safeguarding Lead" in all_text(refused)
        assert inputs(refused)["role"]["value"] == change.get("role", "dsl")
    assert (await _staff(engine, "Priya Raman")).role == "dsl"


async def test_the_dsl_makes_a_deputy_dsl_and_may_then_step_down(running_bot, engine):
    tom = await _staff(engine, "Tom Okafor")
    card = await _open(running_bot, "Tom Okafor", DSL_AAD)
    saved = await press(
        running_bot,
        "admin.staff_save",
        DSL_AAD,
        **{**typed_in(card), "role": "dsl", "staff": tom.id, "ver": tom.version},
    )
    assert "Tom Okafor: saved." in all_text(saved)
    priya = await _staff(engine, "Priya Raman")
    stepped = await press(
        running_bot,
        "admin.staff_save",
        TOM_AAD,
        staff=priya.id,
        ver=priya.version,
        role="deputy_dsl",
        active="true",
    )
    assert "Priya Raman: saved." in all_text(stepped)
    details = await audit_details(engine, "staff.changed")
    assert [d["changes"] for d in details] == [
        {"role": ["deputy_dsl", "dsl"]},
        {"role": ["dsl", "deputy_dsl"]},
    ]


async def test_an_administrator_may_deactivate_and_nothing_reaches_them_but_not_give_a_record_role(
    running_bot, engine, uow_factory
):
    james = await _staff(engine, "James Whitfield")
    card = await _open(running_bot, "James Whitfield")
    ref = {"staff": james.id, "ver": james.version}
    refused = await press(
        running_bot, "admin.staff_save", **{**typed_in(card), **ref, "role": "viewer"}
    )
    assert "Only the DSL team give or take a role that sees safeguarding records." in all_text(
        refused
    )
    alert = await _queued_alert_for(engine, james)
    async with uow_factory() as uow:  # his 1:1 chat, kept for alerts
        address = ChatAddress("a:james", "https://smba.example/", "tenant", "28:k", "29:james")
        await uow.chats.save(james.id, address, datetime.now(UTC))
        await uow.commit()
    left = await press(
        running_bot, "admin.staff_save", **{**typed_in(card), **ref, "active": "false"}
    )
    assert "James Whitfield: saved." in all_text(left)
    after = await _staff(engine, "James Whitfield")
    assert not after.active and after.deactivated_here  # held against the directory's syncs
    assert "James Whitfield (Staff, turned off here)" in choices(left, "staff_id")
    async with engine.connect() as connection:  # nothing more reaches him
        state = await connection.scalar(select(AlertRow.state).where(AlertRow.id == alert))
        chat = await connection.scalar(
            select(ChatAddressRow.staff_id).where(ChatAddressRow.staff_id == james.id)
        )
    assert state == "undeliverable" and chat is None
    back = await press(
        running_bot,
        "admin.staff_save",
        **{**typed_in(left), "staff": james.id, "ver": after.version, "active": "true"},
    )
    assert "James Whitfield: saved." in all_text(back)
    again = await _staff(engine, "James Whitfield")
    assert again.active and not again.deactivated_here


async def _queued_alert_for(engine, member: StaffRow) -> int:
    """An incident with an alert for `member` still waiting to be sent."""
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        incident = await connection.scalar(
            insert(IncidentRow)
            .values(
                school_id=member.school_id,
                recorded_by=member.id,
                recorded_at=now,
                happened_at=now,
                time_zone="Europe/London",
                status="Open",
                idempotency_key="queued-for-a-leaver",
                text_ciphertext="not read here",
            )
            .returning(IncidentRow.id)
        )
        return await connection.scalar(
            insert(AlertRow)
            .values(
                school_id=member.school_id,
                incident_id=incident,
                staff_id=member.id,
                raised_by=member.id,
                reason="tagged",
                state="queued",
                created_at=now,
            )
            .returning(AlertRow.id)
        )


async def test_a_scope_limits_a_viewer_and_the_dsl_team_are_never_limited(running_bot, engine):
    daniel = await _staff(engine, "Daniel Hughes")
    card = await _open(running_bot, "Daniel Hughes")
    assert [c["title"] for c in inputs(card)["year_groups"]["choices"]][:2] == ["Year 7", "Year 8"]
    saved = await press(
        running_bot,
        "admin.scope_save",
        **{
            **typed_in(card),
            "year_groups": "7,8",
            "tutor_groups": "9B",
            "staff": daniel.id,
            "ver": daniel.version,
        },
    )
    assert "Daniel Hughes: scope saved." in all_text(saved)
    assert "Daniel Hughes (Viewer, only Year 7, Year 8, 9B)" in all_text(saved)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(select(StaffScopeRow.year_group, StaffScopeRow.tutor_group))
        ).all()
    assert sorted(rows, key=str) == sorted([(7, None), (8, None), (None, "9B")], key=str)
    tom = await _staff(engine, "Tom Okafor")
    refused = await press(
        running_bot, "admin.scope_save", staff=tom.id, ver=tom.version, year_groups="7"
    )
    assert "The DSL team see the whole school: every concern must reach them." in all_text(refused)
    unknown = await press(
        running_bot, "admin.scope_save", staff=daniel.id, ver=daniel.version + 1, year_groups="15"
    )
    assert "Choose year groups from the list." in all_text(unknown)


async def test_nobody_chosen_asks_for_a_colleague(running_bot):
    card = await press(running_bot, "admin.staff_member", staff_id="")
    assert "Choose a colleague first." in all_text(card)


async def test_where_roles_come_from_entra_the_card_shows_the_mapping_and_roles_are_read_only(
    engine, clock, database_url, connector, demo_school, keyring, files_dir, audit_keys
):
    groups = (
        ("dsl", "11111111-aaaa-4bbb-8ccc-000000000001"),
        ("staff", "22222222-aaaa-4bbb-8ccc-0000000000b2"),
    )
    running = serving(
        engine, clock, database_url, connector, keyring, files_dir, audit_keys, role_groups=groups
    )
    async with running as bot:
        card = await _open(bot, "James Whitfield")
        assert "Roles come from Microsoft Entra groups (KESTREL_ROLE_GROUPS)" in all_text(card)
        assert "11111111-aaaa-4bbb-8ccc-000000000001" in all_text(card)
        assert "role" not in inputs(card)
        assert "Role: Staff (from Microsoft Entra)." in all_text(card)
        james = await _staff(engine, "James Whitfield")
        ref = {"staff": james.id, "ver": james.version}
        forged = await press(bot, "admin.staff_save", DSL_AAD, **ref, role="viewer", active="true")
        assert "Roles come from Microsoft Entra groups here" in all_text(forged)
        assert "Turned off here, they stay inactive whatever the directory says" in all_text(card)
        off = await press(bot, "admin.staff_save", **{**typed_in(card), **ref, "active": "false"})
        assert "the directory's sync keeps them inactive until they are turned on" in all_text(off)


async def test_alert_groups_are_added_with_members_chosen_from_the_staff_and_retired(
    running_bot, engine
):
    groups = await press(running_bot, "admin.groups")
    members = choices(groups, "members")
    assert "Helen Carter" not in members  # an administrator can never open what an alert is about
    added = await press(
        running_bot,
        "admin.group_save",
        name="Year 7 team",
        members=f"{members['James Whitfield']},{members['Aisha Khan']}",
    )
    assert "Year 7 team added." in all_text(added)
    assert "Year 7 team: Aisha Khan, James Whitfield" in all_text(added)
    dup = await press(running_bot, "admin.group_save", name="year 7 TEAM", members="")
    assert '"year 7 TEAM" is already used: choose another name.' in all_text(dup)
    async with engine.connect() as connection:
        group = (
            await connection.execute(
                select(AlertGroupRow).where(AlertGroupRow.name == "Year 7 team")
            )
        ).one()
        dsl_team = (
            await connection.execute(select(AlertGroupRow).where(AlertGroupRow.name == "DSL team"))
        ).one()
    retired = await press(
        running_bot, "admin.group_retire", group=group.id, ver=group.version, retire=True
    )
    assert "Year 7 team is retired." in all_text(retired)
    form = await press(running_bot, "incident.add", DSL_AAD)
    assert "Year 7 team" not in all_text(form)
    kept = await press(
        running_bot, "admin.group_retire", group=dsl_team.id, ver=dsl_team.version, retire=True
    )
    assert (
        "Child Disclosure, LADO, Peer on Peer, Safeguarding, URGENT alert it by default"
        in all_text(kept)
    )
    opened = await press(running_bot, "admin.group", group=dsl_team.id)
    assert button(opened, "Save group")["data"] == {
        "v": 1,
        "group": dsl_team.id,
        "ver": dsl_team.version,
    }
