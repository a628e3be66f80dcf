"""The DSL manages exclusions with card buttons; the excluded colleague then finds nothing."""

from sqlalchemy import select

from storage.models import AuditEventRow
from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user
from tests.support.cards import assert_valid_card, texts


async def press(bot, verb: str, aad: str = DSL_AAD, **data):
    body = as_user(activity("invoke_action_execute", bot.connector_url), aad)
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    response = await bot.post(body)
    assert response.status == 200
    answer = await response.json()
    if "value" in answer and answer.get("type", "").endswith("card.adaptive"):
        assert_valid_card(answer["value"])
    return answer["value"]


def choices(card: dict, input_id: str) -> dict[str, str]:
    [field] = [b for b in card["body"] if b.get("id") == input_id]
    return {c["title"]: c["value"] for c in field["choices"]}


async def test_the_exclusions_command_posts_a_stub_without_names(running_bot):
    body = as_user(activity("message_help", running_bot.connector_url, text="exclusions"), DSL_AAD)
    await running_bot.post(body)
    [card] = running_bot.connector.cards()
    assert texts(card)[0] == "Exclusions"
    assert [a["verb"] for a in card["actions"]] == ["exclusions.show"]


async def test_the_dsl_excludes_a_colleague_who_then_cannot_find_the_pupil(running_bot, engine):
    assert "No exclusions are in force." in texts(await press(running_bot, "exclusions.show"))
    found = await press(running_bot, "exclusions.find", pupil_query="zoe rob")
    pupils = choices(found, "student_id")
    assert sorted(pupils) == ["Zoë Roberts (Year 13, 13Y)", "Zoë Roberts (Year 7, 7C)"]
    teacher = choices(found, "staff_id")["James Whitfield"]
    card = await press(
        running_bot,
        "exclusion.set",
        student_id=pupils["Zoë Roberts (Year 7, 7C)"],
        staff_id=teacher,
        reason="relative",
        pupil_query="zoe rob",
    )
    assert "The exclusion is in force." in texts(card)
    assert any(
        t.startswith("James Whitfield: Zoë Roberts (Relative; Priya Raman,") for t in texts(card)
    )

    search = activity("invoke_application_search", running_bot.connector_url)
    body = as_user(search, TEACHER_AAD)
    body["value"]["queryText"] = "zoe rob"
    results = (await (await running_bot.post(body)).json())["value"]["results"]
    assert [r["title"] for r in results] == ["Zoë Roberts (Year 13, 13Y)"]

    [lift] = [
        a
        for b in card["body"]
        if b["type"] == "ActionSet"
        for a in b["actions"]
        if a["title"] == "Lift"
    ]
    lifted = await press(
        running_bot, "exclusion.lift", **{k: v for k, v in lift["data"].items() if k != "v"}
    )
    assert "The exclusion was lifted." in texts(lifted)
    async with engine.connect() as connection:
        actions = list(await connection.scalars(select(AuditEventRow.action)))
    assert {"exclusion.set", "exclusion.lifted", "exclusions.viewed"} <= set(actions)


async def test_an_incomplete_form_comes_back_with_the_search_and_a_reason(running_bot):
    card = await press(running_bot, "exclusion.set", pupil_query="zoe rob", reason="relative")
    [query] = [b for b in card["body"] if b.get("id") == "pupil_query"]
    assert query["value"] == "zoe rob"
    assert "student_id" in str(card)
    assert "Choose a pupil, a colleague and a reason." in texts(card)


async def test_no_match_says_so_and_keeps_what_was_typed(running_bot):
    card = await press(running_bot, "exclusions.find", pupil_query="qqqzz")
    assert "No pupil matches that name." in texts(card)
    assert [b for b in card["body"] if b.get("id") == "pupil_query"][0]["value"] == "qqqzz"


async def test_names_are_initials_when_the_dsl_hides_them(running_bot):
    await press(running_bot, "settings.save", hide_names="true")
    found = await press(running_bot, "exclusions.find", pupil_query="zoe rob")
    teacher = choices(found, "staff_id")["James Whitfield"]
    pupil = choices(found, "student_id")["Zoë Roberts (Year 7, 7C)"]
    card = await press(
        running_bot, "exclusion.set", student_id=pupil, staff_id=teacher, reason="relative"
    )
    assert any(t.startswith("James Whitfield: Z. R. (Relative;") for t in texts(card))
