"""Teams' sending limits, on a fake clock: per app overall and per conversation."""

from bot.rates import SendLimits


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
    # The first second's burst, then 50 a second: 300 messages take about 5 s more.
    assert 4.9 <= moments[-1] <= 5.1
