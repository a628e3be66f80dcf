"""The composition root: `create_app` builds everything; nothing is built at import time."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiohttp import web
from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot.adapter import create_adapter
from bot.afterwards import Afterwards
from bot.checkpoints import Checkpointer
from bot.downloads import Downloader
from bot.errors import error_card
from bot.kestrel_bot import KestrelBot
from bot.keyring import load_audit_keys, load_keyring
from bot.keys import ADAPTER, AFTERWARDS, BOT, ENGINE, SERVICES, SETTINGS
from bot.links import LinkSigner
from bot.message_updates import MessageUpdates
from bot.pages import privacy, terms
from bot.rates import SendLimits, wait
from bot.routes import attachment, body_map, chronology_export, healthz, messages
from bot.sender import AlertSender
from bot.settings import Settings
from bot.sync_schedule import ScheduledSync
from bot.triage_poster import TriagePoster
from bot.turns import Services
from safeguarding.clock import SystemClock
from safeguarding.identity import TenantPolicy
from safeguarding.services.outbox import Outbox
from safeguarding.services.press import Rules
from safeguarding.services.triage_outbox import TriageOutbox
from storage.database import create_engine
from storage.sends import SqlSendLog
from storage.uow import unit_of_work_factory

log = logging.getLogger("kestrel.app")


def create_app(settings: Settings, **overrides: Any) -> web.Application:
    """Build the aiohttp application; tests pass overrides (engine, clock, adapter, keyring,
    audit_keys)."""
    engine = overrides.get("engine") or create_engine(
        settings.database_url, settings.database_timeouts
    )
    clock = overrides.get("clock") or SystemClock()
    keyring = overrides.get("keyring") or load_keyring(settings)
    audit_keys = overrides.get("audit_keys") or load_audit_keys(settings)
    uow_factory = unit_of_work_factory(
        engine, clock, keyring, settings.attachments_dir, audit_keys=audit_keys
    )
    services = Services(
        uow_factory=uow_factory,
        clock=clock,
        outbox=Outbox(uow_factory, clock, settings.instance_name),
        links=LinkSigner(keyring.derived_key("kestrel-links")),
        public_url=settings.public_url,
        downloader=Downloader(settings.max_attachment_mb * 2**20, allow_http=settings.local),
        rules=Rules(
            tenant_policy=TenantPolicy(settings.allowed_tenants),
            escalate_after=timedelta(minutes=settings.escalate_minutes),
            elevation_lasts=timedelta(minutes=settings.elevation_minutes),
            max_attachment_bytes=settings.max_attachment_mb * 2**20,
            import_stale_after=timedelta(hours=settings.import_stale_hours),
            role_groups=settings.role_groups,
        ),
        press_timeout=settings.press_timeout,
        outbound_timeout=settings.outbound_timeout,
    )
    adapter = overrides.get("adapter") or create_adapter(settings)
    adapter.on_turn_error = _on_turn_error(settings.outbound_timeout)
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[SETTINGS], app[ENGINE], app[SERVICES] = settings, engine, services
    afterwards = Afterwards()  # what presses leave for after their answers (forms replaced)
    updates = MessageUpdates()
    bot = KestrelBot(services, afterwards, updates)
    app[ADAPTER], app[BOT], app[AFTERWARDS] = adapter, bot, afterwards
    app.on_shutdown.append(_settle(afterwards, settings.outbound_timeout))
    app.on_cleanup.append(lambda _: updates.close())
    if settings.send_alerts:
        limits = SendLimits(SqlSendLog(engine, wait), settings.alerts_per_second)
        sender = AlertSender(
            adapter, services.outbox, settings.app_id, limits, settings.outbound_timeout
        )
        stopping = sender.outbox.release_leases
        app.cleanup_ctx.append(_running("alert-sender", sender.run_forever, stopping))
        triage = TriageOutbox(uow_factory, clock, settings.instance_name)
        poster = TriagePoster(adapter, triage, settings.app_id, limits, settings.outbound_timeout)
        app.cleanup_ctx.append(_running("triage-poster", poster.run_forever))
    if settings.graph_configured and settings.sync_hours:
        scheduled = ScheduledSync(settings, uow_factory, clock, adapter)
        app.cleanup_ctx.append(_running("directory-sync", scheduled.run_forever))
    if settings.audit_checkpoints is not None:
        every = timedelta(minutes=settings.checkpoint_minutes)
        checkpointer = Checkpointer(engine, audit_keys, settings.audit_checkpoints, every, clock)
        app.cleanup_ctx.append(_running("audit-checkpoints", checkpointer.run_forever))
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/privacy", privacy)
    app.router.add_get("/terms", terms)
    app.router.add_get("/files/body-map/{incident}.png", body_map)
    app.router.add_get("/files/attachments/{school}/{attachment}", attachment)
    app.router.add_get(
        "/files/chronology/{school}/{student}/{categories}/{since}/{until}.pdf",
        chronology_export,
    )
    if "engine" not in overrides:
        app.on_cleanup.append(_dispose_engine)
    return app


Loop = Callable[[], Coroutine[Any, Any, Any]]


def _running(name: str, loop: Loop, on_stop: Loop | None = None):
    """A background loop for as long as the app runs, cancelled on shutdown, then `on_stop`
    (the sender gives its leases back for another process to take at once; a checkpoint not
    yet written is written by the next start)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(), name=name)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if on_stop is not None:
            with contextlib.suppress(Exception):  # else they expire within seconds anyway
                await asyncio.wait_for(on_stop(), 2.0)

    return context


def _settle(afterwards: Afterwards, seconds: float):
    """On shutdown, the follow-ups under way get the time an outbound call has."""

    async def on_shutdown(_: web.Application) -> None:
        await afterwards.settled(seconds)

    return on_shutdown


async def _dispose_engine(app: web.Application) -> None:
    await app[ENGINE].dispose()


def _on_turn_error(seconds: float):
    """Last resort for errors outside a handler (e.g. sending a reply failed)."""

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        card = error_card(error)
        if context.activity.type == "message" and not context.responded:
            reply = MessageFactory.attachment(CardFactory.adaptive_card(card))
            try:
                await asyncio.wait_for(context.send_activity(reply), seconds)
            except Exception as send_error:  # noqa: BLE001 - the connector itself may be down
                why = type(send_error).__name__
                log.error("could not tell the user about an error (%s)", why)

    return on_turn_error
