"""A save that fails on the server says so and gives everything back; Try again records it."""

from sqlalchemy import func, select, text

from storage.models import IncidentRow
from tests.integration.test_http_incidents import press
from tests.support.cards import button, inputs

TYPED = {
    "key": "failure-key-0001",
    "student_id": "1",
    "text": "MARKER-failure: first line\nsecond line",
    "categories": "7,2",
    "linked": [2],
    "linked_2_same": "true",
}


async def rename(engine, table: str, to: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(f"ALTER TABLE {table} RENAME TO {to}"))


async def test_a_database_failure_while_recording_keeps_the_text_and_try_again_records(
    running_bot, engine
):
    await rename(engine, "incidents", "incidents_away")  # the store fails mid-request
    try:
        card = await press(running_bot, "incident.record", **TYPED)
    finally:
        await rename(engine, "incidents_away", "incidents")
    assert card["body"][0]["text"] == "Not saved"
    assert inputs(card)["text"]["value"] == TYPED["text"]
    retry = button(card, "Try again")
    assert retry["verb"] == "incident.record"
    assert {k: retry["data"][k] for k in ("key", "categories", "linked")} == {
        "key": "failure-key-0001",
        "categories": "7,2",
        "linked": [2],
    }
    again = await press(running_bot, "incident.record", **retry["data"], text=TYPED["text"])
    assert again["body"][0]["text"].startswith("Incident K-")
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(IncidentRow)) == 1


async def test_even_a_failure_to_identify_the_user_gives_the_form_back(running_bot, engine):
    await rename(engine, "staff", "staff_away")
    try:
        card = await press(running_bot, "incident.record", **TYPED)
    finally:
        await rename(engine, "staff_away", "staff")
    assert card["body"][0]["text"] == "Not saved"
    assert inputs(card)["text"]["value"] == TYPED["text"]
