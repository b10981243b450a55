"""The soak, short: next-hop faults, a SIGKILLed relay, a full disk; every message counted."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

PG_URL = os.environ.get("DLPGATE_TEST_PG_URL", "")
SOAK = Path(__file__).resolve().parents[1] / "bench" / "soak.py"


def load_soak():
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    soak = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = soak  # dataclasses look their module up
    spec.loader.exec_module(soak)
    return soak


def test_a_short_soak_with_faults_loses_and_duplicates_nothing(tmp_path):
    soak = load_soak()

    result = soak.run(n=250, connections=8, kills=1, tries=30, seed=11, workdir=tmp_path,
                      disk_full=1)  # the full disk needs root (a tmpfs); skipped otherwise

    counts = result["counts"]
    assert result["problems"] == []
    for bad in ("lost", "duplicated", "both", "refused_but_kept", "unanswered"):
        assert counts.get(bad, 0) == 0, bad
    assert counts.get("retries", 0) > 0  # the faults really happened and were retried
    # the kill landed while the next hop owed its 250: the retry was held, not sent again
    assert counts.get("held_for_a_check", 0) >= 1
    assert counts.get("reject:550", 0) > 0 and counts.get("hold:250", 0) > 0


@pytest.mark.skipif(not PG_URL, reason="DLPGATE_TEST_PG_URL is not set (./scripts/dev test sets "
                    "it to the local PostgreSQL)")
def test_a_postgresql_store_going_away_mid_soak_loses_and_duplicates_nothing(tmp_path):
    """The database refuses connections and cuts open ones for 3 s, and the relay is killed."""
    soak = load_soak()

    result = soak.run(n=200, connections=8, kills=1, tries=40, seed=5, workdir=tmp_path,
                      pg_url=PG_URL, store_outages=1)

    counts = result["counts"]
    assert result["problems"] == [] and result["store_outages"] == 1
    for bad in ("lost", "duplicated", "both", "refused_but_kept", "unanswered"):
        assert counts.get(bad, 0) == 0, bad
    assert counts.get("retries", 0) > 0 and counts.get("hold:250", 0) > 0
