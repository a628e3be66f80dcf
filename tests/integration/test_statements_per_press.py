"""Statements per press (issue 16): a press reads the school's categories, its access policy and
the caller's exclusions and elevation in one read, and the caller's kept chat address with
their staff rows; an unchanged chat address is not written again. Counted at the engine, on a
real Teams invoke."""

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from cards.verbs import Verb
from tests.integration.conftest import RunningBot
from tests.support.activities import DSL_AAD, activity, as_user


@pytest.fixture
def statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def log(conn, cursor, statement, params, context, many) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", log)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", log)


async def _press(bot: RunningBot, statements: list[str], verb: str, data: dict) -> list[str]:
    body = as_user(activity("invoke_action_execute", bot.connector_url), DSL_AAD)
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    statements.clear()
    response = await bot.post(body)
    assert response.status == 200, await response.text()
    return list(statements)


def _reading(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.startswith("SELECT") and f"FROM {table} " in s + " "]


@pytest.mark.parametrize(
    ("verb", "data", "at_most"),
    [(Verb.DASHBOARD_SHOW, {}, 7), (Verb.STUDENT_SHOW, {"student": 1}, 8)],
)
async def test_a_press_reads_its_configuration_once(
    running_bot, demo_school, statements, verb, data, at_most
):
    await _press(running_bot, statements, verb, data)  # the chat's address kept
    seen = await _press(running_bot, statements, verb, data)
    categories = _reading(seen, "categories")
    assert _reading(seen, "chat_addresses") == []  # read with the staff rows
    assert not [s for s in seen if "chat_addresses" in s and not s.startswith("SELECT staff")]
    rules = _reading(seen, "category_role_rights")  # with staff rights and scopes
    assert len(rules) == 1
    # and the categories, the caller's exclusions and their elevation: nothing else reads them
    assert categories == rules == _reading(seen, "exclusions") == _reading(seen, "second_factors")
    assert len(seen) <= at_most, "\n".join(seen)
