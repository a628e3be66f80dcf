"""Files sent to Kestrel in the 1:1 chat: downloaded from a loopback 'SharePoint', checked, kept."""

import copy
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from storage.models import AttachmentRow, IncidentRow
from tests.support.activities import DSL_AAD, activity, as_user
from tests.support.cards import assert_valid_card, texts

PDF = b"%PDF-1.7\n% MARKER-in-the-file\ntrailer\n%%EOF\n"
# A long email in Chinese whose byte 8,192 falls inside a character (3 bytes each).
EMAIL = ("From: a@example.org\nTo: b@example.org\nSubject: 会议\n\n" + "中文" * 2000).encode()


@pytest.fixture
async def file_server() -> AsyncIterator[tuple[str, list[str]]]:
    """Serves /report.pdf and /tool.exe like Teams' pre-authorised download URLs."""
    fetched: list[str] = []

    async def serve(request: web.Request) -> web.Response:
        fetched.append(request.path)
        files = {
            "/report.pdf": PDF,
            "/tool.exe": b"MZ\x90\x00" + b"\x00" * 100,
            "/meeting.eml": EMAIL,
        }
        if request.path not in files:
            return web.Response(status=404)
        return web.Response(body=files[request.path], content_type="application/octet-stream")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/"), fetched
    await server.close()


def files_message(bot, base: str, *names: str) -> dict:
    body = as_user(activity("message_file_sent", bot.connector_url), DSL_AAD)
    [template, html] = body["attachments"]
    body["attachments"] = [
        {**copy.deepcopy(template), "name": name, "content": {"downloadUrl": f"{base}/{name}"}}
        for name in names
    ] + [html]
    return body


async def record_incident(bot) -> None:
    body = as_user(activity("invoke_action_execute", bot.connector_url), DSL_AAD)
    data = {"v": 1, "key": "files-key-0001", "student_id": "1", "text": "x", "categories": "7"}
    body["value"]["action"] = {"type": "Action.Execute", "verb": "incident.record", "data": data}
    response = await bot.post(body)
    assert "Recorded as K-" in " ".join(texts((await response.json())["value"]))


async def test_files_sent_after_recording_are_attached_and_refusals_say_why(
    running_bot, file_server, engine
):
    base, fetched = file_server
    await record_incident(running_bot)
    response = await running_bot.post(files_message(running_bot, base, "report.pdf", "tool.exe"))
    assert response.status == 200
    [card] = running_bot.connector.cards()
    assert_valid_card(card)
    shown = texts(card)
    assert "File 1: attached (PDF, 1 KB)." in shown
    assert "File 2: not attached, because it is not a document, image, PDF or email file." in shown
    assert not any("report" in t or "tool" in t for t in shown)  # Teams keeps this message
    assert sorted(fetched) == ["/report.pdf", "/tool.exe"]
    async with engine.connect() as connection:
        [incident] = list(await connection.scalars(select(IncidentRow.id)))
        rows = (
            await connection.execute(select(AttachmentRow.incident_id, AttachmentRow.kind))
        ).all()
    assert rows == [(incident, "PDF")]


async def test_a_long_email_in_a_non_latin_script_is_attached_as_an_email(running_bot, file_server):
    with pytest.raises(UnicodeDecodeError, match="position 8191: unexpected end"):
        EMAIL[:8192].decode("utf-8")
    await record_incident(running_bot)
    await running_bot.post(files_message(running_bot, file_server[0], "meeting.eml"))
    [card] = running_bot.connector.cards()
    assert "File 1: attached (email, 11 KB)." in texts(card)


async def test_files_without_an_open_window_are_not_downloaded(running_bot, file_server):
    base, fetched = file_server
    await running_bot.post(files_message(running_bot, base, "report.pdf"))
    [card] = running_bot.connector.cards()
    assert "press Attach files on it" in " ".join(texts(card))
    assert fetched == []


async def test_a_download_that_fails_is_reported_not_dropped(running_bot, file_server):
    base, _ = file_server
    await record_incident(running_bot)
    await running_bot.post(files_message(running_bot, base, "missing.pdf"))
    [card] = running_bot.connector.cards()
    assert "File 1: not attached, because Teams did not hand it over; send it again." in texts(card)
