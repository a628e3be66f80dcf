"""The students typeahead (`application/search`) over the real endpoint."""

from sqlalchemy import select

from safeguarding.school import Student
from storage.models import AuditEventRow
from tests.support.activities import STRANGER_AAD, activity, as_user

SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"


async def search(bot, aad=None, **value):
    body = activity("invoke_application_search", bot.connector_url)
    body["value"].update(value)
    if aad:
        body = as_user(body, aad)
    response = await bot.post(body)
    assert response.status == 200
    answer = await response.json()
    assert answer["type"] == SEARCH_RESPONSE
    return answer["value"]["results"]


async def test_typed_letters_find_pupils_with_year_and_tutor_group(running_bot):
    results = await search(running_bot)
    assert sorted(r["title"] for r in results) == [
        "Zoë Roberts (Year 13, 13Y)",
        "Zoë Roberts (Year 7, 7C)",
    ]
    assert all(r["value"].isdecimal() for r in results)
    assert running_bot.connector.sent == []


async def test_the_client_may_ask_for_fewer_but_never_more_than_fifteen(
    running_bot, uow_factory, demo_school
):
    async with uow_factory() as uow:
        for n in range(20):
            pupil = Student(
                0, demo_school.school_id, f"X{n:012d}", f"Alex{n:02d}", "Smith", 9, "9A"
            )
            await uow.students.ensure(pupil)
        await uow.commit()
    assert len(await search(running_bot, queryText="smith", queryOptions={"top": 3})) == 3
    assert len(await search(running_bot, queryText="smith", queryOptions={"top": 500})) == 15
    first = await search(running_bot, queryText="smith", queryOptions={"skip": 0, "top": 15})
    rest = await search(running_bot, queryText="smith", queryOptions={"skip": 15, "top": 15})
    assert len(rest) >= 5 and not {r["value"] for r in first} & {r["value"] for r in rest}


async def test_another_dataset_or_a_stranger_gets_nothing(running_bot, engine):
    assert await search(running_bot, dataset="graph.microsoft.com/users") == []
    assert await search(running_bot, aad=STRANGER_AAD) == []
    async with engine.connect() as connection:
        actions = list(await connection.scalars(select(AuditEventRow.action)))
    assert "identity.refused" in actions


async def test_a_malformed_search_value_gets_nothing_not_an_error(running_bot):
    body = activity("invoke_application_search", running_bot.connector_url, value="zoe")
    response = await running_bot.post(body)
    assert response.status == 200
    assert (await response.json())["value"]["results"] == []
