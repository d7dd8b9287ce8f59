"""20 API clients posting results at once to gunicorn's 4 workers for 15 s: nothing lost, nothing doubled, no 5xx."""
from __future__ import annotations

import os

import pytest

from bench.load_api import PROJECT_ROOT, drop_postgres_database, fresh_postgres_database, run_load

DURATION_S = 15

pytestmark = pytest.mark.skipif(not (PROJECT_ROOT / ".venv" / "bin" / "gunicorn").exists(),
                                reason="gunicorn is not installed in .venv")


@pytest.fixture
def load_database(tmp_path):
    """A fresh database of the suite's kind: a SQLite file, or `outfall_load_<pid>` on TEST_DATABASE_URL's server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'load.db'}"
        return
    server = url.split("?", 1)[0].rsplit("/", 1)[0]  # the same server, without the suite's database
    name = f"outfall_load_{os.getpid()}"
    yield fresh_postgres_database(name, server)
    drop_postgres_database(name, server)


def test_concurrent_posts_lose_nothing_double_nothing_and_never_fail(load_database):
    figures = run_load(load_database, duration=DURATION_S, clients=20, workers=4)
    print(figures)  # the throughput, shown with -s or on failure
    assert figures["requests"] > 20, figures
    assert figures["statuses"] == {"201": figures["requests"]}, figures
    assert figures["server_errors"] == 0 and figures["client_errors"] == [], figures
    assert figures["lost"] == 0, figures
    assert figures["duplicated"] == 0, figures
    assert figures["locked_in_log"] == 0 and figures["tracebacks_in_log"] == 0, figures
    # The re-posts really happened and were answered as "unchanged", not stored a second time.
    assert figures["reposts"] > 0 and figures["unchanged"] == 2 * figures["reposts"], figures
    assert figures["stored"] == figures["new_rows"], figures
