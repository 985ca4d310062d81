"""Domain errors: every error the core raises on purpose derives from DisputewatchError."""

from __future__ import annotations


class DisputewatchError(Exception):
    """Base of every error raised on purpose by disputewatch."""


class ConfigError(DisputewatchError):
    """A setting is missing or invalid; the message names the variable."""


class FeedError(DisputewatchError):
    """A feed could not be fetched; ``kind`` is a short machine-readable category."""

    def __init__(self, message: str, *, kind: str = "error", retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class UnsafeURLError(FeedError):
    """A URL points somewhere we refuse to fetch (scheme, private address, ...)."""

    def __init__(self, message: str):
        super().__init__(message, kind="unsafe_url")


class ParseError(DisputewatchError):
    """A body could not be parsed as a feed."""


class StorageError(DisputewatchError):
    """The database refused an operation or is not reachable."""


class UserError(DisputewatchError):
    """Bad input from a user; the message is safe to show them as is."""
