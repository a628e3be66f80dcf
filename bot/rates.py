"""Teams' sending limits, kept by the sender: per app overall, and per conversation.

Per conversation Teams allows 7 messages in 1 second, 8 in 2, 60 in 30 and 1,800 in an hour;
per app about 50 a second (configurable) (shared/teams-platform.md). Moving windows, as the
service counts: never more than the limit in any window, so no burst earns a 429 and its
backoff. The moments sent are kept in a send log: in memory (one process, tests) or in the
database (storage/sends.py), where every sender process shares the same windows.
"""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
# (seconds, most messages) per conversation
CONVERSATION_WINDOWS = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
APP_WINDOW = 1.0
# Sends leave a little later than their slot; Teams counts on arrival: keep this much clear.
MARGIN = 0.1


@dataclass(frozen=True)
class Windows:
    """The limits one send must keep: each conversation's windows, and the app's rate."""

    per_second: int = 50
    conversation: tuple[tuple[float, int], ...] = CONVERSATION_WINDOWS

    @property
    def app(self) -> tuple[float, int]:
        return APP_WINDOW, self.per_second

    @property
    def longest(self) -> float:
        return max(window for window, _ in self.conversation)


class SendLog(Protocol):
    async def reserve(self, conversation_id: str, windows: Windows) -> float:
        """Record one send to this conversation now and return 0 if every window has room;
        otherwise record nothing and return how many seconds until one might."""
        ...


def wait(now: float, nth_latest: Sequence[tuple[float, float | None]]) -> float:
    """Seconds until every window has room: each pair is a window's length and the moment of
    its limit-th most recent send inside it (None: fewer than the limit inside)."""
    waits = [moment + window + MARGIN - now for window, moment in nth_latest if moment is not None]
    return max([0.0, *waits])


@dataclass
class SendLimits:
    log: SendLog
    per_second: float = 50.0
    sleep: Sleep = asyncio.sleep

    async def wait_for(self, conversation_id: str) -> None:
        """Return once one more message to this conversation keeps within every limit (it is
        then counted as sent)."""
        windows = Windows(per_second=max(1, int(self.per_second)))
        while (delay := await self.log.reserve(conversation_id, windows)) > 0:
            await self.sleep(delay + 1e-6)  # a whisker over: float edges never spin


@dataclass
class MemorySendLog:
    """This process's sends, in memory (one process; tests on a fake clock)."""

    now: Clock = time.monotonic
    _all: deque[float] = field(default_factory=deque)
    _recent: dict[str, deque[float]] = field(default_factory=dict)

    async def reserve(self, conversation_id: str, windows: Windows) -> float:
        """Record a send now if every window has room, else the wait (see SendLog)."""
        now = self.now()
        _forget(self._all, now, APP_WINDOW + MARGIN)
        sent = self._recent.setdefault(conversation_id, deque())
        _forget(sent, now, windows.longest + MARGIN)
        app_window, app_most = windows.app
        found = [(app_window, _nth_latest(self._all, now, app_window, app_most))]
        found += [(w, _nth_latest(sent, now, w, most)) for w, most in windows.conversation]
        delay = wait(now, found)
        if delay > 0:
            if not sent:
                del self._recent[conversation_id]
            return delay
        self._all.append(now)
        sent.append(now)
        return 0.0


def _forget(moments: deque[float], now: float, window: float) -> None:
    while moments and now - moments[0] >= window:
        moments.popleft()


def _nth_latest(moments: deque[float], now: float, window: float, most: int) -> float | None:
    """The most-th most recent moment within the window (margin included), if there are that
    many."""
    inside = [t for t in moments if now - t < window + MARGIN]
    return inside[-most] if len(inside) >= most else None
