"""Persistence: SQLAlchemy models, migrations and repositories."""
