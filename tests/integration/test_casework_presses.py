"""Every casework and correction button is one press: one transaction at the engine, whatever
it answers (the change, the form again, a stale card, a refusal)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.integration.test_http_casework import TOM_AAD, case, press  # noqa: F401 - fixture
from tests.support.activities import TEACHER_AAD
from tests.support.cards import texts


@contextmanager
def transactions(engine) -> Iterator[list[int]]:
    """Counts the transactions begun on the engine while the block runs."""
    begun: list[int] = []

    def began(connection) -> None:
        begun.append(1)

    event.listen(engine.sync_engine, "begin", began)
    try:
        yield begun
    finally:
        event.remove(engine.sync_engine, "begin", began)


async def pressed_once(bot, engine, verb: str, aad: str | None = None, **data) -> dict:
    with transactions(engine) as begun:
        card = await press(bot, verb, **({"aad": aad} if aad else {}), **data)
    assert len(begun) == 1, (verb, len(begun))
    return card


async def test_each_casework_button_opens_one_transaction(running_bot, case, engine):  # noqa: F811
    incident = case.incident
    forms = ("case.assign_form", "case.status_form", "incident.edit_form", "incident.link_form")
    for verb in forms:
        await pressed_once(running_bot, engine, verb, incident=incident, ver=1)
    found = await pressed_once(
        running_bot, engine, "incident.move_form", incident=incident, ver=1, pupil_query="Oliver"
    )
    assert "Move the incident" in str(found)
    assigned = await pressed_once(running_bot, engine, "case.assign", incident=incident, ver=1)
    assert texts(assigned)[1] == "Assigned to you."
    stale = await pressed_once(
        running_bot, engine, "case.assign", TOM_AAD, incident=incident, ver=1
    )
    assert texts(stale)[1].startswith("Already assigned to Priya Raman")
    wrong = await pressed_once(running_bot, engine, "case.status", incident=incident, ver=2)
    assert "Nothing has changed yet: please check the fields marked below." in texts(wrong)
    active = {"status": "Active"}
    await pressed_once(running_bot, engine, "case.status", incident=incident, ver=2, **active)
    edit = {"text": "corrected", "categories_1": "7"}
    edited = await pressed_once(
        running_bot, engine, "incident.edit", incident=incident, ver=3, **edit
    )
    assert texts(edited)[1] == "Saved as a new version."
    link = {"student": "3", "categories": "7"}
    await pressed_once(running_bot, engine, "incident.link", incident=incident, ver=4, **link)
    await pressed_once(running_bot, engine, "incident.move", incident=incident, ver=5, student="2")
    history = await pressed_once(running_bot, engine, "case.history", incident=incident)
    assert texts(history)[0] == f"History of K-{incident}"
    refused = await pressed_once(
        running_bot, engine, "case.assign", TEACHER_AAD, incident=incident, ver=6
    )
    assert texts(refused) == ["Not available", "That record is not available."]
