"""Alerts: routing stories to destinations, rendering them, and delivering them via the outbox."""
