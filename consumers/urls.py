"""WebSocket routes (CONTRACT §3).

Ids are matched loosely (anything but a slash) so a malformed id reaches the consumer and is
refused with 4404 like an unknown one; any other path also gets 4404 rather than a failed
handshake. The trailing slash is optional.
"""
from django.urls import re_path

from consumers.base import StreamConsumer
from routing.streams import CLUB, STAFF, TOURNAMENT, USER

_consumer = StreamConsumer.as_asgi()

websocket_urlpatterns: list = [
    re_path(r"^ws/clubs/(?P<id>[^/]+)/?$", _consumer, {"kind": CLUB}),
    re_path(r"^ws/clubs/(?P<id>[^/]+)/staff/?$", _consumer, {"kind": STAFF}),
    re_path(r"^ws/tournaments/(?P<id>[^/]+)/?$", _consumer, {"kind": TOURNAMENT}),
    re_path(r"^ws/me/?$", _consumer, {"kind": USER}),
    re_path(r"", _consumer, {"kind": None}),  # no such stream: 4404
]
