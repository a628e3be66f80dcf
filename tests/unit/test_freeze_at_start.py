"""bot/cli.py `freeze_what_started`: a serving process's start-up objects leave the garbage
collector's walks (its full collections stalled every request in flight), garbage does not."""

import gc
import weakref

from bot.cli import freeze_what_started


class _Cycle:
    pass


async def test_what_started_is_frozen_and_garbage_is_collected_first():
    garbage = _Cycle()
    garbage.itself = garbage  # only the cyclic collector frees it
    gone = weakref.ref(garbage)
    del garbage
    kept = [_Cycle()]
    before = gc.get_freeze_count()
    try:
        await freeze_what_started()
        assert gone() is None  # collected, not frozen for good
        assert gc.get_freeze_count() > before
        assert not any(item is kept for item in gc.get_objects())  # out of the collector's walks
    finally:
        gc.unfreeze()
    assert any(item is kept for item in gc.get_objects())
