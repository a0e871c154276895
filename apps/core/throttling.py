"""Throttles counted in the shared cache, with rates read at request time (env: THROTTLE_RATES)."""
from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateMixin:
    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class UserRateThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """1000/hour per signed-in user; anonymous callers are counted per IP under `anon`."""

    scope = "user"

    def allow_request(self, request, view):
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class IPThrottle(_SettingsRateMixin, SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """5/min per (IP, e-mail): one club's shared Wi-Fi does not lock out its other members."""

    scope = "login"

    def get_cache_key(self, request, view):
        email = ""
        data = request.data
        if isinstance(data, dict):
            email = str(data.get("email", ""))[:254].strip().lower()
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}|{email}"}


class RegisterThrottle(IPThrottle):
    scope = "register"


class PasswordResetThrottle(IPThrottle):
    scope = "password_reset"


class PasswordResetConfirmThrottle(IPThrottle):
    scope = "password_reset_confirm"


class PlayerLookupThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """Per user, only for requests that name someone by e-mail (tournament entries, a match's scorer)."""

    scope = "player_lookup"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        players = data.get("players")
        named = [*(players if isinstance(players, list) else []), data.get("scorer")]
        names_an_email = any(isinstance(p, str) and "@" in p for p in named)
        if not names_an_email or not (request.user and request.user.is_authenticated):
            return None  # not counted
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
