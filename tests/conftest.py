"""Shared fixtures: one app per run with its schema built by the migrations, a clean database per test.

The suite runs on a SQLite file by default and on PostgreSQL when TEST_DATABASE_URL is set; on
PostgreSQL every run gets a fresh schema of its own, dropped at the end.
"""
from __future__ import annotations

import os
import secrets

import pytest

TEST_PASSWORD = "correct horse battery"


def _database_url(tmp_root) -> tuple[str, dict, str | None]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'outfall-test.db'}", {}, None
    schema = f"outfall_test_{secrets.token_hex(4)}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return url, {"connect_args": {"options": f"-csearch_path={schema}"}}, schema


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from app import create_app

    tmp_root = tmp_path_factory.mktemp("outfall")
    os.environ["OUTFALL_INSTANCE_PATH"] = str(tmp_root / "instance")
    url, engine_options, schema = _database_url(tmp_root)
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-" + secrets.token_hex(16),
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options},
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "OUTFALL_DB_SCHEMA": schema,
    })
    with application.app_context():
        upgrade()

    @application.teardown_request
    def _forget_signed_in_user(_error):
        # The db fixture keeps one app context open for the whole test, and Flask then shares `g`
        # between the test's requests; Flask-Login caches the user in `g`, so without this every
        # test client would look signed in as whoever signed in last. Production has a fresh `g`
        # per request and does not need it.
        from flask import g
        g.pop("_login_user", None)

    yield application
    if schema:
        from sqlalchemy import text

        from app.extensions import db as database
        with application.app_context():
            database.session.remove()
            database.engine.dispose()
            with database.engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            database.engine.dispose()


def _wipe(database) -> None:
    from sqlalchemy import text

    tables = [t.name for t in reversed(database.metadata.sorted_tables)]
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def db(app):
    """The database, emptied before the test, inside an app context."""
    from app.extensions import db as database

    with app.app_context():
        _wipe(database)
        yield database
        database.session.rollback()
        database.session.remove()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def make_user(db):
    from tests.factories import create_test_user

    def make(role: str = "manager", email: str | None = None, password: str = TEST_PASSWORD, **kwargs):
        return create_test_user(db.session, role=role, email=email, password=password, **kwargs)

    return make


@pytest.fixture
def login_as(client, make_user):
    """login_as("labtech") signs the test client in as a new user of that role and returns the user."""

    def login(role: str, email: str | None = None):
        user = make_user(role, email=email)
        response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login
