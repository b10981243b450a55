"""The one path every message takes: parse -> detect -> decide.

Shared by the relay (in worker processes) and `dlpgate scan`, so what a test or
an operator sees from `scan` is what the relay would do. Any exception escaping
here is a failed scan, which the relay turns into 451 (or the configured
fail-open path); it never becomes a verdict.
"""

from __future__ import annotations

import secrets
import time

from dlpgate import detect as detect_stage
from dlpgate.config import Settings
from dlpgate.detect.registry import Context, build
from dlpgate.model import Envelope, ScanResult
from dlpgate.parse.mime import parse
from dlpgate.policy.decide import decide


def new_scan_id() -> str:
    """Sortable by time, unique across nodes: 11 hex digits of ms, 10 random."""
    return f"{int(time.time() * 1000):011x}{secrets.token_hex(5)}"


class Scanner:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.content, self.recipients = build(settings)
        self.ctx = Context(settings=settings)

    def scan(self, raw: bytes, envelope: Envelope | None = None, scan_id: str = "") -> ScanResult:
        t0 = time.perf_counter()
        message = parse(raw, envelope, self.settings.scan.limits)
        t1 = time.perf_counter()
        evidence = detect_stage.detect(message, self.content, self.recipients, self.ctx)
        t2 = time.perf_counter()
        decision = decide(evidence)
        t3 = time.perf_counter()
        return ScanResult(
            scan_id=scan_id or new_scan_id(),
            message=message,
            evidence=evidence,
            decision=decision,
            timings_ms={
                "parse": round((t1 - t0) * 1000, 3),
                "detect": round((t2 - t1) * 1000, 3),
                "decide": round((t3 - t2) * 1000, 3),
            },
        )
