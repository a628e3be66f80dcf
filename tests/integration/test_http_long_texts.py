"""Long texts in non-Latin scripts over the real endpoint: cards go out as UTF-8 and are
measured in bytes as sent; the incident card cuts a long text to stay under 28 KB, and "Show
the full text" has the rest, a page at a time, each opening audited."""

import json
from typing import Any

from sqlalchemy import func, select, update

from safeguarding.action_form import read_action_form
from safeguarding.incident_form import read_form
from safeguarding.incidents import MAX_TEXT
from storage.models import AuditEventRow, StaffRow
from tests.integration.conftest import RunningBot
from tests.support.activities import DSL_AAD, activity, as_user
from tests.support.cards import MAX_CARD_BYTES, assert_valid_card, button, inputs, texts
from tests.support.scripted import add_action_as, record_as

ZONE = "Europe/London"
CHINESE = ("她说她哥哥昨天晚上又打了她，她不敢回家。" * 1000)[:MAX_TEXT]
ARABIC = ("قالت إن أخاها ضربها مرة أخرى الليلة الماضية. " * 500)[:MAX_TEXT]
TEAMS_MESSAGE_LIMIT = 80 * 1024  # what Microsoft recommends for a bot message


async def invoke(bot: RunningBot, verb: str, **data: Any) -> tuple[bytes, dict[str, Any]]:
    """Action.Execute as the DSL: the raw body of the invoke response, and its card."""
    body = as_user(activity("invoke_action_execute", bot.connector_url), DSL_AAD)
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    response = await bot.http.post(f"{bot.url}/api/messages", json=body)
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    raw = await response.read()
    return raw, json.loads(raw)["value"]


async def recorded(uow_factory, clock) -> int:
    """An incident with the longest Chinese text and three long actions in Arabic."""
    async with uow_factory() as uow:
        priya = {s.display_name: s for s in await uow.staff.list(1)}["Priya Raman"]
    values = {"key": "long-0001", "student_id": "1", "text": CHINESE, "categories": "7"}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    incident = (await record_as(uow_factory, clock, priya, draft)).incident_id
    for n in range(3):
        typed = {"key": f"long-act-{n}", "text": ARABIC}
        await add_action_as(
            uow_factory,
            clock,
            priya,
            incident,
            read_action_form(typed, now=clock.now(), time_zone=ZONE),
        )
    return incident


async def viewed(engine) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(
            select(func.count())
            .select_from(AuditEventRow)
            .where(AuditEventRow.action == "incident.viewed")
        )


async def test_a_long_chinese_text_is_cut_on_the_view_and_every_word_is_a_press_away(
    running_bot, demo_school, uow_factory, clock, engine
):
    incident = await recorded(uow_factory, clock)
    raw, card = await invoke(running_bot, "incident.show", incident=incident)
    assert len(raw) < MAX_CARD_BYTES, len(raw)
    assert CHINESE[:100].encode() in raw  # UTF-8 on the wire, not \\uXXXX escapes
    assert_valid_card(card)
    shown = next(t for t in texts(card) if t.startswith(CHINESE[:50]))
    assert shown.endswith("…") and CHINESE.startswith(shown[:-1])
    assert "… (continued in All actions)" in " ".join(texts(card))
    more = button(card, "Show the full text")
    pages, before = [], await viewed(engine)
    while more is not None:
        raw, page = await invoke(running_bot, more["verb"], **more["data"])
        assert len(raw) < MAX_CARD_BYTES
        assert_valid_card(page)
        pages.append(page["body"][2]["inlines"][0]["text"])
        more = next((a for a in page["actions"] if a["title"] == "Next page"), None)
    assert "".join(pages) == CHINESE and len(pages) == 3
    assert await viewed(engine) == before + len(pages)  # each page opened is audited


async def test_the_form_shown_again_with_errors_keeps_a_long_arabic_text_within_teams_limit(
    running_bot, demo_school
):
    raw, card = await invoke(running_bot, "incident.record", key="long-form-01", text=ARABIC)
    assert "Choose the pupil" in json.dumps(card, ensure_ascii=False)
    assert inputs(card)["text"]["value"] == ARABIC
    assert len(raw) < TEAMS_MESSAGE_LIMIT, len(raw)
    assert len(json.dumps(card).encode()) > 100 * 1024  # what \\uXXXX escapes made of it


async def test_messages_sent_through_the_bot_connector_are_utf8(running_bot, engine):
    async with engine.begin() as connection:
        await connection.execute(
            update(StaffRow).where(StaffRow.id == 1).values(display_name="بريا رامان")
        )
    response = await running_bot.post(activity("message_help", running_bot.connector_url))
    assert response.status == 200
    [sent] = running_bot.connector.sent
    assert "بريا رامان".encode() in sent.raw and b"\\u" not in sent.raw
    assert "Hello بريا رامان." in " ".join(texts(running_bot.connector.cards()[0]))


async def test_an_action_too_long_for_one_card_has_a_page_of_its_own_shown_a_part_at_a_time(
    running_bot, demo_school, uow_factory, clock
):
    async with uow_factory() as uow:
        priya = {s.display_name: s for s in await uow.staff.list(1)}["Priya Raman"]
    values = {"key": "long-0002", "student_id": "1", "text": "Short.", "categories": "7"}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    incident = (await record_as(uow_factory, clock, priya, draft)).incident_id
    for n, text in enumerate(("Phoned home.", CHINESE, "Met the family.")):
        typed = read_action_form(
            {"key": f"long-act2-{n}", "text": text}, now=clock.now(), time_zone=ZONE
        )
        await add_action_as(uow_factory, clock, priya, incident, typed)
    raw, first = await invoke(running_bot, "action.list", incident=incident)
    assert len(raw) < MAX_CARD_BYTES and "Phoned home." in texts(first)
    later = button(first, "Later")  # the long one is on a page of its own
    parts, more = [], later
    while more is not None:
        raw, page = await invoke(running_bot, more["verb"], **more["data"])
        assert len(raw) < MAX_CARD_BYTES, len(raw)
        assert_valid_card(page)
        said = texts(page)
        label = next((i for i, t in enumerate(said) if t.startswith("Part ")), None)
        if label is None:  # the page after the long action
            assert "Met the family." in said
            break
        parts.append(said[label + 1])
        more = next((a for a in page["actions"] if a["title"] == "Later part"), None)
        more = more or next((a for a in page["actions"] if a["title"] == "Later"), None)
    assert "".join(parts) == CHINESE and len(parts) >= 3
