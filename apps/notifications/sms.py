"""SMS backends, chosen by settings.SMS_BACKEND (a dotted path), like Django's EMAIL_BACKEND.

A provider adapter (Twilio, MessageBird...) subclasses BaseSmsBackend and raises on failure;
the delivery task records the error and retries.
"""
from __future__ import annotations

import sys
import threading

from django.conf import settings
from django.utils.module_loading import import_string


class BaseSmsBackend:
    def send(self, *, to: str, body: str, reference: str) -> None:
        """Send one message. `reference` is stable across retries (providers that accept one dedupe on it)."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes messages to stdout: the default, so development needs no provider."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send(self, *, to: str, body: str, reference: str) -> None:
        with self._lock:
            self.stream.write(f"SMS to {to} [{reference}]\n{body}\n{'-' * 40}\n")
            self.stream.flush()


# Filled by LocmemSmsBackend, like django.core.mail.outbox (tests).
outbox: list[dict] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, body: str, reference: str) -> None:
        outbox.append({"to": to, "body": body, "reference": reference})


def get_sms_backend() -> BaseSmsBackend:
    path = getattr(settings, "SMS_BACKEND", "apps.notifications.sms.ConsoleSmsBackend")
    return import_string(path)()
