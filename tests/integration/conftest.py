"""Fixtures of the integration tests that run the app in processes of their own (gunicorn, flask)."""
from __future__ import annotations

import os

import pytest

from bench.load_api import drop_postgres_database, fresh_postgres_database


@pytest.fixture
def scratch_database(tmp_path):
    """make(label) -> the URL of a fresh database of the suite's kind, for processes outside the test's app:
    a SQLite file, or `outfall_load_<label>_<pid>` on TEST_DATABASE_URL's server, dropped afterwards (the
    load helpers re-create and drop only databases named outfall_load*)."""
    made: list[tuple[str, str]] = []

    def make(label: str) -> str:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            return f"sqlite:///{tmp_path / f'{label}.db'}"
        server = url.split("?", 1)[0].rsplit("/", 1)[0]  # the same server, without the suite's database
        name = f"outfall_load_{label}_{os.getpid()}"
        made.append((name, server))
        return fresh_postgres_database(name, server)

    yield make
    for name, server in made:
        drop_postgres_database(name, server)
