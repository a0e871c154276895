"""Parse THROTTLE_RATES (`login=20/min,register=100/hour`) over the contract's defaults."""
from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

DEFAULT_THROTTLE_RATES = {
    "login": "5/min",
    "register": "10/hour",
    "password_reset": "3/hour",
    # Choosing the new password from the e-mailed link: the token is the gate; room for typos.
    "password_reset_confirm": "10/hour",
    # Entering tournament players by e-mail, per staff user: a desk entering a 100-player
    # Americano fits; harvesting names behind e-mails does not.
    "player_lookup": "300/hour",
    "user": "1000/hour",
    "anon": "3000/hour",
}

_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def parse_throttle_rates(raw: str, defaults: dict[str, str]) -> dict[str, str]:
    rates = dict(defaults)
    for item in filter(None, (part.strip() for part in raw.split(","))):
        scope, sep, rate = item.partition("=")
        scope, rate = scope.strip(), rate.strip()
        if not sep or scope not in defaults or not _RATE.match(rate):
            raise ImproperlyConfigured(
                f"THROTTLE_RATES: bad item {item!r}; expected scope=N/period with scope in "
                f"{sorted(defaults)} and period in s, min, hour, day."
            )
        rates[scope] = rate
    return rates
