"""The composition root: `create_app` builds everything; nothing is built at import time."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from aiohttp import web
from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot.adapter import create_adapter
from bot.downloads import Downloader
from bot.errors import error_card
from bot.kestrel_bot import KestrelBot
from bot.keyring import load_keyring
from bot.keys import ADAPTER, BOT, ENGINE, SERVICES, SETTINGS
from bot.links import LinkSigner
from bot.routes import attachment, body_map, chronology_export, healthz, messages
from bot.sender import AlertSender
from bot.settings import Settings
from bot.triage_poster import TriagePoster
from bot.turns import Services
from safeguarding.clock import SystemClock
from safeguarding.identity import TenantPolicy
from safeguarding.services.outbox import Outbox
from safeguarding.services.press import Rules
from safeguarding.services.triage_outbox import TriageOutbox
from storage.database import create_engine
from storage.uow import unit_of_work_factory

log = logging.getLogger("kestrel.app")


def create_app(settings: Settings, **overrides: Any) -> web.Application:
    """Build the aiohttp application; tests pass overrides (engine, clock, adapter, keyring)."""
    engine = overrides.get("engine") or create_engine(settings.database_url)
    clock = overrides.get("clock") or SystemClock()
    keyring = overrides.get("keyring") or load_keyring(settings)
    uow_factory = unit_of_work_factory(engine, clock, keyring, settings.attachments_dir)
    services = Services(
        uow_factory=uow_factory,
        clock=clock,
        outbox=Outbox(uow_factory, clock),
        links=LinkSigner(keyring.derived_key("kestrel-links")),
        public_url=settings.public_url,
        downloader=Downloader(settings.max_attachment_mb * 2**20, allow_http=settings.local),
        rules=Rules(
            tenant_policy=TenantPolicy(settings.allowed_tenants),
            escalate_after=timedelta(minutes=settings.escalate_minutes),
            elevation_lasts=timedelta(minutes=settings.elevation_minutes),
            max_attachment_bytes=settings.max_attachment_mb * 2**20,
            role_groups=settings.role_groups,
        ),
    )
    adapter = overrides.get("adapter") or create_adapter(settings)
    adapter.on_turn_error = _on_turn_error
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[SETTINGS], app[ENGINE], app[SERVICES] = settings, engine, services
    app[ADAPTER], app[BOT] = adapter, KestrelBot(services)
    if settings.send_alerts:
        sender = AlertSender(adapter, services.outbox, settings.app_id, settings.alerts_per_second)
        app.cleanup_ctx.append(_running(sender, "alert-sender"))
        triage = TriageOutbox(uow_factory, clock)
        poster = TriagePoster(adapter, triage, settings.app_id, sender.limits)
        app.cleanup_ctx.append(_running(poster, "triage-poster"))
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/files/body-map/{incident}.png", body_map)
    app.router.add_get("/files/attachments/{school}/{attachment}", attachment)
    app.router.add_get(
        "/files/chronology/{school}/{student}/{categories}/{since}/{until}.pdf",
        chronology_export,
    )
    if "engine" not in overrides:
        app.on_cleanup.append(_dispose_engine)
    return app


def _running(sender: AlertSender | TriagePoster, name: str):
    """A sender's loop for as long as the app runs (cancelled on shutdown, leases expire)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(sender.run_forever(), name=name)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


async def _dispose_engine(app: web.Application) -> None:
    await app[ENGINE].dispose()


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    """Last resort for errors outside a handler (e.g. sending a reply failed)."""
    card = error_card(error)
    if context.activity.type == "message" and not context.responded:
        try:
            await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
        except Exception as send_error:  # noqa: BLE001 - the connector itself may be down
            log.error("could not tell the user about an error (%s)", type(send_error).__name__)
