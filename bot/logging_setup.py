"""Logging configuration: text or JSON lines on standard error, with secrets redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

REDACTED = "***"

# Loggers that repeat whole gateway payloads or request bodies at DEBUG; capped at INFO.
_CAPPED_AT_INFO = ("discord.gateway", "discord.webhook", "discord.state")
_CAPPED_AT_WARNING = ("aiosqlite", "sqlalchemy.engine", "alembic.runtime.migration", "discord.http")

_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Webhook and interaction URLs (and paths): /webhooks/ID/TOKEN, /interactions/ID/TOKEN.
    (re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]+"), rf"\1{REDACTED}"),
    # "Authorization: Bot xxx", {'Authorization': 'Bearer xxx'}.
    (
        re.compile(
            r"""(authorization['"]?\s*[:=]\s*['"]?)(?:(?:Bot|Bearer|Basic)\s+)?[^'"\s,}]+""", re.I
        ),
        rf"\1{REDACTED}",
    ),
    # 'token': 'xxx', "token": "xxx", token=xxx (interaction payloads, IDENTIFY, query strings).
    (
        re.compile(
            r"""((?:^|[^A-Za-z_])(?:access_|bot_|interaction_)?token['"]?\s*[:=]\s*['"]?)[^'"\s,}&]+""",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    # Interaction tokens on their own: base64 of "interaction:<id>:...".
    (re.compile(r"aW50ZXJhY3Rpb246[A-Za-z0-9_.\-=]+"), REDACTED),
    # Bot tokens on their own: base64 user id . timestamp . HMAC.
    (re.compile(r"\b[A-Za-z0-9_\-]{23,28}\.[A-Za-z0-9_\-]{6,7}\.[A-Za-z0-9_\-]{27,}"), REDACTED),
)


def redact(text: str) -> str:
    """Replace Discord tokens, webhook tokens and Authorization values in ``text``."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Redact secrets in every record a handler writes, whichever logger made it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, extra fields and traceback without secrets."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the formatter to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        for key, value in list(record.__dict__.items()):
            if key not in _RESERVED and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                data[key] = value if isinstance(value, int | float | str | bool) else str(value)
        if record.exc_text:
            data["exc"] = record.exc_text
        elif record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    """Send logs to standard error in the chosen format, replacing earlier handlers."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in _CAPPED_AT_WARNING:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for noisy in _CAPPED_AT_INFO:
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
