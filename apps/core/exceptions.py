"""Maps every exception a view can raise to the contract's error envelope, once."""
from __future__ import annotations

import logging

import sentry_sdk
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken

from apps.core.errors import ApplicationError, CoreErrorCode

logger = logging.getLogger("padelyzer.api")

_DRF_CODES = [
    (drf.ParseError, CoreErrorCode.PARSE_ERROR, "Malformed request body"),
    (drf.NotAuthenticated, CoreErrorCode.NOT_AUTHENTICATED, "Authentication credentials were not provided"),
    (drf.PermissionDenied, CoreErrorCode.PERMISSION_DENIED, "You are not allowed to do this"),
    (drf.NotFound, CoreErrorCode.NOT_FOUND, "Not found"),
    (drf.MethodNotAllowed, CoreErrorCode.METHOD_NOT_ALLOWED, None),
    (drf.NotAcceptable, CoreErrorCode.NOT_ACCEPTABLE, None),
    (drf.UnsupportedMediaType, CoreErrorCode.UNSUPPORTED_MEDIA_TYPE, None),
]


def error_response(*, status: int, code: str, message: str, details=None, headers=None) -> Response:
    # str(): codes arrive as StrEnum members; renderers other than JSON (the schema's YAML) only
    # know plain strings.
    response = Response({"code": str(code), "message": message, "details": details or {}}, status=status,
                        headers=headers)
    response.is_error = True
    return response


def _validation_details(detail) -> dict:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _first_message(details: dict) -> str:
    for field, messages in details.items():
        first = messages
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        while isinstance(first, dict) and first:
            field, first = next(iter(first.items()))
            while isinstance(first, (list, tuple)) and first:
                first = first[0]
        text = str(first)
        return text if field == "non_field_errors" else f"{field}: {text}"
    return "Invalid input"


def envelope_exception_handler(exc, context):
    headers = {}
    if isinstance(exc, ApplicationError):
        return error_response(status=exc.status, code=exc.code, message=exc.message, details=exc.details)
    if isinstance(exc, RequestDataTooBig):
        return error_response(status=413, code=CoreErrorCode.PAYLOAD_TOO_LARGE,
                              message="Request body is too large")
    if isinstance(exc, Http404):
        return error_response(status=404, code=CoreErrorCode.NOT_FOUND, message="Not found")
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(status=403, code=CoreErrorCode.PERMISSION_DENIED,
                              message="You are not allowed to do this")
    if isinstance(exc, SuspiciousOperation):
        return error_response(status=400, code=CoreErrorCode.VALIDATION_ERROR, message="Bad request")
    if isinstance(exc, drf.ValidationError):
        details = _validation_details(exc.detail)
        return error_response(status=400, code=CoreErrorCode.VALIDATION_ERROR,
                              message=_first_message(details), details=details)
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 1) if exc.wait is not None else 1
        return error_response(status=429, code=CoreErrorCode.THROTTLED,
                              message=f"Too many requests; try again in {wait} s",
                              details={"retry_after": wait}, headers={"Retry-After": str(wait)})
    if isinstance(exc, (InvalidToken, drf.AuthenticationFailed)):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        code = CoreErrorCode.TOKEN_INVALID if isinstance(exc, InvalidToken) else CoreErrorCode.AUTHENTICATION_FAILED
        detail = exc.detail.get("detail") if isinstance(exc.detail, dict) else exc.detail
        return error_response(status=exc.status_code, code=code, message=str(detail), headers=headers)
    for klass, code, message in _DRF_CODES:
        if isinstance(exc, klass):
            if getattr(exc, "auth_header", None):
                headers["WWW-Authenticate"] = exc.auth_header
            return error_response(status=exc.status_code, code=code, message=message or str(exc.detail),
                                  headers=headers)
    if isinstance(exc, drf.APIException):
        return error_response(status=exc.status_code, code=str(exc.default_code), message=str(exc.detail))
    if isinstance(exc, (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)):
        logger.warning("%s unavailable: %s", "database" if isinstance(exc, DatabaseError) else "redis",
                       exc.__class__.__name__)
        return error_response(status=503, code=CoreErrorCode.SERVICE_UNAVAILABLE,
                              message="The service is temporarily unavailable; please retry",
                              headers={"Retry-After": "5"})
    if isinstance(exc, DatabaseError):
        logger.exception("database error")
    else:
        logger.exception("unhandled error in API view")
    try:
        sentry_sdk.capture_exception(exc)
    except Exception:  # pragma: no cover - reporting must never mask the answer
        pass
    return error_response(status=500, code=CoreErrorCode.SERVER_ERROR,
                          message="Something went wrong on our side; it has been logged")
