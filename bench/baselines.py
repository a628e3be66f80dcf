"""What Kestrel is measured beside, each run as a process of its own on 127.0.0.1:

- floor: a bare aiohttp handler that reads the activity and returns a fixed invoke response (the
  floor of this HTTP stack);
- peer: a stock botbuilder 4.17.1 bot answering the same invoke with a fixed card through
  CloudAdapter.process_activity, authentication off, none of Kestrel's changes to the SDK (the
  route is the one shared/teams-platform.md describes: CloudAdapter.process answers 500 to it);
- connector: the loopback Bot Connector of the tests (tests/support/connector.py), where Kestrel's
  replies (help: a welcome addressed to the member of staff) and card updates (record) go, with
  GET /counts to check them afterwards.

`PORT=N python -m bench.baselines floor|peer|connector`; each answers GET /healthz.
"""

import argparse
import asyncio
import gc
import json
import os

from aiohttp import web

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD = {
    "type": "AdaptiveCard",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Fixed card", "wrap": True}],
}
INVOKE_ANSWER = {"statusCode": 200, "type": ADAPTIVE_CARD, "value": CARD}


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def floor_app() -> web.Application:
    """The bare handler: read and parse the activity, answer the fixed invoke response."""

    async def messages(request: web.Request) -> web.Response:
        json.loads(await request.read())
        return web.json_response(INVOKE_ANSWER)

    return _app(messages)


def peer_app() -> web.Application:
    """A stock botbuilder bot: an ActivityHandler whose Action.Execute answer is a fixed card."""
    from botbuilder.core import ActivityHandler, TurnContext
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )
    from botbuilder.schema import Activity, AdaptiveCardInvokeResponse

    class Configuration:  # no app id: the SDK accepts anonymous requests
        APP_ID, APP_PASSWORD, APP_TYPE, APP_TENANTID = "", "", "MultiTenant", ""

    class FixedCardBot(ActivityHandler):
        async def on_adaptive_card_invoke(self, turn_context: TurnContext, invoke_value):
            return AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD, value=CARD)

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Configuration()))
    bot = FixedCardBot()

    async def messages(request: web.Request) -> web.Response:
        activity = Activity().deserialize(json.loads(await request.read()))
        auth = request.headers.get("Authorization", "")
        response = await adapter.process_activity(auth, activity, bot.on_turn)
        if response is None or response.body is None:
            return web.Response(status=response.status if response else 201)
        return web.json_response(response.body, status=response.status)

    return _app(messages)


def connector_app() -> web.Application:
    """The tests' loopback Bot Connector, and GET /counts of what it was sent."""
    from tests.support.connector import LoopbackConnector

    connector = LoopbackConnector()

    async def counts(_: web.Request) -> web.Response:
        updates = [
            a
            for sent in connector.updated
            for a in sent.body.get("attachments") or []
            if a.get("contentType") == ADAPTIVE_CARD and a.get("content", {}).get("body")
        ]
        return web.json_response(
            {
                "replies": len(connector.sent),
                "greetings": sum(1 for card in connector.cards() if "Hello " in json.dumps(card)),
                "updates": len(connector.updated),
                "update_cards": len(updates),
            }
        )

    app = connector.app()
    app.router.add_get("/counts", counts)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(_kept_out_of_the_collectors_reach)
    return app


async def _kept_out_of_the_collectors_reach(_app: web.Application):
    """The connector keeps everything it is sent (tens of thousands of activities in a run):
    Python's full collections walked them all, 50 ms and more, while Kestrel's sends waited
    for an answer (the worst c8 wait of `help`, 12-23x its median). What it holds is frozen
    every half second, as `kestrel serve` freezes what it started with: Teams' own pauses are
    not Kestrel's to measure."""

    async def freeze() -> None:
        while True:
            await asyncio.sleep(0.5)
            gc.freeze()

    task = asyncio.create_task(freeze())
    yield
    task.cancel()


def _app(messages) -> web.Application:
    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


APPS = {"floor": floor_app, "peer": peer_app, "connector": connector_app}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=sorted(APPS))
    args = parser.parse_args()
    web.run_app(APPS[args.kind](), host="127.0.0.1", port=int(os.environ["PORT"]), print=None)
