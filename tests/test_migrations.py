"""The Alembic migrations build exactly the schema the models declare."""

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hwc import create_app
from hwc.extensions import db
from tests.conftest import make_test_config


def test_migrations_and_models_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


@pytest.mark.commits
def test_upgrade_from_empty_then_downgrade_and_upgrade_again(tmp_path):
    config = make_test_config(f"sqlite:///{tmp_path}/fresh.sqlite3", tmp_path)
    fresh = create_app(config)
    with fresh.app_context():
        flask_migrate.upgrade()
        assert "users" in db.inspect(db.engine).get_table_names()
        flask_migrate.downgrade(revision="base")
        assert "users" not in db.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        assert "regions" in db.inspect(db.engine).get_table_names()
        db.engine.dispose()
