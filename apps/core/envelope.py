"""The one place that shapes every /api/v1/ body into the contract's envelope (CONTRACT §1)."""
from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus

from django.conf import settings
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.core.errors import CoreErrorCode
from apps.core.request_context import request_id_var

_DEFAULT_MESSAGES = {200: "OK", 201: "Created", 202: "Accepted"}


def envelope_meta() -> dict:
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "version": settings.VERSION,
        "request_id": request_id_var.get(),
    }


def success_body(data, *, message: str, pagination: dict | None = None) -> dict:
    body = {"success": True, "data": data, "message": message}
    if pagination is not None:
        body["pagination"] = pagination
    body["meta"] = envelope_meta()
    return body


def error_body(*, code: str, message: str, details=None) -> dict:
    return {
        "success": False,
        "data": None,
        "message": message,
        "error": {"code": str(code), "details": details or {}},
        "meta": envelope_meta(),
    }


def default_message(status: int) -> str:
    if status in _DEFAULT_MESSAGES:
        return _DEFAULT_MESSAGES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "OK"


def enveloped_response(data, message: str, *, status: int = 200) -> Response:
    """A view's answer and the envelope's `message` for it (EnvelopeJSONRenderer writes both)."""
    response = Response(data, status=status)
    response.envelope_message = message
    return response


class EnvelopeJSONRenderer(JSONRenderer):
    """Wraps view data; errors arrive pre-shaped by the exception handler (`response.is_error`)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is None or getattr(response, "skip_envelope", False):
            return super().render(data, accepted_media_type, renderer_context)
        if getattr(response, "is_error", False):
            body = error_body(code=data["code"], message=data["message"], details=data.get("details"))
        elif response.status_code >= 400:  # an error response built outside the handler
            body = error_body(code=CoreErrorCode.ERROR, message=default_message(response.status_code), details=data)
        else:
            body = success_body(
                data,
                message=getattr(response, "envelope_message", None) or default_message(response.status_code),
                pagination=getattr(response, "envelope_pagination", None),
            )
        return super().render(body, accepted_media_type, renderer_context)
