"""Persistence: user mappings and the call audit trail (SQLAlchemy 2, Alembic)."""
