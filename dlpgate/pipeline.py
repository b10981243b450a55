"""The one path every message takes: parse -> detect -> decide.

Shared by the relay (in worker processes) and `dlpgate scan`, so what a test or
an operator sees from `scan` is what the relay would do. Any exception escaping
here is a failed scan, which the relay turns into 451 (or the configured
fail-open path); it never becomes a verdict.

Costly evidence is fetched lazily. Cheap detectors run first and `decide` gives
a verdict; then `decide` is asked again as if every costly detector had found
as much as it possibly could. If both answers agree and the message is going
out (allow or log), the costly detectors cannot change the verdict and are
skipped. Anything held or rejected gets the full evidence, for its reviewer.
This relies on the rules being monotone (more findings never relax a verdict),
which the built-in rules are.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from typing import Any

from dlpgate import detect as detect_stage
from dlpgate.config import Settings
from dlpgate.detect import profile
from dlpgate.detect.registry import Context, build
from dlpgate.model import Envelope, Evidence, Finding, ScanResult, Verdict
from dlpgate.parse.mime import parse
from dlpgate.policy.decide import decide

# How much a costly detector is imagined to find when asking whether it could matter:
# more than any count a rule compares with (the built-in rules' largest is 10).
_HYPOTHETICAL = 50


def new_scan_id() -> str:
    """Sortable by time, unique across nodes: 11 hex digits of ms, 10 random."""
    return f"{int(time.time() * 1000):011x}{secrets.token_hex(5)}"


def _most_possible(entities: tuple[str, ...]) -> tuple[Finding, ...]:
    return tuple(
        Finding(entity, "body", 0, 0, 1.0, f"hypothetical {entity} {i}", "", "what-if")
        for entity in entities for i in range(_HYPOTHETICAL)
    )


class Scanner:
    def __init__(self, settings: Settings, store: Any = None) -> None:
        """`store`: correspondence history to consult (None: recipients by domain only)."""
        self.settings = settings
        content, self.recipients = build(settings)
        self.cheap = [d for d in content if not getattr(d, "costly", False)]
        self.costly = [d for d in content if getattr(d, "costly", False)]
        self.ctx = Context(settings=settings, store=store)
        self.lazy = settings.detection.lazy
        self._key: bytes | None = None

    def _could_change(self, evidence: Evidence, verdict: Verdict) -> bool:
        provides = tuple(e for d in self.costly for e in getattr(d, "provides", ()))
        worst = decide(Evidence(evidence.findings + _most_possible(provides),
                                evidence.recipients))
        return worst.verdict != verdict

    def warm(self) -> None:
        """Load what the costly detectors need now, not on the first message."""
        for d in self.costly:
            getattr(d, "nlp", None)

    def scan(self, raw: bytes, envelope: Envelope | None = None, scan_id: str = "") -> ScanResult:
        t0 = time.perf_counter()
        message = parse(raw, envelope, self.settings.scan.limits)
        t1 = time.perf_counter()
        fingerprint = self._fingerprint(message)
        ctx = dataclasses.replace(self.ctx, fingerprint=fingerprint)
        evidence = detect_stage.detect(message, self.cheap, self.recipients, ctx)
        t2 = time.perf_counter()
        decision = decide(evidence)
        timings = {"parse": t1 - t0, "detect": t2 - t1}
        if self.costly:
            if (not self.lazy or decision.verdict in (Verdict.HOLD, Verdict.REJECT)
                    or self._could_change(evidence, decision.verdict)):
                t3 = time.perf_counter()
                extra = [f for d in self.costly for f in d.detect(message, ctx)]
                notes = tuple(n for d in self.costly for n in getattr(d, "notes", ()))
                evidence = Evidence(evidence.findings + tuple(extra), evidence.recipients,
                                    evidence.notes + notes)
                timings["ner"] = time.perf_counter() - t3
                decision = decide(evidence)
            else:
                evidence = Evidence(evidence.findings, evidence.recipients, evidence.notes + (
                    "NER skipped: it could not change the verdict",))
        timings["decide"] = time.perf_counter() - t2 - timings.get("ner", 0.0)
        return ScanResult(
            scan_id=scan_id or new_scan_id(),
            message=message,
            evidence=evidence,
            decision=decision,
            timings_ms={k: round(v * 1000, 3) for k, v in timings.items()},
            fingerprint=fingerprint,
        )

    def _fingerprint(self, message) -> tuple[int, ...]:
        store = self.ctx.store
        if store is None:
            return ()
        if self._key is None:
            self._key = store.profile_key()
        return profile.fingerprint(message, self._key)
