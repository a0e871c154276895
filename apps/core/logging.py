"""JSON log lines carrying the request id, with tokens and passwords scrubbed."""
from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from apps.core.request_context import request_id_var

_SECRET_PATTERNS = [
    # query-string credentials: ?token=..., &display_key=..., refresh=...
    (re.compile(r"(?i)((?:token|display_key|key|refresh|access|password)=)[^&\s\"']+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)(\"(?:password|token|access|refresh|key|secret)\"\s*:\s*\")[^\"]*"), r"\1[REDACTED]"),
    (re.compile(r"(?i)('(?:password|token|access|refresh|key|secret)'\s*:\s*')[^']*"), r"\1[REDACTED]"),
    # bare JWTs anywhere
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+"), "[REDACTED-JWT]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class RedactSecretsFilter(logging.Filter):
    """Renders the message once, scrubbed, so no handler can print a secret from the args."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not kill logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)
