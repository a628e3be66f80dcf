"""A pasted HTML email over the real endpoint, on SQLite and PostgreSQL: recorded as its readable
text (incident and action), the original kept encrypted, shown as text on request and audited;
typed text with angle brackets is left alone; key rotation re-encrypts the originals."""

import json
from typing import Any

from sqlalchemy import select

from storage.actions import action_original_context
from storage.incidents import original_context, text_context
from storage.models import ActionRow, AuditEventRow, IncidentRow
from tests.support.activities import DSL_AAD, TEACHER_AAD
from tests.support.cards import button, choices, elements, inputs, texts
from tests.support.pressing import press as press_as
from tests.unit.test_html_text import GMAIL, GMAIL_TEXT, OUTLOOK, OUTLOOK_TEXT

NIAMH = 19  # demo pupil Niamh Jones (9A)
PASTED = "Pasted as an HTML email; the original is kept as evidence."
NOT_AVAILABLE = "That record is not available."


async def press(bot, verb: str, aad: str = DSL_AAD, **data: Any) -> dict[str, Any]:
    """Action.Execute as `aad` (the DSL unless said): the card that answers (validated)."""
    return await press_as(bot, verb, aad, **data)


def sent_back(card: dict[str, Any], title: str, **typed: Any) -> dict[str, Any]:
    """A button's data with every input's value, as Teams sends it."""
    data = {k: v for k, v in button(card, title)["data"].items() if k != "v"}
    return {**data, **{i: e.get("value", "") for i, e in inputs(card).items()}, **typed}


async def record(bot, text: str, aad: str = DSL_AAD) -> dict[str, Any]:
    """Add incident about Niamh (Pastoral) with `text` in the text box; the answer."""
    form = await press(bot, "incident.add", aad)
    pastoral = choices(form, "categories")["Pastoral"]
    typed = sent_back(form, "Record incident", student_id=str(NIAMH), text=text)
    return await press(bot, "incident.record", aad, **{**typed, "categories": pastoral})


async def viewed_details(engine) -> list[dict]:
    async with engine.connect() as connection:
        rows = await connection.scalars(
            select(AuditEventRow.detail)
            .where(AuditEventRow.action == "incident.viewed")
            .order_by(AuditEventRow.id)
        )
        return list(rows)


def runs(card: dict[str, Any]) -> list[str]:
    """The staff-written text of a card: its TextRuns only (never markdown)."""
    return [r["text"] for e in elements(card) if e["type"] == "RichTextBlock" for r in e["inlines"]]


async def test_a_pasted_outlook_email_is_recorded_as_its_text_and_the_original_kept(
    running_bot, engine, keyring
):
    done = await record(running_bot, OUTLOOK)
    assert texts(done)[1].startswith("Recorded as K-1.")
    card = await press(running_bot, "incident.show", incident=1)
    assert OUTLOOK_TEXT in runs(card)
    assert PASTED in texts(card)
    assert button(card, "Show the original")["data"] == {"v": 1, "incident": 1}
    shown = json.dumps(card, ensure_ascii=False)
    assert "MsoNormal" not in shown and "<p" not in shown and "&quot;" not in shown

    async with engine.connect() as connection:
        [row] = (await connection.execute(select(IncidentRow))).all()
    assert "Sam told me" not in row.original_ciphertext  # encrypted, bound to the incident
    assert keyring.decrypt(row.original_ciphertext, original_context(1)) == OUTLOOK
    assert keyring.decrypt(row.text_ciphertext, text_context(1)) == OUTLOOK_TEXT

    original = await press(
        running_bot, "incident.original", **button(card, "Show the original")["data"]
    )
    assert texts(original)[0] == "K-1: the email as pasted"
    assert runs(original) == [OUTLOOK]  # as text, exactly as pasted
    assert ("Back to the incident", "incident.show") in [
        (a["title"], a["verb"]) for a in original["actions"]
    ]
    assert (await viewed_details(engine))[-1] == {"original": "incident"}


async def test_a_gmail_fragment_pasted_into_an_action_is_kept_the_same_way(
    running_bot, engine, keyring
):
    await record(running_bot, "Niamh was upset at lunch <3 (typed, not pasted)")
    form = await press(running_bot, "action.form", incident=1)
    saved = await press(running_bot, "action.add", **sent_back(form, "Save action", text=GMAIL))
    assert GMAIL_TEXT in runs(saved)
    assert "Niamh was upset at lunch <3 (typed, not pasted)" in runs(saved)
    # Only the action was pasted: one note, its button naming the action.
    assert texts(saved).count(PASTED) == 1
    data = button(saved, "Show the original")["data"]
    assert data == {"v": 1, "incident": 1, "action": 1}
    listed = await press(running_bot, "action.list", incident=1, offset=0)
    assert PASTED in texts(listed) and GMAIL_TEXT in runs(listed)

    async with engine.connect() as connection:
        incident = (await connection.execute(select(IncidentRow))).one()
        action = (await connection.execute(select(ActionRow))).one()
    assert incident.original_ciphertext is None
    assert keyring.decrypt(action.original_ciphertext, action_original_context(1)) == GMAIL

    original = await press(running_bot, "incident.original", **data)
    assert runs(original) == [GMAIL]
    assert "pasted into the action" in texts(original)[1]
    assert (await viewed_details(engine))[-1] == {"original": "action", "action": 1}
    # The incident itself has no original: asking for one is refused like any missing record.
    refused = await press(running_bot, "incident.original", incident=1)
    assert texts(refused)[-1] == NOT_AVAILABLE


async def test_the_original_is_refused_to_staff_who_may_not_read_the_incident(running_bot, engine):
    await record(running_bot, GMAIL, aad=TEACHER_AAD)  # a teacher records; only sees its status
    card = await press(running_bot, "incident.original", TEACHER_AAD, incident=1)
    assert texts(card)[-1] == NOT_AVAILABLE
    assert GMAIL_TEXT not in json.dumps(card, ensure_ascii=False)
    async with engine.connect() as connection:
        refused = list(
            await connection.scalars(
                select(AuditEventRow.detail).where(AuditEventRow.action == "access.refused")
            )
        )
    assert refused == [{"verb": "incident.original"}]


async def test_key_rotation_re_encrypts_the_pasted_originals(
    running_bot, engine, keyring_spec, clock, files_dir
):
    from storage.encryption import Keyring, new_key_spec
    from storage.rotation import rotate_keys
    from storage.uow import unit_of_work_factory

    await record(running_bot, OUTLOOK)
    form = await press(running_bot, "action.form", incident=1)
    await press(running_bot, "action.add", **sent_back(form, "Save action", text=GMAIL))
    rotated = Keyring.parse(new_key_spec("next") + "," + keyring_spec)
    factory = unit_of_work_factory(engine, clock, rotated, files_dir)
    changed = await rotate_keys(factory)
    assert (changed["incidents"], changed["actions"]) == (2, 2)  # text and original, each
    async with engine.connect() as connection:
        incident = (await connection.execute(select(IncidentRow))).one()
        action = (await connection.execute(select(ActionRow))).one()
    assert not rotated.needs_rotation(incident.original_ciphertext)
    assert not rotated.needs_rotation(action.original_ciphertext)
    async with factory() as uow:
        assert await uow.incidents.original(1) == OUTLOOK
        assert await uow.actions.original(1) == GMAIL
