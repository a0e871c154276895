"""Benches: scripts that print figures (see README.md). bench/kit holds what they share."""
