"""HTTP routes: the Bot Framework endpoint (our own, see below) and the health check."""

import asyncio
import json
import logging
import time
from datetime import date

from aiohttp import web
from botbuilder.schema import Activity

from bot.activity_reader import read_activity
from bot.adapter import token_lifetime_problem
from bot.deadlines import within
from bot.errors import log_unexpected
from bot.keys import ADAPTER, BOT, ENGINE, SERVICES, SETTINGS
from cards.body_map import body_map_png
from cards.chronology_pdf import ExportFacts, chronology_pdf
from cards.elements import json_text
from cards.payloads import chosen_id
from safeguarding.chronology import ChronologyFilter
from safeguarding.errors import NotAvailable
from safeguarding.services.files import open_attachment, open_body_map
from safeguarding.services.links import LinkHolder
from safeguarding.services.press import Pressed, UseCase, run_press
from safeguarding.services.pupils import export_chronology
from storage.database import ping

log = logging.getLogger("kestrel.http")
HEALTH_SECONDS = 1.5  # a load balancer's probe is answered within 2 s, whatever the database does


async def messages(request: web.Request) -> web.Response:
    """POST /api/messages: authenticate, run the turn, return the invoke response if any.

    Not CloudAdapter.process: it answers 500 to every invoke with a body (it serialises the body
    twice) and to a request without Content-Type (shared/teams-platform.md).
    """
    activity = await _read_activity(request)
    if isinstance(activity, web.Response):
        return activity
    adapter = request.app[ADAPTER]
    try:
        auth = await adapter.bot_framework_authentication.authenticate_request(
            activity, request.headers.get("Authorization", "")
        )
    except Exception as error:  # noqa: BLE001 - any failure to authenticate is a refusal
        log.warning("unauthorised request refused (%s)", type(error).__name__)
        return _problem(401, "a valid Bot Connector token is required")
    if request.app[SETTINGS].authentication_on and (
        problem := token_lifetime_problem(auth.claims_identity.claims, time.time())
    ):
        log.warning("unauthorised request refused (%s)", problem)
        return _problem(401, "a valid Bot Connector token is required")
    try:
        response = await adapter.process_activity(auth, activity, request.app[BOT].on_turn)
    except Exception as error:  # noqa: BLE001 - a server fault: logged with a reference, no detail out
        reference = log_unexpected(error, "turn failed")
        return web.json_response({"error": "internal error", "reference": reference}, status=500)
    if response is None or response.body is None:
        return web.Response(status=response.status if response else 200)
    # As UTF-8: json.dumps' default escapes each non-Latin character in six bytes (a text in
    # Arabic or Chinese would then pass Teams' size limit long before its length limit).
    return web.json_response(response.body, status=response.status, dumps=json_text)


async def _read_activity(request: web.Request) -> Activity | web.Response:
    """The activity in the request, or the 4xx that says why there is none."""
    if request.content_type != "application/json":
        return _problem(415, "Content-Type must be application/json")
    try:
        body = json.loads(await request.read())
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _problem(400, "the body is not valid JSON")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        return _problem(400, "the body is not an activity: it has no type")
    if _holds_invalid_text(body):
        return _problem(400, "the activity holds text that is not valid Unicode")
    if not _routable(body):
        return _problem(400, "the activity has no serviceUrl, conversation or sender")
    try:
        return read_activity(body)
    except Exception:  # noqa: BLE001 - msrest raises many kinds for shapes it cannot read
        return _problem(400, "the activity could not be read")


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: 200 when the database answers, 503 when it does not (or not in time)."""
    try:
        await within(HEALTH_SECONDS, ping(request.app[ENGINE]))
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        log.warning("health check: database unavailable (%s)", type(error).__name__)
        return web.json_response({"status": "unhealthy", "database": "unavailable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def body_map(request: web.Request) -> web.Response:
    """GET /files/body-map/{incident}.png through a signed, short-lived link only."""
    services = request.app[SERVICES]
    link = services.links.check(request.path, dict(request.query))
    incident = request.match_info["incident"]
    if link is None or not (incident.isdecimal() and len(incident) < 19):
        return _problem(403, "this link is not valid or has expired")
    holder = LinkHolder(link.staff_id, incident_id=int(incident))
    try:
        pressed = await _press(request, holder, open_body_map, int(incident))
    except NotAvailable:
        return _problem(403, "this link is not valid or has expired")
    return web.Response(
        body=body_map_png(list(pressed.outcome.view)),
        content_type="image/png",
        headers={"Cache-Control": "private, no-store"},
    )


async def chronology_export(request: web.Request) -> web.Response:
    """GET /files/chronology/...pdf through a signed, short-lived link only: the record is
    decided again for the link's member of staff, built, audited and served, never stored."""
    services = request.app[SERVICES]
    link = services.links.check(request.path, dict(request.query))
    chosen = _export_filter(request.match_info) if link is not None else None
    if link is None or chosen is None:
        return _problem(403, "this link is not valid or has expired")
    school, student = (int(request.match_info[k]) for k in ("school", "student"))
    try:
        pressed = await _press(
            request, LinkHolder(link.staff_id, school), export_chronology, student, chosen
        )
    except NotAvailable:
        return _problem(403, "this link is not valid or has expired")
    who = pressed.who
    exported = ExportFacts(who.school.name, who.staff.display_name, services.clock.now())
    # Laying out hundreds of entries takes seconds of CPU: off the event loop, so alerts and
    # other requests carry on meanwhile.
    pdf = await asyncio.to_thread(chronology_pdf, pressed.outcome.view, exported)
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="chronology-{student}.pdf"',
        },
    )


async def attachment(request: web.Request) -> web.Response:
    """GET /files/attachments/{school}/{id} through a signed, short-lived link only: access to
    the incident is decided again, the file's hash checked, the download audited."""
    services = request.app[SERVICES]
    link = services.links.check(request.path, dict(request.query))
    school, attachment_id = (chosen_id(request.match_info[k]) for k in ("school", "attachment"))
    if link is None or school is None or attachment_id is None:
        return _problem(403, "this link is not valid or has expired")
    try:
        pressed = await _press(
            request, LinkHolder(link.staff_id, school), open_attachment, attachment_id
        )
    except NotAvailable:
        return _problem(403, "this link is not valid or has expired")
    opened = pressed.outcome.view
    name = "".join(c if c.isalnum() or c in "-_. " else "_" for c in opened.name)[:100]
    return web.Response(
        body=opened.content,
        content_type=CONTENT_TYPES.get(opened.kind, "application/octet-stream"),
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="{name or "attachment"}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# Served as a download whatever it is (never rendered in Kestrel's origin).
CONTENT_TYPES = {"PDF": "application/pdf"}


async def _press(
    request: web.Request, holder: LinkHolder, use_case: UseCase, *args: object
) -> Pressed:
    """The link's press: one use case in one unit of work, for the member of staff it names."""
    services = request.app[SERVICES]
    return await run_press(
        services.uow_factory, services.clock, services.rules, holder, use_case, *args
    )


def _export_filter(match: dict) -> ChronologyFilter | None:
    """The filter the signed path names (ids and dates only), or None if it is not one."""
    if chosen_id(match["school"]) is None or chosen_id(match["student"]) is None:
        return None
    raw = match["categories"]
    parts = [] if raw == "all" else raw.split("-")
    if not all(chosen_id(p) for p in parts):
        return None
    try:
        since, until = (
            None if match[k] == "-" else date.fromisoformat(match[k]) for k in ("since", "until")
        )
    except ValueError:
        return None
    return ChronologyFilter(frozenset(int(p) for p in parts), since, until)


def _holds_invalid_text(body: dict) -> bool:
    """Whether any key or string holds a lone surrogate (JSON `"\\ud800"`: not UTF-8, so no
    database, log or reply can take it) or a NUL (PostgreSQL text cannot hold one)."""
    pending: list[object] = [body]
    while pending:  # no recursion: nesting is as deep as the JSON parser allowed
        node = pending.pop()
        if isinstance(node, str):
            if "\x00" in node or not node.isascii() and not _encodes(node):
                return True
        elif isinstance(node, dict):
            pending += node.keys()
            pending += node.values()
        elif isinstance(node, list):
            pending += node
    return False


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _routable(body: dict) -> bool:
    """Teams always sends where to reply and who is speaking; without them there is no turn."""
    conversation, sender = body.get("conversation"), body.get("from")
    return (
        isinstance(body.get("serviceUrl"), str)
        and isinstance(conversation, dict)
        and isinstance(conversation.get("id"), str)
        and isinstance(sender, dict)
    )


def _problem(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)
