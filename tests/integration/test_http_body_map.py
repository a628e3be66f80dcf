"""The body-map picture: drawn by Kestrel, served only through a signed, short-lived link."""

import io
import time

from PIL import Image
from sqlalchemy import select

from bot.links import LinkSigner
from safeguarding.incident_form import read_form
from storage.models import AuditEventRow
from tests.support.scripted import record_as

MARKERS = {
    "markers": 2,
    "marker_1_side": "Front",
    "marker_1_region": "Left arm",
    "marker_1_note": "MARKER-note bruise",
    "marker_2_side": "Back",
    "marker_2_region": "Lower back",
    "marker_2_note": "scratch",
}


async def recorded_with_markers(uow_factory, clock) -> tuple[int, int]:
    """A pastoral incident with markers recorded by a teacher; (its id, the DSL's staff id)."""
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(1)}
    teacher = staff["James Whitfield"]
    values = {"key": "bodymap-0001", "student_id": "1", "text": "x", "categories": "7", **MARKERS}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    done = await record_as(uow_factory, clock, teacher, draft)
    return done.incident_id, staff["Priya Raman"].id


async def test_a_signed_link_opens_the_drawn_body_map_and_is_audited(
    running_bot, uow_factory, clock, keyring, engine
):
    incident, staff = await recorded_with_markers(uow_factory, clock)
    link = LinkSigner(keyring.derived_key("kestrel-links")).link(
        f"/files/body-map/{incident}.png", staff
    )
    response = await running_bot.http.get(running_bot.url + link)
    assert response.status == 200 and response.content_type == "image/png"
    assert "no-store" in response.headers["Cache-Control"]
    image = Image.open(io.BytesIO(await response.read())).convert("RGB")
    assert image.size == (520, 460)
    # Marker 1 on their left arm, front view: facing us, their left is on our right.
    assert image.getpixel((185 - 8, 150)) == (185, 28, 28)
    assert image.getpixel((75 - 8, 150)) == (255, 255, 255)
    async with engine.connect() as connection:
        actions = list(await connection.scalars(select(AuditEventRow.action)))
    assert "body_map.viewed" in actions


async def test_a_changed_expired_or_unsigned_link_opens_nothing(
    running_bot, uow_factory, clock, keyring
):
    incident, staff = await recorded_with_markers(uow_factory, clock)
    path = f"/files/body-map/{incident}.png"
    key = keyring.derived_key("kestrel-links")
    good = LinkSigner(key).link(path, staff)
    changed = good.replace(f"staff={staff}", f"staff={staff + 1}")
    other_incident = good.replace(f"/{incident}.png", f"/{incident + 1}.png")
    expired = LinkSigner(key, clock=lambda: time.time() - 3600).link(path, staff)
    for link in (changed, other_incident, expired, path, path + "?staff=x&expires=&sig="):
        response = await running_bot.http.get(running_bot.url + link)
        assert response.status == 403, link


async def test_a_link_for_someone_who_may_not_read_the_incident_opens_nothing(
    running_bot, uow_factory, clock, keyring
):
    incident, _ = await recorded_with_markers(uow_factory, clock)
    teacher = 3  # the recorder, who may record but not read it back
    link = LinkSigner(keyring.derived_key("kestrel-links")).link(
        f"/files/body-map/{incident}.png", teacher
    )
    response = await running_bot.http.get(running_bot.url + link)
    assert response.status == 403
