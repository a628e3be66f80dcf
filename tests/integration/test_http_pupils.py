"""A pupil's record over the real endpoint: `student <name>`, finding the pupil, the record with
its chronology (filter, paging), the signed PDF export link, and who may open any of it."""

import json
import time
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.links import LinkSigner
from safeguarding.action_form import read_action_form
from safeguarding.incident_form import read_form
from storage.models import AuditEventRow
from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user
from tests.support.cards import assert_valid_card, button, buttons, elements, inputs, texts
from tests.support.scripted import add_action_as, record_as

ZONE = "Europe/London"
VIEWER_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000004"  # Daniel Hughes, a viewer (key holder)
PRIYA, JAMES, DANIEL = 1, 3, 4
AMARA, NIAMH = 1, 19  # Amara Okafor (Year 7, 7A, Hawk) and Niamh Jones (Year 9, 9A)
PASTORAL, COMMUNICATION, SAFEGUARDING = 7, 2, 9  # Safeguarding is restricted
NOT_AVAILABLE = ["Not available", "That record is not available."]
PRIVATE = "Pupil records open in your 1:1 chat with Kestrel only, never in a group chat or channel."
PUBLIC_URL = "http://127.0.0.1:3978"  # Settings.public_url in local mode (the default port)


async def record(uow_factory, clock, who, key: str, text: str, category: int, when: str, **more):
    """An incident about Amara (unless `more` says otherwise), happening at `when` (London)."""
    values = {"key": key, "student_id": str(AMARA), "text": text, "categories": str(category)}
    values |= {"date": when[:10], "time": when[11:], **more}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    return (await record_as(uow_factory, clock, who, draft)).incident_id


async def add_action(uow_factory, clock, who, incident: int, key: str, text: str, when: str):
    values = {"key": key, "text": text, "date": when[:10], "time": when[11:]}
    draft = read_action_form(values, now=clock.now(), time_zone=ZONE)
    await add_action_as(uow_factory, clock, who, incident, draft)


@pytest.fixture
async def staff(demo_school, uow_factory):
    async with uow_factory() as uow:
        return {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}


@pytest.fixture
async def history(staff, uow_factory, clock) -> tuple[int, int]:
    """Amara's file: a Communication incident with a DSL's action on it, then a Pastoral one
    about Niamh in which Amara is linked and monitored (recorded first, so its id is lower)."""
    james, priya = staff["James Whitfield"], staff["Priya Raman"]
    later = await record(
        uow_factory,
        clock,
        james,
        "pupils-01",
        "MARKER-late",
        PASTORAL,
        "2026-11-20 09:00",
        student_id=str(NIAMH),
        linked=[AMARA],
        linked_1_same="true",
        linked_1_monitoring="true",
    )
    first = await record(
        uow_factory, clock, james, "pupils-02", "MARKER-first", COMMUNICATION, "2026-11-02 14:30"
    )
    await add_action(
        uow_factory, clock, priya, first, "pupils-act-1", "MARKER-action call", "2026-11-03 10:00"
    )
    return first, later


async def press(
    bot, verb: str, aad: str = DSL_AAD, conversation: str = "personal", **data: Any
) -> dict[str, Any]:
    """Action.Execute as `aad`: the card Teams shows for this user only (a valid one, never 500)."""
    body = as_user(activity("invoke_action_execute", bot.connector_url), aad)
    body["conversation"]["conversationType"] = conversation
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    response = await bot.post(body)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert (answer["statusCode"], answer["type"]) == (
        200,
        "application/vnd.microsoft.card.adaptive",
    )
    assert_valid_card(answer["value"])
    return answer["value"]


async def say(bot, text: str, conversation: str = "personal") -> None:
    """The DSL types `text` in a chat with Kestrel."""
    body = as_user(activity("message_help", bot.connector_url, text=text), DSL_AAD)
    body["conversation"]["conversationType"] = conversation
    response = await bot.post(body)
    assert response.status == 200, await response.text()


def sent_back(card: dict[str, Any], title: str, **typed: Any) -> dict[str, Any]:
    """What Teams sends for a button: its data plus every input's value, as the user left them."""
    data = {k: v for k, v in button(card, title)["data"].items() if k != "v"}
    values = {i: e.get("value", "") for i, e in inputs(card).items()}
    return {**data, **values, **typed}


def everything_said(card: dict[str, Any]) -> list[str]:
    """Every TextBlock and RichTextBlock text, also those inside containers, in order."""
    found = []
    for element in elements(card["body"]):
        if element.get("type") == "TextBlock":
            found.append(element["text"])
        elif element.get("type") == "RichTextBlock":
            found.append("".join(run["text"] for run in element["inlines"]))
    return found


def facts_of(card: dict[str, Any]) -> dict[str, str]:
    return {
        fact["title"]: fact["value"]
        for element in card["body"]
        if element["type"] == "FactSet"
        for fact in element["facts"]
    }


def chronology(card: dict[str, Any]) -> list[tuple[str, str]]:
    """(title line, text) of each chronology entry shown, in order."""
    entries = [e for e in card["body"] if e["type"] == "Container"]
    return [
        (e["items"][0]["text"], "".join(run["text"] for run in e["items"][2]["inlines"]))
        for e in entries
    ]


def record_buttons(card: dict[str, Any], verb: str) -> list[tuple[str, dict[str, Any]]]:
    """(title, data) of the card's Action.Execute buttons with this verb, anywhere on it."""
    return [
        (e["title"], e["data"])
        for e in elements(card)
        if e.get("type") == "Action.Execute" and e.get("verb") == verb
    ]


def error_after(card: dict[str, Any], input_id: str) -> str:
    """The warning shown right under an input ("" when there is none)."""
    body = card["body"]
    [at] = [i for i, e in enumerate(body) if e.get("id") == input_id]
    following = body[at + 1] if at + 1 < len(body) else {}
    return following.get("text", "") if following.get("color") == "Attention" else ""


async def audited(engine, action: str) -> list[tuple]:
    """(actor, conversation type, record type, record id, detail) of each event of `action`."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(
                AuditEventRow.actor_staff_id,
                AuditEventRow.conversation_type,
                AuditEventRow.record_type,
                AuditEventRow.record_id,
                AuditEventRow.detail,
            )
            .where(AuditEventRow.action == action)
            .order_by(AuditEventRow.id)
        )
        return [tuple(row) for row in rows]


def link_of(card: dict[str, Any]) -> str:
    """The export card's download link, as a path and query on the running bot."""
    [download] = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    assert download["title"] == "Download the PDF"
    assert download["url"].startswith(PUBLIC_URL + "/files/chronology/")
    parts = urlsplit(download["url"])
    return f"{parts.path}?{parts.query}"


async def fetch(bot, link: str):
    response = await bot.http.get(bot.url + link)
    return response, await response.read()


def pdf_text(data: bytes) -> tuple[list[str], int]:
    reader = PdfReader(BytesIO(data))
    return [page.extract_text() for page in reader.pages], len(reader.pages)


# `student <name>` in chat -------------------------------------------------------------------


async def test_the_student_command_posts_a_button_carrying_a_token_never_the_typed_name(
    running_bot, history
):
    await say(running_bot, "student amara")
    await say(running_bot, "Pupil  Amara")
    first, second = running_bot.connector.cards()
    tokens = []
    for card in (first, second):
        assert_valid_card(card)
        assert texts(card) == [
            "Pupil records",
            "Find the pupil: the record opens here, just for you.",
        ]
        assert not inputs(card)
        found = button(card, "Find the pupil")
        assert (found["type"], found["verb"], set(found["data"])) == (
            "Action.Execute",
            "student.find",
            {"v", "words"},
        )
        tokens.append(found["data"]["words"])
    assert tokens[0] != tokens[1]
    kept = json.dumps([s.body for s in running_bot.connector.sent], ensure_ascii=False)
    for token in tokens:  # random text, which may hold any two letters by chance
        kept = kept.replace(token, "")
    for detail in ("amara", "Amara", "Okafor", "Year 7", "7A", "Hawk", "K-", "MARKER"):
        assert detail not in kept  # not even the name as typed: Kestrel holds it
    # The button opens the matches in the invoke response; nothing more is posted.
    matches = await press(running_bot, "student.find", **button(first, "Find the pupil")["data"])
    assert ("Amara Okafor (Year 7, 7A)", {"v": 1, "student": AMARA}) in record_buttons(
        matches, "student.show"
    )
    assert len(running_bot.connector.sent) == 2


@pytest.mark.parametrize("conversation", ["groupChat", "channel"])
async def test_outside_the_personal_chat_records_do_not_open(running_bot, history, conversation):
    await say(running_bot, "student amara", conversation)
    [card] = running_bot.connector.cards()
    assert texts(card) == ["Pupil records", PRIVATE]
    assert buttons(card) == [("Help", "help")]
    for verb in ("student.find", "student.show", "student.export"):
        pressed = await press(
            running_bot, verb, conversation=conversation, text="amara", student=AMARA
        )
        assert texts(pressed) == ["Pupil records", PRIVATE]


# Finding the pupil ---------------------------------------------------------------------------


async def test_the_dsl_finds_both_amaras_and_each_opens_their_record(running_bot, history):
    card = await press(running_bot, "student.find", text="amara")
    assert texts(card)[:2] == ["Pupil records", "Pupils matching “amara”"]
    found = record_buttons(card, "student.show")
    assert ("Amara Okafor (Year 7, 7A)", {"v": 1, "student": AMARA}) in found
    assert "Amara Okafor (Year 13, 13Y)" in [title for title, _ in found]
    assert inputs(card)["text"]["value"] == "amara"
    assert buttons(card) == [("Find", "student.find")]
    nobody = await press(running_bot, "student.find", text="zzzz")
    assert "No pupil you may see matches that name. Check the spelling." in texts(nobody)
    assert record_buttons(nobody, "student.show") == []


async def test_a_teacher_who_only_records_is_refused_the_search_and_audited(
    running_bot, history, engine
):
    card = await press(running_bot, "student.find", aad=TEACHER_AAD, text="amara")
    assert texts(card) == NOT_AVAILABLE
    assert "Okafor" not in json.dumps(card, ensure_ascii=False)
    assert await audited(engine, "access.refused") == [
        (JAMES, "personal", "staff", JAMES, {"verb": "student.find"})
    ]


# The record -----------------------------------------------------------------------------------


async def test_the_dsl_sees_the_overview_and_the_chronology_oldest_first(
    running_bot, history, engine
):
    first, later = history
    card = await press(running_bot, "student.show", student=AMARA)
    assert texts(card)[0] == "Amara Okafor"
    assert facts_of(card) == {
        "Year": "7",
        "Tutor group": "7A",
        "House": "Hawk",
        "Monitoring": "Pastoral",
        "Open cases": f"K-{later}, K-{first}",
    }
    assert [title for title, _ in record_buttons(card, "incident.show")][:2] == [
        f"Open K-{later} (Open)",
        f"Open K-{first} (Open)",
    ]
    assert "**Chronology** (3 entries, oldest first)" in texts(card)
    assert chronology(card) == [
        (f"**02/11/2026 14:30: Incident K-{first} (Open)**", "MARKER-first"),
        (f"**03/11/2026 10:00: Action on K-{first}**", "MARKER-action call"),
        (f"**20/11/2026 09:00: Incident K-{later} (Open)**", "MARKER-late"),
    ]
    said = everything_said(card)
    assert "by James Whitfield · Communication" in said
    assert "by James Whitfield · Pastoral" in said
    assert buttons(card) == [
        ("Apply filter", "student.show"),
        ("Export chronology (PDF)", "student.export"),
        ("Pupil audit report", "student.audit"),
    ]
    assert button(card, "Export chronology (PDF)")["data"] == {"v": 1, "student": AMARA}
    assert record_buttons(card, "student.show")[0][0] == "Apply filter"  # no Earlier or Later
    assert {"filter_categories", "since", "until"} <= set(inputs(card))
    assert running_bot.connector.sent == []  # only ever the invoke response
    assert await audited(engine, "student.viewed") == [
        (PRIYA, "personal", "student", AMARA, {"entries": 3, "offset": 0, "of": 3})
    ]


async def test_the_filter_shows_the_chosen_categories_and_dates_only(running_bot, history, engine):
    first, later = history
    card = await press(running_bot, "student.show", student=AMARA)
    communication = await press(
        running_bot,
        "student.show",
        **sent_back(card, "Apply filter", filter_categories=str(COMMUNICATION)),
    )
    # An action is found by its incident's categories.
    assert [title for title, _ in chronology(communication)] == [
        f"**02/11/2026 14:30: Incident K-{first} (Open)**",
        f"**03/11/2026 10:00: Action on K-{first}**",
    ]
    assert inputs(communication)["filter_categories"]["value"] == str(COMMUNICATION)
    assert "**Chronology** (2 entries, oldest first)" in texts(communication)

    dated = await press(
        running_bot, "student.show", **sent_back(card, "Apply filter", since="2026-11-03")
    )
    assert [text for _, text in chronology(dated)] == ["MARKER-action call", "MARKER-late"]
    assert inputs(dated)["since"]["value"] == "2026-11-03"

    nothing = await press(
        running_bot, "student.show", **sent_back(card, "Apply filter", until="2026-11-01")
    )
    assert chronology(nothing) == []
    assert "Nothing to show for this filter." in texts(nothing)

    details = [detail for *_, detail in await audited(engine, "student.viewed")]
    assert details[1] == {"entries": 2, "offset": 0, "of": 2, "categories": [COMMUNICATION]}


async def test_an_end_date_before_the_start_comes_back_with_the_dates_typed(running_bot, history):
    card = await press(running_bot, "student.show", student=AMARA)
    typed = sent_back(card, "Apply filter", since="2026-11-20", until="2026-11-01")
    wrong = await press(running_bot, "student.show", **typed)
    assert error_after(wrong, "until") == "The end date is before the start date."
    assert error_after(wrong, "since") == ""
    assert inputs(wrong)["since"]["value"] == "2026-11-20"
    assert inputs(wrong)["until"]["value"] == "2026-11-01"


async def test_more_than_ten_entries_are_paged_with_later_and_earlier(
    running_bot, history, staff, uow_factory, clock
):
    first, _ = history
    for n in range(10):
        when = f"2026-11-{5 + n:02d} 12:00"
        await add_action(
            uow_factory, clock, staff["Priya Raman"], first, f"pupils-many-{n}", f"MARKER-{n}", when
        )
    card = await press(running_bot, "student.show", student=AMARA)
    assert "**Chronology** (13 entries, oldest first)" in texts(card)
    assert len(chronology(card)) == 10
    assert [title for title, _ in record_buttons(card, "student.show")] == [
        "Later",
        "Apply filter",
    ]
    assert button(card, "Later")["data"] == {"v": 1, "student": AMARA, "offset": 10}
    rest = await press(running_bot, "student.show", **sent_back(card, "Later"))
    assert [text for _, text in chronology(rest)] == ["MARKER-8", "MARKER-9", "MARKER-late"]
    assert button(rest, "Earlier")["data"] == {"v": 1, "student": AMARA, "offset": 0}
    assert "Later" not in [title for title, _ in record_buttons(rest, "student.show")]
    again = await press(running_bot, "student.show", **sent_back(rest, "Earlier"))
    assert chronology(again) == chronology(card)


# The PDF export ---------------------------------------------------------------------------------


async def test_the_export_link_downloads_the_whole_chronology_as_a_pdf_and_is_audited(
    running_bot, history, engine
):
    card = await press(running_bot, "student.show", student=AMARA)
    ready = await press(running_bot, "student.export", **sent_back(card, "Export chronology (PDF)"))
    # Said as it is: the link is signed with Priya's id, but anyone holding it can use it.
    assert texts(ready) == [
        "Chronology export",
        "The PDF of Amara Okafor's chronology is ready. Anyone with this link can download it "
        "for the next 5 minutes. It is made when the link is opened, from what you may see "
        "then, and the download is recorded against your name. Do not forward it.",
    ]
    link = link_of(ready)
    path, query = link.split("?")
    assert path == f"/files/chronology/1/{AMARA}/all/-/-.pdf"
    signed = {k: v for k, [v] in parse_qs(query).items()}
    assert signed["staff"] == str(PRIYA)
    assert abs(int(signed["expires"]) - (time.time() + 300)) < 30
    assert running_bot.connector.sent == []
    assert await audited(engine, "chronology.exported") == []  # only when it is downloaded

    response, data = await fetch(running_bot, link)
    assert response.status == 200 and response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="chronology-{AMARA}.pdf"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    pages, count = pdf_text(data)
    body = "\n".join(pages)
    assert "Amara Okafor" in pages[0] and "Priya Raman" in pages[0]
    assert "Kestrel Demo Academy" in pages[0] and "everything the exporter may see" in pages[0]
    assert "MARKER-first" in pages[0]  # the entries begin on the first page, under the header
    assert body.index("MARKER-first") < body.index("MARKER-action call") < body.index("MARKER-late")
    assert f"Page 1 of {count}" in pages[0]
    assert all(f"Page {n} of {count}" in page for n, page in enumerate(pages, 1))
    assert await audited(engine, "chronology.exported") == [
        (PRIYA, "link", "student", AMARA, {"entries": 3, "offset": 0, "of": 3})
    ]


def one_line(text: str) -> str:
    """Extracted PDF text with its line wrapping undone."""
    return " ".join(text.split())


async def test_the_pdf_draws_each_body_map_and_names_only_the_pupils_the_reader_may_see(
    running_bot, history, staff, uow_factory, clock
):
    first, later = history
    marked = await record(
        uow_factory,
        clock,
        staff["James Whitfield"],
        "pupils-map",
        "MARKER-map",
        PASTORAL,
        "2026-11-10 12:00",
        markers=2,
        marker_1_side="Front",
        marker_1_region="Left arm",
        marker_1_note="MARKER-bruise",
        marker_2_side="Back",
        marker_2_region="Lower back",
        marker_2_note="MARKER-scratch",
    )
    response, data = await fetch(
        running_bot, link_of(await press(running_bot, "student.export", student=AMARA))
    )
    assert response.status == 200
    reader = PdfReader(BytesIO(data))
    pages = [one_line(page.extract_text()) for page in reader.pages]
    # The one incident with markers has its picture (as the incident view draws it, 520x460);
    # no other entry has one.
    pictures = [(n, image.image.size) for n, p in enumerate(reader.pages) for image in p.images]
    [(page, size)] = pictures
    assert size == (520, 460)
    assert f"Incident K-{marked}" in pages[page] and "Body map" in pages[page]
    assert "1. Front, Left arm: MARKER-bruise" in pages[page]
    assert "2. Back, Lower back: MARKER-scratch" in pages[page]
    body = " ".join(pages)
    # Amara is linked on Niamh's incident: the DSL may see Niamh, so she is named.
    assert "Other pupils: Niamh Jones (Year 9, 9A, main pupil)" in body
    assert body.count("Other pupils") == 1  # Amara's own incidents concern nobody else

    # A viewer limited to Year 7 reads the incident through Amara but may not see Niamh.
    async with uow_factory() as uow:
        await uow.access.set_scope(staff["Daniel Hughes"].id, [7], [])
        await uow.commit()
    response, data = await fetch(
        running_bot,
        link_of(await press(running_bot, "student.export", aad=VIEWER_AAD, student=AMARA)),
    )
    assert response.status == 200
    viewer = " ".join(one_line(page) for page in pdf_text(data)[0])
    assert "MARKER-late" in viewer and "MARKER-bruise" in viewer
    assert "Niamh" not in viewer and "Jones" not in viewer
    assert "Other pupils: 1 not named (not the exporter's to see)" in viewer


async def test_the_export_follows_the_filter_on_the_card(running_bot, history, engine):
    card = await press(running_bot, "student.show", student=AMARA)
    typed = sent_back(
        card, "Export chronology (PDF)", filter_categories=str(PASTORAL), since="2026-11-10"
    )
    link = link_of(await press(running_bot, "student.export", **typed))
    assert link.startswith(f"/files/chronology/1/{AMARA}/{PASTORAL}/2026-11-10/-.pdf?")
    response, data = await fetch(running_bot, link)
    assert response.status == 200
    body = "\n".join(pdf_text(data)[0])
    assert "MARKER-late" in body
    assert "MARKER-first" not in body and "MARKER-action" not in body
    [(*_, detail)] = await audited(engine, "chronology.exported")
    assert detail == {"entries": 1, "offset": 0, "of": 1, "categories": [PASTORAL]}


async def test_a_changed_expired_or_unsigned_export_link_opens_nothing(
    running_bot, history, engine, keyring
):
    link = link_of(await press(running_bot, "student.export", student=AMARA))
    path, query = link.split("?")
    signature = parse_qs(query)["sig"][0]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    expired = LinkSigner(keyring.derived_key("kestrel-links"), clock=lambda: time.time() - 3600)
    forged = {
        "another pupil": link.replace(f"/1/{AMARA}/all/", "/1/2/all/"),
        "another filter": link.replace("/all/-/-.pdf", f"/{PASTORAL}/-/-.pdf"),
        "another signature": link.replace(signature, flipped),
        "another member of staff (a deputy DSL)": link.replace(f"staff={PRIYA}", "staff=2"),
        "another member of staff (the teacher)": link.replace(f"staff={PRIYA}", f"staff={JAMES}"),
        "expired": expired.link(path, PRIYA),
        "unsigned": path,
        "empty query": path + "?staff=&expires=&sig=",
        "not numbers": path + "?staff=x&expires=y&sig=z",
    }
    for what, changed in forged.items():
        response, data = await fetch(running_bot, changed)
        assert response.status == 403, what
        assert not data.startswith(b"%PDF"), what
    assert await audited(engine, "chronology.exported") == []
    response, _ = await fetch(running_bot, link)  # the real one still works
    assert response.status == 200


async def test_a_signed_link_is_decided_again_for_its_member_of_staff(
    running_bot, history, engine, keyring
):
    signer = LinkSigner(keyring.derived_key("kestrel-links"))
    teacher = signer.link(f"/files/chronology/1/{AMARA}/all/-/-.pdf", JAMES)
    response, data = await fetch(running_bot, teacher)
    assert response.status == 403 and not data.startswith(b"%PDF")
    assert await audited(engine, "access.refused") == [
        (JAMES, "link", "student", AMARA, {"verb": "student.show"})
    ]
    # Signed, but not a path the bot makes: refused, never a server error.
    for path in (
        f"/files/chronology/1/{AMARA}/x/-/-.pdf",
        f"/files/chronology/1/{AMARA}/all/2026-13-45/-.pdf",
        f"/files/chronology/1/{AMARA}/2--7/-/-.pdf",
        f"/files/chronology/2/{AMARA}/all/-/-.pdf",
        f"/files/chronology/1/{AMARA + 10_000}/all/-/-.pdf",
    ):
        response, data = await fetch(running_bot, signer.link(path, PRIYA))
        assert response.status == 403, path
    assert await audited(engine, "chronology.exported") == []


# Who may open a record ------------------------------------------------------------------------


async def test_a_teacher_is_refused_the_record_and_the_export_and_both_are_audited(
    running_bot, history, engine
):
    for verb in ("student.show", "student.export"):
        card = await press(running_bot, verb, aad=TEACHER_AAD, student=AMARA)
        assert texts(card) == NOT_AVAILABLE
        assert not any(a["type"] == "Action.OpenUrl" for a in elements(card))
    assert await audited(engine, "access.refused") == [
        (JAMES, "personal", "student", AMARA, {"verb": "student.show"}),
        (JAMES, "personal", "student", AMARA, {"verb": "student.show"}),
    ]
    assert await audited(engine, "student.viewed") == []


async def test_a_restricted_incident_is_held_back_from_the_dsl_and_left_out_for_a_viewer(
    running_bot, history, staff, uow_factory, clock, engine
):
    """A viewer's default rights: everything in unrestricted categories, record-only in
    restricted ones, so a restricted incident is not theirs to read even with a code."""
    first, later = history
    secret = await record(
        uow_factory,
        clock,
        staff["Priya Raman"],
        "pupils-secret",
        "MARKER-secret",
        SAFEGUARDING,
        "2026-11-21 08:00",
    )
    dsl = await press(running_bot, "student.show", student=AMARA)
    assert (
        "1 entry is in restricted categories or historic: enter the code from your "
        "authenticator app to include them."
    ) in texts(dsl)
    assert "code" in inputs(dsl)

    viewer = await press(running_bot, "student.show", aad=VIEWER_AAD, student=AMARA)
    shown = json.dumps(viewer, ensure_ascii=False)
    assert "MARKER-secret" not in shown and f"K-{secret}" not in shown
    assert [text for _, text in chronology(viewer)] == [
        "MARKER-first",
        "MARKER-action call",
        "MARKER-late",
    ]
    assert facts_of(viewer)["Open cases"] == f"K-{later}, K-{first}"
    assert "code" not in inputs(viewer)
    assert not any("restricted categories" in t for t in texts(viewer))
    assert buttons(viewer) == [
        ("Apply filter", "student.show"),
        ("Export chronology (PDF)", "student.export"),
    ]
    response, data = await fetch(
        running_bot,
        link_of(await press(running_bot, "student.export", aad=VIEWER_AAD, student=AMARA)),
    )
    assert response.status == 200
    body = "\n".join(pdf_text(data)[0])
    assert "MARKER-late" in body and "MARKER-secret" not in body
    viewed = await audited(engine, "student.viewed")
    assert viewed[-1] == (
        DANIEL,
        "personal",
        "student",
        AMARA,
        {"entries": 3, "offset": 0, "of": 3},
    )


# Malformed data ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "verb, data",
    [
        ("student.show", {"student": str(AMARA)}),
        ("student.show", {"student": None}),
        ("student.show", {"student": True}),
        ("student.show", {"student": 1.0}),
        ("student.show", {"student": [AMARA]}),
        ("student.show", {}),
        ("student.show", {"student": -1}),
        ("student.show", {"student": 0}),
        ("student.show", {"student": 10**20}),
        ("student.export", {"student": str(AMARA)}),
        ("student.export", {"student": {"id": AMARA}}),
    ],
)
async def test_a_pupil_that_is_not_an_id_gets_a_plain_notice(running_bot, history, verb, data):
    card = await press(running_bot, verb, **data)
    assert texts(card) == NOT_AVAILABLE
    assert buttons(card) == [("Help", "help")]


async def test_a_pupil_id_too_large_for_the_database_is_not_available(
    running_bot, history, keyring
):
    """Ids a PostgreSQL integer cannot hold are not records: a notice, a 403, never an error."""
    too_large = 2**31  # the first id a PostgreSQL INTEGER column cannot hold
    answers = {
        verb: texts(await press(running_bot, verb, student=too_large))
        for verb in ("student.show", "student.export")
    }
    signer = LinkSigner(keyring.derived_key("kestrel-links"))
    statuses = {
        path: (await fetch(running_bot, signer.link(path, PRIYA)))[0].status
        for path in (
            f"/files/chronology/1/{too_large}/all/-/-.pdf",
            f"/files/chronology/{too_large}/{AMARA}/all/-/-.pdf",
        )
    }
    assert answers == {verb: NOT_AVAILABLE for verb in answers}
    assert statuses == {path: 403 for path in statuses}


ALL_THREE = ["MARKER-first", "MARKER-action call", "MARKER-late"]


@pytest.mark.parametrize(
    "typed, shown",
    [
        ({"offset": "10"}, ALL_THREE),
        ({"offset": -5}, ALL_THREE),
        ({"offset": 1.5}, ALL_THREE),
        ({"offset": None}, ALL_THREE),
        ({"filter_categories": ["2"]}, ALL_THREE),
        ({"filter_categories": "2,999,x"}, ALL_THREE[:2]),
        ({"code": {"nested": True}}, ALL_THREE),
        ({"since": ["2026-11-01"]}, ALL_THREE),
        ({"until": None, "since": ""}, ALL_THREE),
    ],
)
async def test_odd_record_data_still_shows_the_record_from_the_start(
    running_bot, history, typed, shown
):
    card = await press(running_bot, "student.show", student=AMARA, **typed)
    assert texts(card)[0] == "Amara Okafor"
    assert [text for _, text in chronology(card)] == shown


async def test_an_offset_past_the_end_shows_nothing_and_offers_to_go_back(running_bot, history):
    card = await press(running_bot, "student.show", student=AMARA, offset=10**30)
    assert chronology(card) == []
    assert "Nothing to show for this filter." in texts(card)
    assert "Earlier" in [title for title, _ in record_buttons(card, "student.show")]


async def test_a_date_that_is_not_a_date_is_named_and_kept(running_bot, history):
    card = await press(running_bot, "student.show", student=AMARA, since="not-a-date")
    assert error_after(card, "since") == "Enter a date (for example 2026-09-01)."
    assert inputs(card)["since"]["value"] == "not-a-date"
    # Export with a wrong date: the record again with what to fix, not a PDF of everything.
    again = await press(running_bot, "student.export", student=AMARA, since="not-a-date")
    assert texts(again)[0] == "Amara Okafor"
    assert error_after(again, "since") == "Enter a date (for example 2026-09-01)."


async def test_find_with_text_that_is_not_text_answers_with_no_matches(running_bot, history):
    for text in (None, 12345, "", "   ", "x" * 5000):
        card = await press(running_bot, "student.find", text=text)
        assert texts(card)[0] == "Pupil records"
        assert record_buttons(card, "student.show") == []
    for text in (["amara"], {"q": "amara"}):  # a plain card (what it matches is not promised)
        assert texts(await press(running_bot, "student.find", text=text))[0] == "Pupil records"


async def test_the_record_buttons_cannot_be_posted_into_the_chat(running_bot, history, engine):
    """Action.Submit (a message) with a record verb: refused, nothing of the record posted."""
    for verb in ("student.find", "student.show", "student.export"):
        body = as_user(activity("message_action_submit", running_bot.connector_url), DSL_AAD)
        body["value"] = {"v": 1, "verb": verb, "student": AMARA, "text": "amara"}
        response = await running_bot.post(body)
        assert response.status == 200
    kept = json.dumps([s.body for s in running_bot.connector.sent], ensure_ascii=False)
    assert "Okafor" not in kept and "MARKER" not in kept and "/files/" not in kept
    refused = [detail for *_, detail in await audited(engine, "access.refused")]
    assert refused == [{"verb": v} for v in ("student.find", "student.show", "student.export")]


async def test_the_export_link_stops_working_after_five_minutes(running_bot, history, keyring):
    signer = LinkSigner(keyring.derived_key("kestrel-links"), clock=lambda: time.time() - 301)
    link = signer.link(f"/files/chronology/1/{AMARA}/all/-/-.pdf", PRIYA, 300)
    response, _ = await fetch(running_bot, link)
    assert response.status == 403
    fresh = LinkSigner(keyring.derived_key("kestrel-links"), clock=lambda: time.time() - 290)
    response, _ = await fetch(running_bot, fresh.link(link.split("?")[0], PRIYA, 300))
    assert response.status == 200
