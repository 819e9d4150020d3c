"""Workspace persistence: the SQLite database (schema, migrations)."""
