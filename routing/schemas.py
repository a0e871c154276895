"""Event types and their JSON Schemas: one registry (CONTRACT §3).

Every event type a stream carries is registered by the domain that builds it (its events.py
lists `EVENT_TYPES`, its live.py registers them from AppConfig.ready()): the stream kinds it
appears on, what it means, the one builder that makes its data, and a JSON Schema of that data.
The test suite checks every published event against it (root conftest.py), and docs/events.md
is written from it (`manage.py events_doc`).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from jsonschema import Draft202012Validator

# Shared pieces of schemas.
UUID = {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}
# An instant, ISO 8601 with an offset (CONTRACT §1); events give the club's local time.
TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"}
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}  # a decimal string with two places
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
PERSON = {"type": "object", "required": ["id", "name"], "properties": {"id": UUID, "name": {"type": "string"}}}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: dict, optional: dict | None = None, **extra) -> dict:
    """An object schema: `required` fields must be there, `optional` ones may be."""
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})},
            **extra}


def enum(*values) -> dict:
    return {"enum": list(values)}


@dataclass(frozen=True)
class EventType:
    name: str
    streams: tuple[str, ...]  # the stream kinds it is published on
    description: str
    builder: Callable  # the one function that makes its data
    schema: dict  # of `data`, on every stream
    by_stream: dict[str, dict] = field(default_factory=dict)  # more rules on one kind of stream

    def schema_for(self, stream_kind: str) -> dict:
        extra = self.by_stream.get(stream_kind)
        return self.schema if extra is None else {"allOf": [self.schema, extra]}


_TYPES: dict[str, EventType] = {}
_VALIDATORS: dict[tuple[str, str], Draft202012Validator] = {}


def register_event_types(types: Iterable[EventType]) -> None:
    for event_type in types:
        Draft202012Validator.check_schema(event_type.schema)
        known = _TYPES.get(event_type.name)
        if known is not None and known.builder is not event_type.builder:  # one builder per event type
            raise ImproperlyConfigured(f"event type {event_type.name!r} is built by both "
                                       f"{known.builder.__qualname__} and {event_type.builder.__qualname__}")
        _TYPES[event_type.name] = event_type
    _VALIDATORS.clear()


def event_types() -> list[EventType]:
    return sorted(_TYPES.values(), key=lambda t: t.name)


def event_problems(message: dict) -> list[str]:
    """What is wrong with a published message (empty when nothing): its type has no schema, it
    goes to a stream its type is not for, or its data does not match the schema."""
    type_, stream = message["type"], message["stream"]
    kind = stream.split(":", 1)[0]
    event_type = _TYPES.get(type_)
    if event_type is None:
        return [f"{type_!r} on {stream}: no schema registered for this event type (routing.schemas)"]
    if kind not in event_type.streams:
        return [f"{type_!r} on {stream}: registered for {', '.join(event_type.streams)} streams only"]
    validator = _VALIDATORS.get((type_, kind))
    if validator is None:
        validator = _VALIDATORS[(type_, kind)] = Draft202012Validator(event_type.schema_for(kind))
    return [f"{type_!r} on {stream}: {'/'.join(map(str, error.absolute_path)) or 'data'}: {error.message}"
            for error in validator.iter_errors(message["data"])]


def _type_of(schema: dict) -> str:
    if "anyOf" in schema:
        return " or ".join(_type_of(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    if schema is UUID or schema.get("pattern") == UUID["pattern"]:
        return "uuid"
    if schema.get("pattern") == TIME["pattern"]:
        return "time"
    if schema.get("pattern") == MONEY["pattern"]:
        return "money"
    if schema.get("type") == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    return schema.get("type", "any")


def _row(name: str, sub: dict, required: set, prefix: str) -> str:
    return f"| `{prefix}{name}` | {_type_of(sub)} | {'yes' if name in required else 'no'} | {sub.get('description', '')} |"


def _field_rows(schema: dict, prefix: str = "") -> list[str]:
    rows = []
    required = set(schema.get("required", ()))
    for name, sub in schema.get("properties", {}).items():
        rows.append(_row(name, sub, required, prefix))
        if sub.get("type") == "object" and sub.get("properties"):
            rows += _field_rows(sub, f"{prefix}{name}.")
        items = sub.get("items", {})
        if sub.get("type") == "array" and items.get("properties"):
            rows += _field_rows(items, f"{prefix}{name}[].")
    return rows


def render_events_doc() -> str:
    """docs/events.md: every event type, where it is built and what its data holds."""
    out = ["# Live events", "",
           "Generated from the event schemas (routing/schemas.py and each app's events.py) by",
           "`python manage.py events_doc`; a test fails when this file is out of date.", "",
           "Every message is `{\"type\", \"stream\", \"seq\", \"ts\", \"data\"}` (CONTRACT §3). Times are",
           "ISO 8601 with an offset: booking and court times (`start`, `end`, `checked_in_at`,",
           "`hold_expires_at` of staff events) in the club's timezone; `ts`, when things happened",
           "(`created_at`, `read_at`, a match's `started_at`/`finished_at`) in UTC. Events kept in the",
           "log from before a release may carry UTC where newer ones carry club time: read every time",
           "as an instant (both name the same moment). Money is a string with two places next to its",
           "`currency`.", "",
           "| type | streams | builder |", "|---|---|---|"]
    types = event_types()
    for t in types:
        out.append(f"| [`{t.name}`](#{t.name.replace('.', '')}) | {', '.join(t.streams)} | "
                   f"`{t.builder.__module__}.{t.builder.__qualname__}` |")
    for t in types:
        out += ["", f"## {t.name}", "", t.description, "", f"Streams: {', '.join(t.streams)}.", "",
                "| field | type | required | notes |", "|---|---|---|---|", *_field_rows(t.schema)]
        for kind, extra in sorted(t.by_stream.items()):
            out += ["", f"On {kind} streams also:", "", "```json", json.dumps(extra, indent=1), "```"]
    return "\n".join(out) + "\n"
