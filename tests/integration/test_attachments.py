"""Attachments on SQLite and PostgreSQL: the window, checks by content, encryption, rotation."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from safeguarding.errors import NotAvailable
from safeguarding.files import IncomingFile, kind_of
from safeguarding.incident_form import read_form
from safeguarding.services.attachments import attach_files, attach_window, open_attach_window
from safeguarding.services.press import Rules
from safeguarding.services.recording import store_incident
from storage.encryption import Keyring, new_key_spec
from storage.models import AttachmentRow, AuditEventRow
from storage.rotation import rotate_keys
from storage.uow import unit_of_work_factory
from tests.support.presses import press_as

PDF = b"%PDF-1.7\n% MARKER-pdf-body\n1 0 obj <<>> endobj\ntrailer\n%%EOF\n"
EMAIL = b"From: a@x\nTo: b@y\nSubject: MARKER-email\nDate: Mon, 23 Nov 2026\n\nbody\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture
async def recorded(demo_school, uow_factory, clock):
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
        pastoral = next(c for c in await uow.categories.list(1) if c.name == "Pastoral")
    draft = read_form(
        {"key": "attach-0001", "student_id": "1", "text": "x", "categories": str(pastoral.id)},
        now=clock.now(),
        time_zone="Europe/London",
    )
    teacher = staff["James Whitfield"]
    done = await press_as(uow_factory, clock, teacher, store_incident, draft)
    return staff, teacher, done.incident_id


async def attach(uow_factory, clock, who, files, max_bytes: int | None = None):
    """The files sent, as the chat's second press keeps them (None: no window)."""
    rules = Rules(max_attachment_bytes=max_bytes) if max_bytes else None
    return (await press_as(uow_factory, clock, who, attach_files, files, rules=rules)).view


async def open_window(uow_factory, clock, who, incident_id: int) -> str:
    """Attach files (incident.attach): the incident's reference once the window is open."""
    return (await press_as(uow_factory, clock, who, open_attach_window, incident_id)).view


async def window(uow_factory, clock, who) -> int | None:
    found = (await press_as(uow_factory, clock, who, attach_window)).view
    return found.incident_id if found else None


def test_files_are_known_by_content_not_by_name():
    assert kind_of(PDF) == "PDF"
    assert kind_of(EMAIL) == "email"
    assert kind_of(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40) == "image"
    assert kind_of(EXE) is None
    assert kind_of(b"<!DOCTYPE html><script>x</script>") is None
    assert kind_of(b"Notes: said she was fine") == "text"


async def test_files_sent_after_recording_are_checked_hashed_and_stored_encrypted(
    recorded, uow_factory, clock, files_dir
):
    _, teacher, incident_id = recorded
    result = await attach(
        uow_factory,
        clock,
        teacher,
        [
            IncomingFile("report MARKER-name.pdf", PDF),
            IncomingFile("run.exe", EXE),
            IncomingFile("big.pdf", PDF + b"x" * 2000),
            IncomingFile("gone.pdf", None, "it could not be downloaded; send it again"),
        ],
        max_bytes=1024,
    )
    assert result.reference == f"K-{incident_id}"
    assert [o.kind or o.refused for o in result.outcomes] == [
        "PDF",
        "it is not a document, image, PDF or email file",
        "it is over 0 MB",
        "it could not be downloaded; send it again",
    ]
    async with uow_factory() as uow:
        [row] = list(await uow.session.scalars(select(AttachmentRow)))
        assert row.sha256 == hashlib.sha256(PDF).hexdigest() and row.kind == "PDF"
        assert "MARKER" not in row.name_ciphertext
        assert uow.attachments.read(row) == PDF
        events = list(await uow.session.scalars(select(AuditEventRow.action)))
    assert "attachment.added" in events
    raw = b"".join(p.read_bytes() for p in files_dir.iterdir())
    assert b"MARKER" not in raw and b"%PDF" not in raw


async def test_without_an_open_window_nothing_is_kept(recorded, uow_factory, clock):
    _, teacher, _ = recorded
    clock.at += timedelta(minutes=16)
    assert await attach(uow_factory, clock, teacher, [IncomingFile("a.pdf", PDF)]) is None


async def test_attach_files_reopens_the_window_for_the_recorder_only(recorded, uow_factory, clock):
    staff, teacher, incident_id = recorded
    clock.at += timedelta(minutes=30)
    with pytest.raises(NotAvailable):
        await open_window(uow_factory, clock, staff["Aisha Khan"], incident_id)
    assert await open_window(uow_factory, clock, teacher, incident_id) == f"K-{incident_id}"
    assert await window(uow_factory, clock, teacher) == incident_id


async def test_an_excluded_lead_cannot_attach_and_a_new_exclusion_closes_the_window(
    recorded, uow_factory, clock
):
    staff, teacher, incident_id = recorded
    dsl, deputy = staff["Priya Raman"], staff["Tom Okafor"]
    async with uow_factory() as uow:
        await uow.access.add_exclusion(1, deputy.id, 1, "relative", dsl.id, clock.now())
        await uow.commit()
    with pytest.raises(NotAvailable):
        await open_window(uow_factory, clock, deputy, incident_id)
    assert await open_window(uow_factory, clock, dsl, incident_id) == f"K-{incident_id}"
    async with uow_factory() as uow:  # the teacher's own window is open; then they are excluded
        await uow.access.add_exclusion(1, teacher.id, 1, "own_child", dsl.id, clock.now())
        await uow.commit()
    assert await attach(uow_factory, clock, teacher, [IncomingFile("a.pdf", PDF)]) is None


async def test_key_rotation_re_encrypts_attachment_files_and_names(
    recorded, engine, clock, keyring_spec, files_dir, uow_factory, audit_keys
):
    _, teacher, _ = recorded
    await attach(uow_factory, clock, teacher, [IncomingFile("a.eml", EMAIL)])
    rotated = Keyring.parse(new_key_spec("next") + "," + keyring_spec)
    factory = unit_of_work_factory(engine, clock, rotated, files_dir, audit_keys=audit_keys)
    changed = await rotate_keys(factory)
    assert changed["attachments"] == 2
    async with factory() as uow:
        [row] = list(await uow.session.scalars(select(AttachmentRow)))
        assert row.name_ciphertext.startswith("v1.next.") and uow.attachments.read(row) == EMAIL
