"""The models and the migrations describe the same schema, on both stores."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dialgate.adapters.db.tables import Base


def test_models_and_migrations_agree(container):
    with container.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
