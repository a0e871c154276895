from consumers.ratelimit import MessageRateLimiter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_burst_then_rate_then_close_on_a_sustained_flood():
    clock = Clock()
    limiter = MessageRateLimiter(rate=20, burst=40, max_strikes=20, clock=clock)
    assert [limiter.hit() for _ in range(40)] == ["allow"] * 40
    assert limiter.hit() == "refuse"
    clock.now += 0.5  # 10 tokens back, half a strike forgiven
    assert [limiter.hit() for _ in range(10)] == ["allow"] * 10
    verdicts = [limiter.hit() for _ in range(20)]  # 0.5 strike left + 20 more > 20
    assert verdicts[:-1] == ["refuse"] * 19 and verdicts[-1] == "close"


def test_twenty_a_second_forever_is_fine():
    clock = Clock()
    limiter = MessageRateLimiter(rate=20, burst=40, max_strikes=20, clock=clock)
    for _ in range(20 * 60):
        clock.now += 0.05
        assert limiter.hit() == "allow"


def test_slightly_too_fast_gets_refusals_and_eventually_closes():
    clock = Clock()
    limiter = MessageRateLimiter(rate=20, burst=40, max_strikes=20, clock=clock)
    verdicts = []
    for _ in range(25 * 30):  # 25/s for 30 s
        clock.now += 0.04
        verdicts.append(limiter.hit())
        if verdicts[-1] == "close":
            break
    assert "refuse" in verdicts and verdicts[-1] == "close"
