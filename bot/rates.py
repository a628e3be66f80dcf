"""Teams' sending limits, kept by the sender: per app overall, and per conversation.

Per conversation Teams allows 7 messages a second and 60 in 30 seconds (shared/teams-platform.md);
per app about 50 a second (configurable). Sliding windows, as the service counts: never more than
the limit in any window, so no burst at the start earns a 429 and its backoff.
"""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
CONVERSATION_WINDOWS = ((1.0, 7), (30.0, 60))


@dataclass
class SendLimits:
    per_second: float = 50.0
    now: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    _all: deque[float] = field(default_factory=deque)
    _recent: dict[str, deque[float]] = field(default_factory=dict)

    async def wait_for(self, conversation_id: str) -> None:
        """Return when one more message to this conversation keeps within every limit."""
        while (delay := self._delay(conversation_id)) > 0:
            await self.sleep(delay + 1e-6)  # a whisker over: float edges never spin
        moment = self.now()
        self._all.append(moment)
        self._recent.setdefault(conversation_id, deque()).append(moment)

    def _delay(self, conversation_id: str) -> float:
        now = self.now()
        _forget(self._all, now, 1.0)
        waits = [_wait(self._all, now, 1.0, max(1, int(self.per_second)))]
        sent = self._recent.setdefault(conversation_id, deque())
        _forget(sent, now, CONVERSATION_WINDOWS[-1][0])
        waits += [_wait(sent, now, window, most) for window, most in CONVERSATION_WINDOWS]
        if not sent:
            del self._recent[conversation_id]
        return max(waits)


def _forget(moments: deque[float], now: float, window: float) -> None:
    while moments and now - moments[0] >= window:
        moments.popleft()


def _wait(moments: deque[float], now: float, window: float, most: int) -> float:
    """How long until fewer than `most` of these moments fall inside the window."""
    inside = [t for t in moments if now - t < window]
    return inside[-most] + window - now if len(inside) >= most else 0.0
