"""Feeds: fetch safely, parse into FeedItem, import/export OPML, schedule polls."""

from __future__ import annotations
