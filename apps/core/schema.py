"""OpenAPI: every documented body is the contract's envelope, errors included."""
from __future__ import annotations

from drf_spectacular.drainage import has_override
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import append_meta
from rest_framework import serializers

_META = {
    "type": "object",
    "properties": {
        "timestamp": {"type": "string", "format": "date-time"},
        "version": {"type": "string"},
        "request_id": {"type": "string"},
    },
    "required": ["timestamp", "version", "request_id"],
}
_PAGINATION = {
    "type": "object",
    "properties": {
        "page": {"type": "integer"},
        "page_size": {"type": "integer"},
        "total_count": {"type": "integer"},
        "total_pages": {"type": "integer"},
    },
    "required": ["page", "page_size", "total_count", "total_pages"],
}
ERROR_ENVELOPE = {
    "type": "object",
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "data": {"nullable": True},
        "message": {"type": "string"},
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "details": {"type": "object", "additionalProperties": True}},
            "required": ["code", "details"],
        },
        "meta": _META,
    },
    "required": ["success", "data", "message", "error", "meta"],
}
_ERROR_STATUSES = {
    "400": "Invalid input (`error.details` maps field to messages)",
    "401": "Not authenticated",
    "403": "Not allowed",
    "404": "Not found (also another tenant's object)",
    "405": "Method not allowed",
    "409": "Conflict",
    "413": "Body too large",
    "415": "Unsupported media type",
    "429": "Throttled (see Retry-After)",
    "503": "Service temporarily unavailable",
}


def success_envelope(data_schema: dict | None, *, paginated: bool) -> dict:
    properties = {
        "success": {"type": "boolean", "enum": [True]},
        "data": data_schema if data_schema is not None else {"nullable": True, "enum": [None]},
        "message": {"type": "string"},
    }
    required = ["success", "data", "message", "meta"]
    if paginated:
        properties["pagination"] = _PAGINATION
        required.append("pagination")
    properties["meta"] = _META
    return {"type": "object", "properties": properties, "required": required}


# Times of day. OpenAPI's `format: time` is RFC 3339's full-time (with a UTC offset), which a
# club's local "08:00" is not: schema validators (and the API fuzzer) rightly refuse it. Times
# are documented as the strings they are: "HH:MM" where a field answers so (opening hours),
# else DRF's ISO "HH:MM[:SS[.ffffff]]".
_HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_ISO_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _time_schema(field: serializers.TimeField, direction: str) -> dict:
    hh_mm = direction == "response" and getattr(field, "format", None) == "%H:%M"
    return {"type": "string", "pattern": _HH_MM if hh_mm else _ISO_TIME, "example": "08:00"}


class EnvelopeAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.TimeField) and not has_override(field, "field"):
            return append_meta(_time_schema(field, direction), self._get_serializer_field_meta(field, direction))
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_response_bodies(self, direction="response"):
        if self.method == "DELETE" and not isinstance(self.get_response_serializers(), dict):
            return {"200": {"description": "Deleted", "content": {
                "application/json": {"schema": success_envelope(None, paginated=False)}}}}
        return super()._get_response_bodies(direction)

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if direction != "response" or "content" not in response:
            return response
        is_success = "200" <= str(status_code) < "300"
        paginated = bool(
            is_success and not isinstance(serializer, dict)
            and self._is_list_view(serializer) and self._get_paginator()
        )
        for body in response["content"].values():
            if is_success:
                body["schema"] = success_envelope(body.get("schema"), paginated=paginated)
            else:
                body["schema"] = ERROR_ENVELOPE
        return response


def add_error_responses(result, generator, request, public):
    """Document the error envelope for every status an operation can answer with."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorEnvelope"] = ERROR_ENVELOPE
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in _ERROR_STATUSES.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
