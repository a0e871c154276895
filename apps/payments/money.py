"""Decimal amounts <-> Stripe's integer minor units, and fair splitting of a price."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                          "VUV", "XAF", "XOF", "XPF"})
# Three-decimal currencies: Stripe takes 3 minor digits and the last must be 0.
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_minor(amount: Decimal, currency: str) -> int:
    exp = exponent(currency)
    minor = int((Decimal(amount) * (10 ** exp)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if exp == 3:
        minor = int(Decimal(minor / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 10
    return minor


def from_minor(minor: int, currency: str) -> Decimal:
    return (Decimal(int(minor)) / (10 ** exponent(currency))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def split_amount(total: Decimal, parts: int, currency: str) -> list[Decimal]:
    """`parts` amounts summing exactly to `total`; the leftover minor units go to the first shares."""
    unit = 10 if exponent(currency) == 3 else 1  # keep three-decimal shares chargeable
    units = to_minor(total, currency) // unit
    base, rest = divmod(units, parts)
    return [from_minor((base + (1 if i < rest else 0)) * unit, currency) for i in range(parts)]


def money_text(value: Decimal) -> str:
    """An amount as the contract writes money: a decimal string with two places."""
    return f"{value:.2f}"
