import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class LimitedJSONParser(JSONParser):
    """JSON parser that honours DATA_UPLOAD_MAX_MEMORY_SIZE (DRF reads the raw stream and would not)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        django_request = getattr(request, "_request", None)
        if django_request is not None:
            raw = django_request.body  # raises RequestDataTooBig over the limit, even when chunked
        else:
            raw = stream.read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        if not raw:
            return {}
        try:
            return json.loads(raw.decode((parser_context or {}).get("encoding") or "utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc
        except RecursionError as exc:  # "[[[[...": nesting deeper than the decoder can follow
            raise ParseError("Malformed JSON: nested too deeply") from exc
