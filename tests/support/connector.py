"""A loopback Bot Connector: a small aiohttp server speaking the v3 REST API the bot replies to.

It records every activity the bot sends, so tests see exactly what Teams would store.
"""

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class SentActivity:
    conversation_id: str
    body: dict[str, Any]
    authorization: str | None
    raw: bytes = b""  # the body as it came over the wire
    message_id: str = ""  # the id the connector answered with (sends only)
    at: float = field(default_factory=time.monotonic)  # when it arrived
    peer: object = None  # the client's end of the TCP connection it came over (host, port)
    content_type: str = ""
    reply_to: str = ""  # the activity a send replied to (its path's last part), if any


@dataclass
class LoopbackConnector:
    sent: list[SentActivity] = field(default_factory=list)
    # update_activity calls: conversation_id, and the replaced message's id in body["id"]
    updated: list[SentActivity] = field(default_factory=list)
    # Answers to give instead of 201 for the next sends: (status, Retry-After or None).
    failures: list[tuple[int, str | None]] = field(default_factory=list)
    # For the next sends, in order: "drop" (close the connection), "lose-reply" (take the
    # message, then close the connection before answering) or seconds to wait first.
    behaviours: list[str] = field(default_factory=list)
    # create_conversation requests, and members for whom the app is not installed
    created: list[dict[str, Any]] = field(default_factory=list)
    not_installed: set[str] = field(default_factory=set)
    # Statuses to answer the next updates (PUT) with, instead of 200.
    update_failures: list[int] = field(default_factory=list)
    # While set and not yet open, updates wait for it (Teams slow to answer).
    update_gate: asyncio.Event | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        return app

    async def _create(self, request: web.Request) -> web.Response:
        """create_conversation: a new 1:1 chat (404 for members in `not_installed`)."""
        body = await request.json()
        members = [m.get("id") for m in body.get("members") or []]
        if set(members) & self.not_installed:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        self.created.append(body)
        return web.json_response({"id": f"a:created-{len(self.created)}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if self.update_gate is not None:
            await self.update_gate.wait()
        if self.update_failures:
            status = self.update_failures.pop(0)
            return web.json_response({"error": {"code": "BadGateway"}}, status=status)
        raw = await request.read()
        body = json.loads(raw)
        body["id"] = request.match_info["activity"]
        self.updated.append(
            SentActivity(
                request.match_info["conversation"],
                body,
                request.headers.get("Authorization"),
                raw,
                content_type=request.headers.get("Content-Type", ""),
            )
        )
        return web.json_response({"id": request.match_info["activity"]})

    async def _send(self, request: web.Request) -> web.Response:
        behaviour = self.behaviours.pop(0) if self.behaviours else None
        if behaviour == "lose-reply":  # Teams has the message; the sender never hears so
            await self._keep(request)
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("reply lost by the test")
        if behaviour is not None:
            if behaviour == "drop":  # the connection goes away with no answer
                assert request.transport is not None
                request.transport.close()
                raise ConnectionResetError("dropped by the test")
            await asyncio.sleep(float(behaviour))  # "slow": answers, but late
        if self.failures:
            status, retry_after = self.failures.pop(0)
            headers = {"Retry-After": retry_after} if retry_after else None
            return web.json_response(
                {"error": {"code": "Throttled", "message": "try later"}},
                status=status,
                headers=headers,
            )
        return web.json_response({"id": await self._keep(request)}, status=201)

    async def _keep(self, request: web.Request) -> str:
        """Record a message Teams has taken; its id."""
        raw = await request.read()
        message_id = f"sent-{next(self._ids)}"
        self.sent.append(
            SentActivity(
                request.match_info["conversation"],
                json.loads(raw),
                request.headers.get("Authorization"),
                raw,
                message_id,
                peer=request.transport.get_extra_info("peername") if request.transport else None,
                content_type=request.headers.get("Content-Type", ""),
                reply_to=request.match_info.get("reply_to", ""),
            )
        )
        self._arrived.set()
        return message_id

    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards in everything sent so far, in order."""
        return [
            attachment["content"]
            for sent in self.sent
            for attachment in sent.body.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


async def start_connector() -> tuple[LoopbackConnector, TestServer]:
    """Start a connector on 127.0.0.1 and a free port; the caller closes the server."""
    connector = LoopbackConnector()
    server = TestServer(connector.app(), host="127.0.0.1")
    await server.start_server()
    return connector, server
