"""Per-socket limit on client messages: cheap protection against ping floods."""
from __future__ import annotations

import time


class MessageRateLimiter:
    """Token bucket (`rate` per second, bursts up to `burst`). Each refused message is a strike;
    strikes fade at one per second, and past `max_strikes` the socket is closed. A client a bit
    over the rate gets errors; one flooding is closed within about a second."""

    ALLOW, REFUSE, CLOSE = "allow", "refuse", "close"

    def __init__(self, *, rate: float, burst: int, max_strikes: int, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = float(burst)
        self.max_strikes = max_strikes
        self.clock = clock
        self.tokens = self.burst
        self.strikes = 0.0
        self.last = clock()

    def hit(self) -> str:
        now = self.clock()
        elapsed = max(0.0, now - self.last)
        self.last = now
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.strikes = max(0.0, self.strikes - elapsed)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return self.ALLOW
        self.strikes += 1.0
        return self.CLOSE if self.strikes > self.max_strikes else self.REFUSE
