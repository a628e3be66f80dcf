"""Casework saves never lose what was typed: a server failure, or elevation running out."""

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select, text

from safeguarding.incident_form import read_form
from safeguarding.second_factor import SecondFactor
from storage.models import ActionRow, IncidentRow
from tests.integration.test_http_casework import press
from tests.support.cards import button, inputs
from tests.support.scripted import add_action_as, record_as

ZONE = "Europe/London"
REASON = "MARKER-reason: strategy meeting agreed no further action"


async def rename(engine, table: str, to: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(f"ALTER TABLE {table} RENAME TO {to}"))


async def recorded(uow_factory, clock, category: int) -> int:
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(1)}
    values = {"key": f"saves-{category:04d}", "student_id": "1", "text": "x"}
    draft = read_form(values | {"categories": str(category)}, now=clock.now(), time_zone=ZONE)
    return (await record_as(uow_factory, clock, staff["Priya Raman"], draft)).incident_id


async def test_a_server_failure_while_adding_an_action_keeps_the_text_and_try_again_saves(
    running_bot, engine, uow_factory, clock
):
    incident = await recorded(uow_factory, clock, 7)
    form = await press(running_bot, "action.form", incident=incident)
    key = button(form, "Save action")["data"]["form_key"]
    typed = {"incident": incident, "form_key": key, "text": "MARKER-action: phoned mum"}
    await rename(engine, "actions", "actions_away")  # the store fails mid-request
    try:
        card = await press(running_bot, "action.add", **typed)
    finally:
        await rename(engine, "actions_away", "actions")
    assert card["body"][0]["text"] == "Not saved"
    assert inputs(card)["text"]["value"] == typed["text"]
    retry = button(card, "Try again")
    assert (retry["verb"], retry["data"]["form_key"]) == ("action.add", key)
    again = await press(running_bot, "action.add", **retry["data"], text=typed["text"])
    assert again["body"][1]["text"].startswith("Action added.")
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(ActionRow)) == 1


async def test_elevation_running_out_before_save_keeps_the_reason_through_the_code(
    running_bot, engine, uow_factory, clock
):
    incident = await recorded(uow_factory, clock, 9)  # Safeguarding: restricted
    async with uow_factory() as uow:  # enrolled; her last elevation has run out
        await uow.second_factors.save(replace(SecondFactor.new(1), confirmed=True))
        await uow.commit()
    typed = {"status": "Closed", "outcome": "No further action", "reason": REASON}
    prompt = await press(running_bot, "case.status", incident=incident, ver=1, **typed)
    assert prompt["body"][0]["text"] == "Elevated access needed"
    assert "Nothing you typed is lost: enter the code, then Continue." in str(prompt)
    go_on = button(prompt, "Continue")
    assert go_on["verb"] == "case.status" and go_on["data"]["reason"] == REASON
    async with uow_factory() as uow:  # she enters her code (elevated for 30 minutes)
        factor = await uow.second_factors.get(1)
        until = clock.now() + timedelta(minutes=30)
        await uow.second_factors.save(replace(factor, elevated_until=until))
        await uow.commit()
    done = await press(running_bot, "case.status", **go_on["data"])
    assert done["body"][1]["text"] == "Status changed to Closed."
    async with engine.connect() as connection:
        status = await connection.scalar(
            select(IncidentRow.status).where(IncidentRow.id == incident)
        )
    assert status == "Closed"


async def test_a_wrong_code_with_a_save_asks_again_and_keeps_everything(
    running_bot, uow_factory, clock
):
    incident = await recorded(uow_factory, clock, 9)
    async with uow_factory() as uow:
        await uow.second_factors.save(replace(SecondFactor.new(1), confirmed=True))
        await uow.commit()
    typed = {"status": "Active", "reason": "", "code": "000000"}
    again = await press(running_bot, "case.status", incident=incident, ver=1, **typed)
    assert "That code did not work." in str(again)
    assert button(again, "Continue")["data"]["status"] == "Active"
    assert "code" not in button(again, "Continue")["data"]


async def test_every_action_is_readable_in_full_though_the_incident_card_shortens_them(
    running_bot, uow_factory, clock
):
    """The incident card keeps under Teams' size limit; All actions has every word."""
    import json

    from safeguarding.action_form import read_action_form

    incident = await recorded(uow_factory, clock, 7)
    async with uow_factory() as uow:
        priya = await uow.staff.by_id(1, 1)
    long = "MARKER-long " + "word " * 1500
    for n in range(12):
        values = {"key": f"saves-act-{n:03d}", "text": f"{n:02d} {long}"}
        draft = read_action_form(values, now=clock.now(), time_zone=ZONE)
        await add_action_as(uow_factory, clock, priya, incident, draft)
    card = await press(running_bot, "incident.show", incident=incident)
    assert len(json.dumps(card)) < 28_000
    assert "2 earlier actions: see All actions." in str(card)
    seen, data = [], {"incident": incident, "offset": 0}
    while True:  # page through All actions: every action once, in full, oldest first
        listed = await press(running_bot, "action.list", **data)
        seen += [n for n in range(12) if f"{n:02d} {long}" in str(listed)]
        if "Later" not in [a["title"] for a in listed["actions"]]:
            break
        data = button(listed, "Later")["data"]
    assert seen == list(range(12))
