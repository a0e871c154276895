"""Test support: factories, live-stream helpers, private services and servers (one home)."""
