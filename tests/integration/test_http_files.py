"""Attachments opened through signed, short-lived links: decided again, hash-checked, audited."""

from urllib.parse import urlsplit

from sqlalchemy import select

from bot.links import LinkSigner
from safeguarding.files import IncomingFile
from safeguarding.incident_form import read_form
from storage.models import AuditEventRow
from tests.support.activities import DSL_AAD, activity, as_user
from tests.support.cards import assert_valid_card
from tests.support.scripted import attach_as, record_as

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def incident_with_a_file(uow_factory, clock) -> tuple[int, int, dict]:
    """A pastoral incident by James with a PDF attached; (incident, attachment, staff by name)."""
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(1)}
    james = staff["James Whitfield"]
    values = {"key": "files-0001", "student_id": "1", "text": "x", "categories": "7"}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    incident = (await record_as(uow_factory, clock, james, draft)).incident_id
    await attach_as(uow_factory, clock, james, [IncomingFile("letter.pdf", PDF)])
    async with uow_factory() as uow:
        [info] = await uow.attachments.on_incident(incident)
    return incident, info.id, staff


async def test_the_incident_view_opens_each_file_through_its_own_signed_link(
    running_bot, uow_factory, clock, engine
):
    incident, attachment, _ = await incident_with_a_file(uow_factory, clock)
    body = as_user(activity("invoke_action_execute", running_bot.connector_url), DSL_AAD)
    body["value"]["action"] = {
        "type": "Action.Execute",
        "verb": "incident.show",
        "data": {"v": 1, "incident": incident},
    }
    card = (await (await running_bot.post(body)).json())["value"]
    assert_valid_card(card)
    [url] = [
        a["url"]
        for item in card["body"]
        if item.get("type") == "ActionSet"
        for a in item["actions"]
        if a.get("title") == "Open letter.pdf"
    ]
    link = urlsplit(url)
    assert link.path == f"/files/attachments/1/{attachment}"
    response = await running_bot.http.get(running_bot.url + link.path + "?" + link.query)
    assert response.status == 200 and response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
    assert await response.read() == PDF
    async with engine.connect() as connection:
        opened = (
            await connection.execute(
                select(AuditEventRow.actor_staff_id, AuditEventRow.detail).where(
                    AuditEventRow.action == "attachment.opened"
                )
            )
        ).all()
    assert [(who, detail["attachment"]) for who, detail in opened] == [(1, attachment)]


async def test_a_link_for_someone_who_may_not_read_it_or_a_changed_one_opens_nothing(
    running_bot, uow_factory, clock, keyring, engine
):
    incident, attachment, staff = await incident_with_a_file(uow_factory, clock)
    signer = LinkSigner(keyring.derived_key("kestrel-links"))
    path = f"/files/attachments/1/{attachment}"
    for link in (
        signer.link(path, staff["Aisha Khan"].id),  # signed, but she may not read the incident
        signer.link(path, staff["Priya Raman"].id).replace("staff=1", "staff=6"),
        signer.link(f"/files/attachments/1/{attachment + 1}", staff["Priya Raman"].id),
        path,
        signer.link("/files/attachments/1/99999999999", staff["Priya Raman"].id),
    ):
        response = await running_bot.http.get(running_bot.url + link)
        assert response.status == 403, link
        assert await response.read() != PDF
    async with engine.connect() as connection:
        refused = list(
            await connection.scalars(
                select(AuditEventRow.record_id).where(AuditEventRow.action == "access.refused")
            )
        )
    assert refused == [incident]


async def test_a_file_missing_or_altered_at_rest_is_never_served(
    running_bot, uow_factory, clock, keyring, files_dir
):
    _, attachment, staff = await incident_with_a_file(uow_factory, clock)
    link = LinkSigner(keyring.derived_key("kestrel-links")).link(
        f"/files/attachments/1/{attachment}", staff["Priya Raman"].id
    )
    [stored] = [p for p in files_dir.iterdir() if p.is_file()]
    blob = stored.read_bytes()
    stored.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))  # one bit changed
    assert (await running_bot.http.get(running_bot.url + link)).status == 403
    stored.unlink()
    assert (await running_bot.http.get(running_bot.url + link)).status == 403
