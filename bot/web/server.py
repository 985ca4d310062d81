"""The aiohttp web server: health, metrics, JSON API, Atom feed and dashboard pages."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bot import metrics
from bot.errors import StorageError, UserError
from bot.web import api, atom, keys, pages
from bot.web.sources import Clock, FeedLister, HealthSource, MetricsRefresh, StoryReader

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
HEALTH_TIMEOUT = 5.0

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or request.path in {"/feed.atom", "/healthz"}


def _error(request: web.Request, status: int, message: str) -> web.Response:
    if _wants_json(request):
        return web.json_response({"error": message}, status=status)
    return pages.render(request, "error.html", status=status, status_code=status, message=message)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn bad input into 400, an unreachable database into 503, and errors into JSON/HTML."""
    try:
        return await handler(request)
    except UserError as exc:
        return _error(request, 400, str(exc))
    except StorageError as exc:
        log.warning("web request %s failed: %s", request.path, exc)
        return _error(request, 503, "the database is not available; try again shortly")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.reason
        if exc.status == 404 and message == "Not Found":
            message = f"nothing at {request.path}"
        response = _error(request, exc.status, message)
        for name in ("Allow", "Retry-After"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: 200 when every part answers, 503 naming the failing parts otherwise."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            checks = await request.app[keys.HEALTH]()
    except TimeoutError:
        checks = {"health": {"ok": False, "detail": f"no answer within {HEALTH_TIMEOUT:g}s"}}
    except Exception as exc:
        log.exception("health check failed")
        checks = {"health": {"ok": False, "detail": f"health check raised {type(exc).__name__}"}}
    failing = sorted(name for name, check in checks.items() if not check.get("ok"))
    body: dict[str, Any] = {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": checks,
    }
    return web.json_response(body, status=503 if failing else 200)


async def metrics_endpoint(request: web.Request) -> web.Response:
    """GET /metrics: the Prometheus text format."""
    await request.app[keys.REFRESH]()
    return web.Response(
        body=metrics.render_metrics(), headers={"Content-Type": metrics.CONTENT_TYPE}
    )


async def _no_refresh() -> None:
    return None


def build_app(
    *,
    stories: StoryReader,
    feeds: FeedLister,
    health: HealthSource,
    refresh_metrics: MetricsRefresh | None = None,
    clock: Clock = _utcnow,
    with_pages: bool = True,
    public_url: str = "",
) -> web.Application:
    """Build the aiohttp application around the services it reads.

    Without ``with_pages`` (a poller or Discord process) it serves only /healthz and /metrics.
    """
    app = web.Application(middlewares=[errors_middleware], client_max_size=64 * 1024)
    app[keys.STORIES] = stories
    app[keys.FEEDS] = feeds
    app[keys.HEALTH] = health
    app[keys.REFRESH] = refresh_metrics or _no_refresh
    app[keys.TEMPLATES] = pages.template_env()
    app[keys.CLOCK] = clock
    app[keys.PUBLIC_URL] = public_url.rstrip("/")
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    if not with_pages:
        return app
    app.router.add_get("/feed.atom", atom.atom_feed)
    api.add_routes(app)
    pages.add_routes(app)
    app.router.add_static("/static", STATIC, append_version=False)
    return app


class WebServer:
    """Serve the web application on host:port inside the bot's event loop; port 0 disables it."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        stories: StoryReader,
        feeds: FeedLister,
        health: HealthSource,
        refresh_metrics: MetricsRefresh | None = None,
        clock: Clock = _utcnow,
        with_pages: bool = True,
        public_url: str = "",
    ) -> None:
        self.host = host
        self.port = port
        self.app = build_app(
            stories=stories,
            feeds=feeds,
            health=health,
            refresh_metrics=refresh_metrics,
            clock=clock,
            with_pages=with_pages,
            public_url=public_url,
        )
        self._runner: web.AppRunner | None = None

    @property
    def enabled(self) -> bool:
        """Say whether the server is configured to listen (WEB_PORT is not 0)."""
        return self.port != 0

    @property
    def url(self) -> str:
        """Return the base URL of the server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Listen on host:port; do nothing when disabled or already started."""
        if not self.enabled or self._runner is not None:
            if not self.enabled:
                log.info("web server disabled (WEB_PORT=0)")
            return
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=5.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("web server listening on %s", self.url)

    async def stop(self) -> None:
        """Stop listening and finish the requests in flight."""
        if self._runner is None:
            return
        runner, self._runner = self._runner, None
        await runner.cleanup()
        log.info("web server stopped")
