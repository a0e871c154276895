"""What auth/me/ says beyond the account itself. Apps above accounts (organizations: memberships and
the clubs a user runs) register a section from their AppConfig.ready(), so accounts, the lowest
domain app, imports none of them."""
from __future__ import annotations

from collections.abc import Callable

MeSection = Callable[[object], dict]

_sections: dict[str, MeSection] = {}


def me_section_register(name: str, section: MeSection) -> None:
    """`section(user)` returns fields of MeOutput (apps/accounts/api.py); one per name."""
    _sections[name] = section


def me_sections(user) -> dict:
    data: dict = {}
    for section in _sections.values():
        data.update(section(user))
    return data
