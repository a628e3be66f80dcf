"""Add incident over the real endpoint: chat, Execute, Submit, dialog and message action."""

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.incidents import evidence_context
from storage.models import (
    AlertRow,
    AuditEventRow,
    IncidentCategoryRow,
    IncidentGrantRow,
    IncidentRow,
    IncidentStudentRow,
)
from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user
from tests.support.cards import assert_valid_card, button, choices, elements, inputs, texts

MARKER = "MARKER-4c1e said he was scared to go home"
NIAMH, JOSE = 19, 20  # demo pupils Niamh Jones (9A) and José Nowak (9B)
FORM_MESSAGE = "1763981300000"  # the id Teams gave the message that holds the form
PERSONAL_CHAT = "a:1Kq0demoPersonalChatWithPriyaRaman"  # the fixtures' 1:1 chat
NOT_AVAILABLE = "That button is no longer available. Type help."


def everything(connector) -> str:
    """All the connector was given, sent and updated, as text (what Teams would store)."""
    bodies = [s.body for s in connector.sent + connector.updated]
    return json.dumps(bodies, ensure_ascii=False)


async def invoke(bot, fixture: str, **changes: Any) -> dict[str, Any]:
    """POST a teacher's invoke; it must be answered 200 with a JSON body."""
    body = as_user(activity(fixture, bot.connector_url, **changes), TEACHER_AAD)
    response = await bot.post(body)
    assert response.status == 200, await response.text()
    return await response.json()


async def press(bot, verb: str, **data: Any) -> dict[str, Any]:
    """Action.Execute on the form's message: the card that replaces it for this user."""
    action = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    answer = await invoke(
        bot, "invoke_action_execute", value__action=action, replyToId=FORM_MESSAGE
    )
    assert (answer["statusCode"], answer["type"]) == (
        200,
        "application/vnd.microsoft.card.adaptive",
    )
    assert_valid_card(answer["value"])
    return answer["value"]


async def say(bot, **changes: Any) -> None:
    await bot.post(as_user(activity("message_help", bot.connector_url, **changes), TEACHER_AAD))


def error_after(card: dict[str, Any], input_id: str) -> str:
    """The warning shown right under an input ("" when there is none)."""
    body = card["body"]
    [at] = [i for i, e in enumerate(body) if e.get("id") == input_id]
    following = body[at + 1] if at + 1 < len(body) else {}
    return following.get("text", "") if following.get("color") == "Attention" else ""


def sent_back(card: dict[str, Any], title: str = "Record incident", **typed: Any) -> dict[str, Any]:
    """What Teams sends for a button: its data plus every input's value, as the user left them."""
    data = {k: v for k, v in button(card, title)["data"].items() if k not in ("v", "verb")}
    values = {i: e.get("value", "") for i, e in inputs(card).items()}
    return {**data, **values, **typed}


async def count(engine, model) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(model))


async def audit_actions(engine) -> list[str]:
    async with engine.connect() as connection:
        return list(
            await connection.scalars(select(AuditEventRow.action).order_by(AuditEventRow.id))
        )


def categories(card: dict[str, Any], *names: str) -> str:
    """The multi-select value Teams sends for these categories' check boxes."""
    found = choices(card, "categories")
    return ",".join(found[n] for n in names)


RESTRICTED = ("Child Disclosure", "LADO", "Safeguarding")  # the demo's restricted categories


async def test_add_incident_posts_the_form_itself_naming_no_restricted_category(running_bot):
    await say(running_bot, text="add incident")  # one press fewer: the form is the answer
    [posted] = running_bot.connector.cards()
    assert_valid_card(posted)
    assert {"student_id", "text", "categories"} <= set(inputs(posted))
    assert "Pastoral" in choices(posted, "categories")
    # Teams keeps this message: no restricted category's name (LADO is an agency too: the
    # agencies' list is left out of what is searched).
    stored = json.dumps(posted).replace(json.dumps(inputs(posted)["agencies"]), "")
    assert not [name for name in RESTRICTED if name in stored]
    # Its user's client fetches the whole form in its place (a user-specific view) ...
    refresh = posted["refresh"]
    assert refresh["userIds"] == [f"29:{TEACHER_AAD}"]
    whole = await press(running_bot, refresh["action"]["verb"], **refresh["action"]["data"])
    assert set(RESTRICTED) <= set(choices(whole, "categories"))
    key = button(posted, "Record incident")["data"]["form_key"]
    assert button(whole, "Record incident")["data"]["form_key"] == key  # the same form
    # ... and where refresh does not run (the Playground), one press shows them all, as typed.
    shown = await press(
        running_bot, "incident.form", **sent_back(posted, "Show all categories", text=MARKER)
    )
    assert set(RESTRICTED) <= set(choices(shown, "categories"))
    assert inputs(shown)["text"]["value"] == MARKER
    assert "Show all categories" not in json.dumps(shown)


async def test_add_incident_with_a_name_posts_a_button_and_the_form_opens_in_the_invoke_response(
    running_bot,
):
    await say(running_bot, text="Add incident niamh")
    await say(running_bot, text="add incident zoe rob")
    posted = running_bot.connector.cards()
    for card in posted:  # Teams keeps these: no names (not even as typed), no categories
        assert_valid_card(card)
        token = button(card, "Open the form")["data"].get("words", "")
        stored = json.dumps(card).replace(token, "") if token else json.dumps(card)
        assert not inputs(card) and "Jones" not in stored and "Pastoral" not in stored
        assert "niamh" not in stored and "zoe" not in stored
    one, two = [
        await press(running_bot, "incident.add", **button(card, "Open the form")["data"])
        for card in posted
    ]
    for card in (one, two):
        assert {"student_id", "text", "categories"} <= set(inputs(card))
    assert choices(one, "student_id") == {"Niamh Jones (Year 9, 9A)": str(NIAMH)}
    assert inputs(one)["student_id"]["value"] == str(NIAMH)
    assert sorted(choices(two, "student_id")) == [
        "Zoë Roberts (Year 13, 13Y)",
        "Zoë Roberts (Year 7, 7C)",
    ]
    assert "value" not in inputs(two)["student_id"]


async def test_finding_a_pupil_keeps_everything_else_that_was_typed(running_bot):
    form = await press(running_bot, "incident.add")
    cats = categories(form, "Pastoral", "Communication")
    typed = f"{MARKER}\nsecond line\r\n\nafter a blank line"
    found = await press(
        running_bot,
        "incident.form",
        **sent_back(form, "Find pupil", pupil_query="zoe rob", text=typed, categories=cats),
    )
    kept = inputs(found)
    assert kept["text"]["value"] == typed
    assert kept["categories"]["value"] == cats
    assert kept["pupil_query"]["value"] == "zoe rob"
    assert sorted(choices(found, "student_id")) == [
        "Zoë Roberts (Year 13, 13Y)",
        "Zoë Roberts (Year 7, 7C)",
    ]
    assert (
        button(found, "Record incident")["data"]["form_key"]
        == button(form, "Record incident")["data"]["form_key"]
    )


async def test_a_wrong_form_comes_back_with_the_text_and_a_message_by_each_field(
    running_bot, engine
):
    form = await press(running_bot, "incident.add")
    typed = f"{MARKER}\nsecond line"
    card = await press(
        running_bot,
        "incident.record",
        **sent_back(form, student_id=str(NIAMH), text=typed, date="2026-11-25", time="09:00"),
    )
    assert inputs(card)["text"]["value"] == typed
    assert error_after(card, "categories") == "Choose at least one category."
    assert error_after(card, "date").startswith(
        "The incident cannot be later than now (24/11/2026 10:50)"
    )
    assert error_after(card, "student_id") == error_after(card, "text") == ""
    assert "Please check the fields marked above." in texts(card)
    assert await count(engine, IncidentRow) == 0


async def test_alerting_a_colleague_who_cannot_see_it_asks_first_then_records(running_bot, engine):
    form = await press(running_bot, "incident.add")
    colleague = choices(form, "alert_staff")["Aisha Khan"]
    typed = sent_back(
        form,
        student_id=str(NIAMH),
        text=f"{MARKER}\nat lunch",
        categories=categories(form, "Pastoral", "Communication"),
        linked=[JOSE],
        alert_staff=colleague,
        **{f"linked_{JOSE}_same": "true"},
    )
    asked = await press(running_bot, "incident.record", **typed)
    assert any(
        t.startswith("Alerting Aisha Khan lets them see this incident") for t in texts(asked)
    )
    assert inputs(asked)["text"]["value"] == f"{MARKER}\nat lunch"
    assert button(asked, "Record incident")["data"]["confirm"] == colleague
    assert await count(engine, IncidentRow) == await count(engine, AlertRow) == 0

    done = await press(running_bot, "incident.record", **sent_back(asked))
    assert texts(done)[1] == "Recorded as K-1. 1 colleague will be alerted."
    for secret in (MARKER, "Niamh", "Jones", "José"):
        assert secret not in json.dumps(done, ensure_ascii=False)
    connector = running_bot.connector
    assert connector.sent == []
    [update] = connector.updated
    assert (update.conversation_id, update.body["id"]) == (PERSONAL_CHAT, FORM_MESSAGE)
    assert update.body["attachments"][0]["content"] == done
    for secret in (MARKER, "Niamh", "Jones", "José"):
        assert secret not in everything(connector)

    async with engine.connect() as connection:
        pupils = (
            await connection.execute(
                select(IncidentStudentRow.student_id, IncidentStudentRow.linked)
            )
        ).all()
        [grant] = (await connection.execute(select(IncidentGrantRow.staff_id))).scalars().all()
        [alert] = (await connection.execute(select(AlertRow.staff_id, AlertRow.state))).all()
    assert sorted(pupils) == [(NIAMH, False), (JOSE, True)]
    assert await count(engine, IncidentRow) == 1
    assert await count(engine, IncidentCategoryRow) == 4
    assert grant == int(colleague)
    assert tuple(alert) == (int(colleague), "queued")
    actions = await audit_actions(engine)
    assert {"incident.recorded", "access.granted"} <= set(actions)


async def test_pressing_record_twice_stores_one_incident(running_bot, engine):
    form = await press(running_bot, "incident.add")
    typed = sent_back(
        form,
        student_id=str(NIAMH),
        text=MARKER,
        categories=categories(form, "Pastoral"),
    )
    first = await press(running_bot, "incident.record", **typed)
    second = await press(running_bot, "incident.record", **typed)
    assert texts(first)[1].startswith("Recorded as K-1.")
    assert texts(second)[1].startswith("It was already recorded as K-1.")
    assert await count(engine, IncidentRow) == 1


async def test_the_answer_does_not_wait_for_the_form_to_be_replaced_for_everybody(running_bot):
    """The presser's card comes back at once; the stored message is replaced after it (here
    Teams holds the update until the answer is in), and is replaced all the same."""
    form = await press(running_bot, "incident.add")
    typed = sent_back(
        form, student_id=str(NIAMH), text=MARKER, categories=categories(form, "Pastoral")
    )
    action = {"type": "Action.Execute", "verb": "incident.record", "data": {"v": 1, **typed}}
    body = activity(
        "invoke_action_execute",
        running_bot.connector_url,
        value__action=action,
        replyToId=FORM_MESSAGE,
    )
    connector = running_bot.connector
    connector.update_gate = asyncio.Event()
    # (Were the answer to wait for the update, it would wait for the gate until timed out.)
    response = await asyncio.wait_for(running_bot.answer(as_user(body, TEACHER_AAD)), 5)
    done = (await response.json())["value"]
    assert texts(done)[1].startswith("Recorded as K-1.")
    assert connector.updated == []
    connector.update_gate.set()
    await running_bot.afterwards.settled()
    [update] = connector.updated
    assert update.body["id"] == FORM_MESSAGE
    assert update.body["attachments"][0]["content"] == done


def dialog_card(answer: dict[str, Any]) -> dict[str, Any]:
    """The form inside a `continue` dialog answer."""
    assert answer["task"]["type"] == "continue"
    assert answer["task"]["value"]["title"] == "Add incident"
    attachment = answer["task"]["value"]["card"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(attachment["content"])
    return attachment["content"]


async def test_the_dialog_opens_the_form_and_its_submit_records_or_shows_errors(
    running_bot, engine
):
    form = dialog_card(await invoke(running_bot, "invoke_task_fetch"))
    actions = [e for e in elements(form) if e.get("type", "").startswith("Action.")]
    assert actions and "actions" not in form
    assert all(a["type"] == "Action.Submit" and a["data"]["dialog"] is True for a in actions)
    assert "alert_people" in inputs(form)

    cats = categories(form, "Pastoral")
    wrong = sent_back(form, text=f"{MARKER}\nline two", categories=cats)
    again = dialog_card(
        await invoke(
            running_bot,
            "invoke_task_submit",
            value__data={"verb": "incident.record", "v": 1, **wrong},
        )
    )
    assert inputs(again)["text"]["value"] == f"{MARKER}\nline two"
    assert inputs(again)["categories"]["value"] == cats
    assert error_after(again, "student_id").startswith("Choose the pupil this concern is about")
    assert await count(engine, IncidentRow) == 0

    right = sent_back(again, student_id=str(NIAMH))
    answer = await invoke(
        running_bot, "invoke_task_submit", value__data={"verb": "incident.record", "v": 1, **right}
    )
    assert answer == {"task": {"type": "message", "value": "Recorded as K-1."}}
    assert await count(engine, IncidentRow) == 1


EXTENSION_HTML = (
    f"<p>{MARKER} &amp; cried</p><p>at lunch<br>by the gate</p>"
    "<script>alert('x')</script><p>Sarah</p>"
)


async def test_a_message_action_prefills_plain_text_and_records_the_evidence_encrypted(
    running_bot, engine, keyring
):
    form = dialog_card(
        await invoke(
            running_bot,
            "invoke_compose_fetch_task",
            value__messagePayload__body__content=EXTENSION_HTML,
        )
    )
    text = inputs(form)["text"]["value"]
    assert text == f"{MARKER} & cried\nat lunch\nby the gate\nSarah"
    assert "<" not in text and "alert(" not in text
    evidence = button(form, "Record incident")["data"]["evidence"]
    assert evidence == {
        "message_id": "1763979120000",
        "author": "Sarah Lloyd",
        "sent_at": "2026-11-24T09:12:00.000Z",
    }

    data = sent_back(form, student_id=str(NIAMH), categories=categories(form, "Pastoral"))
    answer = await invoke(
        running_bot,
        "invoke_compose_submit_action",
        value__data={"verb": "incident.record", "v": 1, **data},
    )
    assert answer == {"task": {"type": "message", "value": "Recorded as K-1."}}
    async with engine.connect() as connection:
        [incident] = (await connection.execute(select(IncidentRow))).all()
    assert incident.evidence_ciphertext is not None
    assert "Sarah Lloyd" not in incident.evidence_ciphertext
    assert MARKER not in incident.text_ciphertext
    stored = json.loads(
        keyring.decrypt(incident.evidence_ciphertext, evidence_context(incident.id))
    )
    assert stored == evidence


async def test_an_action_submit_records_and_replaces_the_form_message(running_bot, engine):
    form = await press(running_bot, "incident.add")
    value = {
        "verb": "incident.record",
        "v": 1,
        **sent_back(
            form,
            student_id=str(NIAMH),
            text=f"{MARKER}\nby the gate",
            categories=categories(form, "Pastoral"),
        ),
    }
    body = activity(
        "message_action_submit", running_bot.connector_url, value=value, replyToId=FORM_MESSAGE
    )
    response = await running_bot.post(as_user(body, TEACHER_AAD))
    assert response.status in (200, 201)
    connector = running_bot.connector
    assert connector.sent == []
    [update] = connector.updated
    assert (update.conversation_id, update.body["id"]) == (PERSONAL_CHAT, FORM_MESSAGE)
    confirmation = texts(update.body["attachments"][0]["content"])
    assert confirmation[1] == (  # every concern reaches the DSL team, and the form says so
        "Recorded as K-1. Nobody was alerted by name or by category; the DSL team see it among "
        "New concerns."
    )
    for secret in (MARKER, "Niamh", "Jones"):
        assert secret not in everything(connector)
    assert await count(engine, IncidentRow) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"value": "incident.record"},
        {"value__data": {"verb": "elevation.reset", "v": 1, "staff_id": "1"}},
        {"value__data": "incident.record"},
    ],
    ids=["value-a-string", "verb-not-for-dialogs", "data-a-string"],
)
async def test_a_malformed_dialog_submit_is_refused_not_a_server_error(
    running_bot, engine, changes
):
    card = dialog_card(await invoke(running_bot, "invoke_task_submit", **changes))
    assert NOT_AVAILABLE in texts(card)
    assert await count(engine, IncidentRow) == 0
    assert "access.refused" in await audit_actions(engine)


async def test_a_name_typed_after_add_incident_is_held_for_its_typist_only(running_bot):
    await say(running_bot, text="add incident niamh")
    [card] = running_bot.connector.cards()
    data = button(card, "Open the form")["data"]
    assert set(data) == {"v", "words"}
    mine = await press(running_bot, "incident.add", **data)
    assert inputs(mine)["student_id"]["value"] == str(NIAMH)
    action = {"type": "Action.Execute", "verb": "incident.add", "data": {"v": 1, **data}}
    body = as_user(activity("invoke_action_execute", running_bot.connector_url), DSL_AAD)
    body["value"]["action"] = action
    theirs = (await (await running_bot.post(body)).json())["value"]
    assert "value" not in inputs(theirs)["student_id"]  # someone else's token holds nothing
