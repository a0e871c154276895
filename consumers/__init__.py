"""WebSocket consumers of the live layer (CONTRACT §3); routes are in consumers/urls.py."""
