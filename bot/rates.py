"""Teams' sending limits, kept by the sender: per app overall, and per conversation.

Per conversation Teams allows 7 messages a second and 60 in 30 seconds (shared/teams-platform.md);
per app about 50 a second (configurable). Waiting here is cheaper than a 429 and its backoff.
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
    _tokens: float = 0.0
    _updated: float | None = None
    _recent: dict[str, deque[float]] = field(default_factory=dict)

    async def wait_for(self, conversation_id: str) -> None:
        """Return when one more message to this conversation keeps within every limit."""
        while (delay := self._delay(conversation_id)) > 0:
            await self.sleep(delay)
        self._tokens -= 1
        self._recent.setdefault(conversation_id, deque()).append(self.now())

    def _delay(self, conversation_id: str) -> float:
        now = self.now()
        if self._updated is None:
            self._updated, self._tokens = now, self.per_second
        self._tokens = min(self.per_second, self._tokens + (now - self._updated) * self.per_second)
        self._updated = now
        # A whisker over: waiting exactly (1 - tokens) / rate can leave 0.999... behind.
        waits = [0.0 if self._tokens >= 1 - 1e-9 else (1 - self._tokens) / self.per_second + 1e-6]
        sent = self._recent.get(conversation_id, deque())
        while sent and now - sent[0] > CONVERSATION_WINDOWS[-1][0]:
            sent.popleft()
        for window, most in CONVERSATION_WINDOWS:
            inside = [t for t in sent if now - t < window]
            if len(inside) >= most:
                waits.append(inside[-most] + window - now)
        return max(waits)
