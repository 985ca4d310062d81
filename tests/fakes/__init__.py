"""Local fakes of external services used by the tests (no network beyond 127.0.0.1)."""
