"""Typed keys under which the web application keeps its services."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment

from bot.web.sources import Clock, FeedLister, HealthSource, MetricsRefresh, StoryReader

STORIES = web.AppKey("stories", StoryReader)
FEEDS = web.AppKey("feeds", FeedLister)
HEALTH = web.AppKey("health", HealthSource)
REFRESH = web.AppKey("refresh", MetricsRefresh)
TEMPLATES = web.AppKey("templates", Environment)
CLOCK = web.AppKey("clock", Clock)
# The configured public base URL (PUBLIC_URL, no trailing slash), or "" to use the request's.
PUBLIC_URL = web.AppKey("public_url", str)
