"""Text that is not valid Unicode (a lone UTF-16 surrogate, `"\\ud800"` in the JSON, or a NUL,
which PostgreSQL cannot store) anywhere in an activity is refused with 400 before any turn:
never "Something went wrong", never "Not saved" on every try."""

from typing import Any

import pytest
from sqlalchemy import func, select

from safeguarding.incident_form import read_form
from storage.models import ActionRow
from tests.integration.conftest import RunningBot
from tests.integration.test_http_casework import press
from tests.support.activities import DSL_AAD, activity, as_user
from tests.support.cards import button
from tests.support.scripted import record_as

LONE = "\ud800"


async def post(bot: RunningBot, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = await bot.post(body)
    return response.status, await response.json()


@pytest.mark.parametrize(
    "field",
    ["from__id", "from__aadObjectId", "conversation__id", "recipient__id", "text", "locale"],
)
@pytest.mark.parametrize("bad", [LONE, "\udfff", "\x00"], ids=["high", "low", "nul"])
async def test_invalid_text_in_a_message_is_a_400_and_no_turn(running_bot, field, bad):
    body = activity("message_help", running_bot.connector_url, **{field: f"29:abc{bad}def"})
    status, answer = await post(running_bot, body)
    assert status == 400
    assert answer == {"error": "the activity holds text that is not valid Unicode"}
    assert running_bot.connector.sent == []


async def test_invalid_text_in_a_key_or_deep_in_channel_data_is_a_400(running_bot):
    body = activity("message_help", running_bot.connector_url)
    body["channelData"]["tenant"][f"x{LONE}"] = "1"
    assert (await post(running_bot, body))[0] == 400
    body = activity("message_help", running_bot.connector_url)
    body["entities"] = [{"type": "mention", "text": [[{"deep": LONE}]]}]
    assert (await post(running_bot, body))[0] == 400


async def test_characters_beyond_the_basic_plane_are_valid_text(running_bot):
    body = activity("message_help", running_bot.connector_url, text="help 😀 𝒦")
    status = (await running_bot.post(body)).status
    assert status == 200 and len(running_bot.connector.cards()) == 1


@pytest.mark.parametrize(
    "typed",
    [{"agency": f"Police{LONE}"}, {"alert_groups": f"1,{LONE}"}, {"text": f"phoned{LONE}"}],
    ids=["agency", "alert-groups", "text"],
)
async def test_an_action_form_with_invalid_text_is_refused_and_a_clean_retry_saves(
    running_bot, demo_school, uow_factory, clock, engine, typed
):
    async with uow_factory() as uow:
        priya = {s.display_name: s for s in await uow.staff.list(1)}["Priya Raman"]
    values = {"key": "unicode-0001", "student_id": "1", "text": "x", "categories": "7"}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    incident = (await record_as(uow_factory, clock, priya, draft)).incident_id
    form = await press(running_bot, "action.form", incident=incident)
    key = button(form, "Save action")["data"]["form_key"]
    data = {"v": 1, "incident": incident, "form_key": key, "text": "phoned mum", **typed}
    body = as_user(activity("invoke_action_execute", running_bot.connector_url), DSL_AAD)
    body["value"]["action"] = {"type": "Action.Execute", "verb": "action.add", "data": data}
    assert (await post(running_bot, body))[0] == 400
    clean = {k: v.replace(LONE, "") for k, v in typed.items()}
    saved = await press(running_bot, "action.add", **(data | clean))
    assert saved["body"][1]["text"].startswith("Action added.")
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(ActionRow)) == 1
