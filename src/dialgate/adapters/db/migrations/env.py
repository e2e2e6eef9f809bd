"""Alembic environment: the engine comes from dialgate (config.attributes), never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from dialgate.adapters.db.tables import Base

engine: Engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
