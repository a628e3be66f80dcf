"""Teams' sending limits on a fake clock (per app, per conversation), and retry delays."""

import random
from datetime import timedelta

from bot.rates import SendLimits
from safeguarding.alerts import LONGEST_RETRY, retry_delay


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def sends(limits: SendLimits, time: FakeTime, conversations: list[str]) -> list[float]:
    moments = []
    for conversation in conversations:
        await limits.wait_for(conversation)
        moments.append(time.now)
    return moments


async def test_one_conversation_gets_seven_a_second_and_sixty_in_thirty_seconds():
    time = FakeTime()
    limits = SendLimits(per_second=1000, now=time.clock, sleep=time.sleep)
    moments = await sends(limits, time, ["a"] * 61)
    assert all(moments[n + 7] - moments[n] >= 1.0 - 1e-9 for n in range(len(moments) - 7))
    assert moments[60] - moments[0] >= 30.0 - 1e-9


async def test_many_conversations_share_the_app_rate():
    time = FakeTime()
    limits = SendLimits(per_second=50, now=time.clock, sleep=time.sleep)
    moments = await sends(limits, time, [f"c{n}" for n in range(300)])
    # Never more than 50 in any second: 300 messages take about 5 s after the first 50.
    assert all(moments[n + 50] - moments[n] >= 1.0 - 1e-6 for n in range(len(moments) - 50))
    assert 4.9 <= moments[-1] <= 5.1


def test_retry_after_is_honoured_and_backoff_grows_within_its_ceiling():
    rng = random.Random(7)
    assert timedelta(seconds=30) <= retry_delay(0, 30.0, rng) <= timedelta(seconds=30.5)
    early = [retry_delay(1, None, rng) for _ in range(50)]
    late = [retry_delay(12, None, rng) for _ in range(50)]
    assert max(early) <= timedelta(seconds=4) and max(late) <= LONGEST_RETRY
    assert min(e for e in early) >= timedelta(seconds=2)
