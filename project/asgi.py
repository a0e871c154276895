"""ASGI entry point (CONTRACT §5): HTTP and WebSocket on one port."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

from project.handler import get_asgi_application  # noqa: E402  (Django's, with a sync middleware chain)

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from consumers.urls import websocket_urlpatterns  # noqa: E402
from project.concurrency import ConcurrencyLimit  # noqa: E402
from project.sentry import SentryWebsocketMiddleware  # noqa: E402

application = ProtocolTypeRouter({
    # Bounded: each request in Django holds a thread and a database connection (project/concurrency.py).
    "http": ConcurrencyLimit(django_asgi_app, settings.HTTP_CONCURRENCY),
    "websocket": SentryWebsocketMiddleware(AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns))),
})
