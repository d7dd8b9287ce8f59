"""search_keys: the extra words each compound token adds, the same however often a token recurs."""
from __future__ import annotations

from app.services.search_entries import KEYS_MAX, search_keys


def test_a_compound_code_adds_its_runs_pieces_and_the_runs_run_together():
    # And every tail of two or more runs or pieces run together (migration 0014_search_code_tails).
    assert search_keys("L2510-0147") == "L2510 0147 L25100147 L 2510 0147 25100147"
    assert search_keys("PH011-20261129-11") == ("PH011 20261129 11 PH0112026112911 2026112911 PH 011 20261129 11 "
                                                "0112026112911")
    assert search_keys("Sample C-3 — outfall 001") == "C 3 C3"


def test_a_recurring_token_adds_its_keys_once_and_the_same_each_time():
    text = "COC-20261205-001 by lab@example.com COC-20261205-001"
    expected = "COC 20261205 001 COC20261205001 20261205001 lab example com labexamplecom examplecom"
    assert search_keys(text) == search_keys(text) == expected


def test_the_keys_stop_at_their_bound():
    # Four keys a token (runs, run together, pieces, the pieces' tail): the token that reaches KEYS_MAX keys
    # is the last one read.
    keys = search_keys(" ".join(f"A{n}-{n}" for n in range(KEYS_MAX))).split(" ")
    assert keys[:4] == ["A0", "0", "A00", "A"]
    assert "A749749" in keys and "A750750" not in keys
