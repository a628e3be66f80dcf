"""Each press of the pupil's record and oversight, and each signed link they serve, is one
transaction at the engine: identity, decision, audit and the answer's view together."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from bot.links import LinkSigner
from safeguarding.incident_form import read_form
from tests.integration.test_http_files import incident_with_a_file
from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user
from tests.support.scripted import record_as

AISHA = 6


@contextmanager
def transactions(engine) -> Iterator[list[int]]:
    """How many transactions the engine begins inside the block."""
    begun = [0]

    def count(*_args: Any) -> None:
        begun[0] += 1

    event.listen(engine.sync_engine, "begin", count)
    try:
        yield begun
    finally:
        event.remove(engine.sync_engine, "begin", count)


async def press(bot, verb: str, aad: str = DSL_AAD, **data: Any) -> dict[str, Any]:
    body = as_user(activity("invoke_action_execute", bot.connector_url), aad)
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    response = await bot.post(body)
    assert response.status == 200, await response.text()
    return (await response.json())["value"]


@pytest.fixture
async def granted(demo_school, uow_factory, clock) -> int:
    """A pastoral incident about pupil 1 whose alert gave Aisha access."""
    async with uow_factory() as uow:
        james = next(s for s in await uow.staff.list(1) if s.display_name == "James Whitfield")
    values = {"key": "presses-1", "student_id": "1", "text": "x", "categories": "7"}
    values |= {"alert_staff": str(AISHA), "confirm": str(AISHA)}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    return (await record_as(uow_factory, clock, james, draft)).incident_id


@pytest.mark.parametrize(
    "verb, aad, data",
    [
        ("student.find", DSL_AAD, {"text": "amara"}),
        ("student.find", TEACHER_AAD, {"text": "amara"}),  # refused and audited
        ("student.show", DSL_AAD, {"student": 1}),
        ("student.show", DSL_AAD, {"student": 1, "code": "000000"}),  # a code checked first
        ("student.show", DSL_AAD, {"student": 1, "since": "not-a-date"}),
        ("student.show", TEACHER_AAD, {"student": 1}),
        ("student.export", DSL_AAD, {"student": 1}),
        ("student.export", DSL_AAD, {"student": 1, "until": "x"}),  # the record instead
        ("student.audit", DSL_AAD, {"student": 1}),
        ("incident.audit", DSL_AAD, {"incident": "granted"}),
        ("incident.audit", TEACHER_AAD, {"incident": "granted"}),
        ("grant.withdraw", DSL_AAD, {"incident": "granted", "staff": AISHA}),
    ],
)
async def test_each_press_of_the_family_is_one_transaction(
    running_bot, engine, granted, verb, aad, data
):
    data = {k: granted if v == "granted" else v for k, v in data.items()}
    with transactions(engine) as begun:
        card = await press(running_bot, verb, aad, **data)
    assert card["type"] == "AdaptiveCard"
    assert begun[0] == 1, f"{verb}: {begun[0]} transactions"


async def test_the_student_command_is_one_transaction(running_bot, engine, demo_school):
    body = as_user(
        activity("message_help", running_bot.connector_url, text="student amara"), DSL_AAD
    )
    with transactions(engine) as begun:
        response = await running_bot.post(body)
    assert response.status == 200
    assert begun[0] == 1


async def test_each_signed_link_is_one_transaction(
    running_bot, engine, uow_factory, clock, keyring
):
    incident, attachment, staff = await incident_with_a_file(uow_factory, clock)
    signer, priya = LinkSigner(keyring.derived_key("kestrel-links")), staff["Priya Raman"].id
    for path in (
        f"/files/body-map/{incident}.png",
        f"/files/attachments/1/{attachment}",
        "/files/chronology/1/1/all/-/-.pdf",
    ):
        with transactions(engine) as begun:
            response = await running_bot.http.get(running_bot.url + signer.link(path, priya))
            await response.read()
        assert (response.status, begun[0]) == (200, 1), path
    teacher = signer.link("/files/chronology/1/1/all/-/-.pdf", staff["James Whitfield"].id)
    with transactions(engine) as begun:  # refused: its audit event in the same one
        response = await running_bot.http.get(running_bot.url + teacher)
    assert (response.status, begun[0]) == (403, 1)
