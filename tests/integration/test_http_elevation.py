"""Settings and elevated access through the real endpoint, with Teams-shaped invokes."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select

from storage.models import AuditEventRow
from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user
from tests.support.cards import assert_valid_card


async def press(bot, verb: str, aad: str = TEACHER_AAD, conversation: str = "personal", **data):
    body = as_user(activity("invoke_action_execute", bot.connector_url), aad)
    body["conversation"]["conversationType"] = conversation
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    response = await bot.post(body)
    assert response.status == 200
    card = (await response.json())["value"]
    assert_valid_card(card)
    return card


def shown(card: dict) -> str:
    return str(card["body"])


def secret_on(card: dict) -> str:
    runs = [b["inlines"][0]["text"] for b in card["body"] if b["type"] == "RichTextBlock"]
    return runs[0].replace(" ", "")


async def test_settings_command_offers_to_set_up_elevated_access(running_bot):
    body = as_user(
        activity("message_help", running_bot.connector_url, text="settings"), TEACHER_AAD
    )
    await running_bot.post(body)
    [card] = running_bot.connector.cards()
    assert "Not set up" in shown(card)
    assert [a["verb"] for a in card["actions"]] == ["settings.save", "elevation.enrol"]


async def test_enrolling_shows_a_qr_code_once_and_a_correct_code_elevates(running_bot, clock):
    enrolment = await press(running_bot, "elevation.enrol")
    [image] = [b for b in enrolment["body"] if b["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    assert running_bot.connector.sent == []  # nothing of it was posted into the chat
    code = pyotp.TOTP(secret_on(enrolment)).at(clock.now())
    card = await press(running_bot, "elevation.verify", code=code)
    assert "Your access is elevated." in shown(card)
    assert "Active until 11:20." in shown(card)  # 10:50 UTC + 30 min, London is on UTC in November


async def test_a_wrong_code_comes_back_with_what_was_typed_and_why(running_bot, clock):
    enrolment = await press(running_bot, "elevation.enrol")
    await press(
        running_bot, "elevation.verify", code=pyotp.TOTP(secret_on(enrolment)).at(clock.now())
    )
    clock.at += timedelta(seconds=30)
    card = await press(running_bot, "elevation.verify", code="000000")
    [field] = [b for b in card["body"] if b.get("id") == "code"]
    assert field["value"] == "000000"
    assert "That code was not accepted" in shown(card)


async def test_enrolment_is_refused_outside_the_one_to_one_chat(running_bot):
    card = await press(running_bot, "elevation.enrol", conversation="groupChat")
    assert "in your 1:1 chat" in shown(card)
    assert not any(b["type"] == "Image" for b in card["body"])


async def test_a_teacher_forging_a_reset_gets_not_available_and_it_is_audited(running_bot, engine):
    card = await press(running_bot, "elevation.reset", staff_id="1")
    assert "That record is not available." in shown(card)
    async with engine.connect() as connection:
        refused = (
            await connection.execute(
                select(AuditEventRow.action, AuditEventRow.detail).where(
                    AuditEventRow.action == "access.refused"
                )
            )
        ).all()
    assert [tuple(r) for r in refused] == [("access.refused", {"verb": "elevation.reset"})]


async def test_the_dsl_resets_a_colleagues_authenticator_from_the_settings_card(running_bot, clock):
    enrolment = await press(running_bot, "elevation.enrol")
    await press(
        running_bot, "elevation.verify", code=pyotp.TOTP(secret_on(enrolment)).at(clock.now())
    )
    settings = await press(running_bot, "settings.show", aad=DSL_AAD)
    [choice] = [b for b in settings["body"] if b.get("id") == "staff_id"]
    [teacher] = [c for c in choice["choices"] if c["title"] == "James Whitfield"]
    card = await press(running_bot, "elevation.reset", aad=DSL_AAD, staff_id=teacher["value"])
    assert "reset" in shown(card)
    again = await press(running_bot, "settings.show")
    assert "Not set up" in shown(again)


async def test_a_non_numeric_colleague_id_is_asked_for_again(running_bot):
    card = await press(running_bot, "elevation.reset", aad=DSL_AAD, staff_id="1 OR 1=1")
    assert "Choose a colleague first." in shown(card)
    assert re.search(r"Your Kestrel settings", shown(card))


async def test_hide_names_is_saved_and_shown_switched_on(running_bot, engine):
    card = await press(running_bot, "settings.save", hide_names="true")
    [toggle] = [b for b in card["body"] if b.get("id") == "hide_names"]
    assert toggle["value"] == "true" and "Your settings are saved." in shown(card)
    again = await press(running_bot, "settings.show")
    assert [b for b in again["body"] if b.get("id") == "hide_names"][0]["value"] == "true"
    async with engine.connect() as connection:
        changed = await connection.scalar(
            select(AuditEventRow.detail).where(AuditEventRow.action == "settings.changed")
        )
    assert changed == {"hide_names": True}


async def test_a_wrong_first_code_shows_the_same_qr_code_again_with_what_was_typed(running_bot):
    enrolment = await press(running_bot, "elevation.enrol")
    card = await press(running_bot, "elevation.verify", code="000000")
    assert secret_on(card) == secret_on(enrolment)
    assert any(b["type"] == "Image" for b in card["body"])
    [field] = [b for b in card["body"] if b.get("id") == "code"]
    assert field["value"] == "000000" and "That code was not accepted" in shown(card)


async def test_the_lockout_time_is_shown_in_the_school_time_zone(running_bot, clock):
    clock.at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # British Summer Time: 10:00 in London
    enrolment = await press(running_bot, "elevation.enrol")
    await press(
        running_bot, "elevation.verify", code=pyotp.TOTP(secret_on(enrolment)).at(clock.now())
    )
    for _ in range(5):
        card = await press(running_bot, "elevation.verify", code="000000")
    assert "paused until 10:15." in shown(card)
