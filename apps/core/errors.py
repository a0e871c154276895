"""Error codes shared by every domain, and the one exception type services raise.

Each domain has its own `StrEnum` of codes (Saleor's error_codes.py); they all reach the
envelope through `ApplicationError` and `apps.core.exceptions.envelope_exception_handler`.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any


class CoreErrorCode(StrEnum):
    VALIDATION_ERROR = "validation_error"
    PARSE_ERROR = "parse_error"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    TOKEN_INVALID = "token_not_valid"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    THROTTLED = "throttled"
    CONFLICT = "conflict"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SERVER_ERROR = "server_error"
    BAD_REQUEST = "bad_request"  # Django's own 400 page (apps.core.views), outside DRF
    ERROR = "error"  # an error response a view built itself, outside the exception handler


class ApplicationError(Exception):
    """A domain rule said no. `status` picks the HTTP status; `code` is the contract's code."""

    status = 400

    def __init__(self, code: StrEnum | str, message: str, *, details: dict[str, Any] | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.details = details or {}
        if status is not None:
            self.status = status


class InvalidInput(ApplicationError):
    status = 400


class NotAllowed(ApplicationError):
    status = 403


class NotFound(ApplicationError):
    status = 404


class Conflict(ApplicationError):
    status = 409


class ServiceUnavailable(ApplicationError):
    status = 503
