"""Teams' sending limits on a fake clock (per app, per conversation), and retry delays."""

import random
from datetime import timedelta

from bot.rates import MARGIN, MemorySendLog, SendLimits, Windows
from safeguarding.alerts import LONGEST_RETRY, retry_delay
from tests.support.windows import most_in_any


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def limits_on(time: FakeTime, per_second: float) -> SendLimits:
    return SendLimits(MemorySendLog(now=time.clock), per_second=per_second, sleep=time.sleep)


async def sends(limits: SendLimits, time: FakeTime, conversations: list[str]) -> list[float]:
    moments = []
    for conversation in conversations:
        await limits.wait_for(conversation)
        moments.append(time.now)
    return moments


async def test_one_conversation_keeps_every_window_teams_counts():
    time = FakeTime()
    moments = await sends(limits_on(time, 1000), time, ["a"] * 130)
    assert most_in_any(moments, 1.0) == 7
    assert most_in_any(moments, 2.0) == 8  # (7 a second would be 14 in 2 s)
    assert most_in_any(moments, 30.0) == 60
    assert moments[60] - moments[0] >= 30.0  # the 61st waits for the first to leave the window


async def test_one_conversation_gets_at_most_1800_in_an_hour():
    time = FakeTime()
    moments = await sends(limits_on(time, 1000), time, ["a"] * 1801)
    assert most_in_any(moments, 3600.0) == 1800
    assert moments[1800] - moments[0] >= 3600.0
    # 60 every 30 s would be 7,200 an hour: the hour's limit, not the 30 s one, sets the pace
    assert moments[1799] - moments[0] < 900.0 + 30.0


async def test_many_conversations_share_the_app_rate():
    time = FakeTime()
    moments = await sends(limits_on(time, 50), time, [f"c{n}" for n in range(300)])
    assert most_in_any(moments, 1.0) == 50
    # 300 messages take about 5 s after the first 50 (a little more: the margin kept clear).
    assert 5.0 <= moments[-1] <= 5.0 + 6 * MARGIN + 1e-3


async def test_a_send_that_must_wait_is_not_counted_until_it_goes():
    time = FakeTime()
    log, windows = MemorySendLog(now=time.clock), Windows(per_second=1000)
    await sends(SendLimits(log, per_second=1000, sleep=time.sleep), time, ["a"] * 7)
    assert await log.reserve("a", windows) > 0  # full: nothing recorded
    assert await log.reserve("b", windows) == 0  # another conversation is not held up
    time.now += 1.0 + MARGIN
    assert await log.reserve("a", windows) == 0


def test_retry_after_is_honoured_and_backoff_grows_within_its_ceiling():
    rng = random.Random(7)
    assert timedelta(seconds=30) <= retry_delay(0, 30.0, rng) <= timedelta(seconds=30.5)
    early = [retry_delay(1, None, rng) for _ in range(50)]
    late = [retry_delay(12, None, rng) for _ in range(50)]
    assert max(early) <= timedelta(seconds=4) and max(late) <= LONGEST_RETRY
    assert min(e for e in early) >= timedelta(seconds=2)
