"""The built-in web server: health, metrics, JSON API, Atom feed and a dashboard."""

from __future__ import annotations

from bot.web.server import WebServer, build_app

__all__ = ["WebServer", "build_app"]
