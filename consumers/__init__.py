"""WebSocket consumers of the live layer (CONTRACT §3); routes are in routing/urls.py."""
