# disputewatch: one process runs the poller, the alert worker, the Discord bot and the web page.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 disputewatch \
    && useradd --system --uid 10001 --gid disputewatch --home-dir /app --shell /usr/sbin/nologin disputewatch

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install ".[postgres]"

RUN mkdir -p /data && chown disputewatch:disputewatch /data
VOLUME /data
# Run from the volume, so a relative DATABASE_URL (as in .env.example) is written there too.
WORKDIR /data

ENV DATABASE_URL=sqlite+aiosqlite:////data/disputewatch.db \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080

USER disputewatch
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEB_PORT', '8080'), timeout=4).status == 200 else 1)"]

STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
