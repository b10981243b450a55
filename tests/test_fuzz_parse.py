"""Coverage-guided fuzzing in the suite: atheris on the parser and the extractors, bounded.

Each target runs for FUZZ_SECONDS; a crash (any exception out of `parse`), a hang
past 30 s on one input (instrumented code is several times slower) or memory past
2 GB stops libFuzzer with a non-zero exit and leaves the input in the test's
directory as crash-*, timeout-* or oom-*.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris", reason="atheris has no wheel for this platform; hypothesis "
                    "covers the parser (tests/parse)")

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fuzz_parse.py"
FUZZ_SECONDS = int(os.environ.get("DLPGATE_FUZZ_SECONDS", "45"))


@pytest.mark.timeout(FUZZ_SECONDS * 4 + 120)
@pytest.mark.parametrize("target", ["mime", "attachment"])
def test_fuzzing_finds_no_crash_hang_or_blow_up(target, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--target", target, f"-max_total_time={FUZZ_SECONDS}",
         "-timeout=30", "-rss_limit_mb=2048", f"-artifact_prefix={tmp_path}/", str(corpus)],
        cwd=tmp_path, capture_output=True, text=True, errors="replace",
        timeout=FUZZ_SECONDS * 4 + 60,
    )
    found = sorted(p.name for p in tmp_path.iterdir()
                   if p.name.startswith(("crash-", "timeout-", "oom-", "leak-")))
    assert run.returncode == 0 and not found, f"{found}\n{run.stderr[-3000:]}"
    assert "Done" in run.stderr  # it really ran inputs
