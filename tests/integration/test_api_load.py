"""20 API clients posting results at once to gunicorn's 4 workers for 15 s: nothing lost, nothing doubled, no 5xx."""
from __future__ import annotations

import pytest

from bench.load_api import PROJECT_ROOT, run_load

DURATION_S = 15

pytestmark = pytest.mark.skipif(not (PROJECT_ROOT / ".venv" / "bin" / "gunicorn").exists(),
                                reason="gunicorn is not installed in .venv")


def test_concurrent_posts_lose_nothing_double_nothing_and_never_fail(scratch_database):
    figures = run_load(scratch_database("api"), duration=DURATION_S, clients=20, workers=4)
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
