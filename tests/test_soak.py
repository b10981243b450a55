"""The soak, short: next-hop faults, a SIGKILLed relay, a full disk; every message counted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[1] / "bench" / "soak.py"


def test_a_short_soak_with_faults_loses_and_duplicates_nothing(tmp_path):
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    soak = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = soak  # dataclasses look their module up
    spec.loader.exec_module(soak)

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
