"""Typed keys for what create_app stores on the aiohttp application."""

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.afterwards import Afterwards
from bot.settings import Settings
from bot.turns import Services

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
ADAPTER = web.AppKey("adapter", CloudAdapter)
BOT = web.AppKey("bot", object)
SERVICES = web.AppKey("services", Services)
AFTERWARDS = web.AppKey("afterwards", Afterwards)
