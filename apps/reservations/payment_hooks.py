"""The payment steps of a booking, filled in by the payments app from its AppConfig.ready().

apps.payments sits above apps.reservations (it imports booking state; never the reverse), so
the booking code calls these instead. Unfilled, nothing is paid online: no checkout, and a hold
simply expires.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class PaymentHooks:
    # Right after a held booking commits: the `payment` object of the booking answer (or None).
    checkout_start: Callable[..., dict | None] = lambda *, reservation: None
    # Before a hold that ran out is freed: True when it was paid meanwhile (now confirmed).
    hold_paid: Callable[..., bool] = lambda *, reservation_id: False
    # After a hold expired: settle its payments (cancel open intents, refund what was paid).
    hold_expired: Callable[..., None] = lambda *, reservation_id: None

    def register(self, **hooks: Callable) -> None:
        for name, hook in hooks.items():
            if name not in self.__dataclass_fields__:
                raise TypeError(f"unknown payment hook {name!r}")
            setattr(self, name, hook)


payments = PaymentHooks()
