"""WebSocket routes (CONTRACT §3). Consumers live in consumers/."""
websocket_urlpatterns: list = []
