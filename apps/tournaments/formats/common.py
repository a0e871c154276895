"""What every format checks of its entries."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def checked(entries: Iterable[Any], what: str, minimum: int) -> list[Any]:
    items = list(entries)
    if any(item is None for item in items):
        raise ValueError(f"{what} cannot be None")
    if len(set(items)) != len(items):
        raise ValueError(f"{what} must be distinct")
    if len(items) < minimum:
        raise ValueError(f"at least {minimum} {what} are needed")
    return items
