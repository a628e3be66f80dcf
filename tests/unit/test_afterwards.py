"""bot/afterwards.py: what a press leaves for after its answer is waited for on shutdown (and
what it starts in turn), cut off when its time is up, and a failure of it logged, not lost."""

import asyncio
import logging

from aiohttp import web

from bot.afterwards import Afterwards
from bot.app import create_app
from bot.keys import AFTERWARDS
from bot.settings import Settings


async def test_settled_waits_for_the_work_and_what_it_starts():
    afterwards, done = Afterwards(), []

    async def second() -> None:
        await asyncio.sleep(0.01)
        done.append("second")

    async def first() -> None:
        await asyncio.sleep(0.01)
        afterwards.start(second(), "second")
        done.append("first")

    afterwards.start(first(), "first")
    assert done == []
    assert await afterwards.settled(5) == 0
    assert done == ["first", "second"]


async def test_work_past_its_time_is_cancelled_and_counted(caplog):
    afterwards, cancelled = Afterwards(), asyncio.Event()

    async def stuck() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    afterwards.start(stuck(), "stuck")
    with caplog.at_level(logging.WARNING, logger="kestrel.afterwards"):
        assert await afterwards.settled(0.05) == 1
    assert cancelled.is_set()
    assert "1 follow-ups cancelled on shutdown" in caplog.text
    assert await afterwards.settled(0) == 0


async def test_a_failure_is_logged_by_type_with_no_message(caplog):
    afterwards = Afterwards()

    async def failing() -> None:
        raise ValueError("Niamh Jones said")

    with caplog.at_level(logging.ERROR):
        afterwards.start(failing(), "replace-form")
        assert await afterwards.settled(5) == 0
    assert "replace-form failed after the answer ValueError" in caplog.text
    assert "Niamh" not in caplog.text


async def test_the_app_waits_for_follow_ups_when_it_shuts_down(tmp_path):
    db = f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"
    settings = Settings(database_url=db, local=True, data_dir=tmp_path)
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    done = asyncio.Event()

    async def replacing() -> None:
        await asyncio.sleep(0.05)
        done.set()

    app[AFTERWARDS].start(replacing(), "replace-form")
    await runner.cleanup()  # shutdown, then cleanup
    assert done.is_set()
