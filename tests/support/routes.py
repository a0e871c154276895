"""Every /api/v1/ route, found from the URL resolver: for walks that must not miss a route."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLResolver, get_resolver

API_PREFIX = "api/v1/"
_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>[^>]+)>[^)]*\)")


@dataclass
class Route:
    route: str
    name: str | None
    view: type
    methods: list[str]
    params: list[str]
    suffix: bool
    callback: object

    def url(self, values: dict[str, str]) -> str:
        path = self.route
        for match in list(_PARAM.finditer(path)):
            name = match.group("name")
            path = path.replace(match.group(0), ".json" if name == "format" else values[name])
        for match in list(_REGEX_PARAM.finditer(path)):
            name = match.group("name")
            path = path.replace(match.group(0), ".json" if name == "format" else values[name])
        return "/" + path.lstrip("^").rstrip("$")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def api_routes() -> list[Route]:
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.lstrip("^").startswith(API_PREFIX):
            continue
        callback = pattern.callback
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert view is not None, f"{route}: not a DRF view; the tenant walk cannot check it"
        allowed = [m.lower() for m in view.http_method_names if m not in ("options", "head", "trace")]
        actions = getattr(callback, "actions", None)
        methods = [m for m in (actions or {}) if m in allowed] if actions else [m for m in allowed if hasattr(view, m)]
        names = [m.group("name") for m in _PARAM.finditer(route)] + [m.group("name") for m in
                                                                      _REGEX_PARAM.finditer(route)]
        params = [n for n in names if n != "format"]
        routes.append(Route(route, pattern.name, view, methods, params, "format" in names, callback))
    assert len(routes) > 20, "the resolver walk found too few API routes"
    return routes

