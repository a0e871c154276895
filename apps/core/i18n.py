"""Languages we write in: the site's LANGUAGES, matched from browser tags ("es-MX" -> "es")."""
from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


def supported_language(tag: str | None) -> str:
    """The supported language code for a tag such as "es-MX", or "" when we do not speak it."""
    codes = {code for code, _ in settings.LANGUAGES}
    tag = (tag or "").strip().lower().replace("_", "-")
    if tag in codes:
        return tag
    base = tag.split("-", 1)[0]
    return base if base in codes else ""


@contextmanager
def language_of(user):
    """Renders text for `user` in their language (the site default when they chose none)."""
    with translation.override(supported_language(getattr(user, "language", "")) or settings.LANGUAGE_CODE):
        yield
