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
This relies on the policy being monotone (more findings never relax its
action); for a policy that is not (`PolicySet.monotone`), NER always runs.
"""

from __future__ import annotations

import dataclasses
import functools
import secrets
import time
from typing import Any

from dlpgate import detect as detect_stage
from dlpgate.config import Settings
from dlpgate.detect import autoreply, echo, filenames, profile
from dlpgate.detect.pii import identifies
from dlpgate.detect.problems import ProblemDetector
from dlpgate.detect.registry import Context, build
from dlpgate.model import (
    SCAN_FAILED,
    Action,
    Envelope,
    Evidence,
    Finding,
    Message,
    ScanResult,
    Verdict,
)
from dlpgate.parse.mime import parse
from dlpgate.parse.unread import unread_message
from dlpgate.policy.decide import decide
from dlpgate.policy.rules import PolicySet

# Where a costly detector is imagined to find things when asking whether it could matter.
_WHAT_IF_PARTS = ("subject", "body", "attachment")


def new_scan_id() -> str:
    """Sortable by time, unique across nodes: 11 hex digits of ms, 10 random."""
    return f"{int(time.time() * 1000):011x}{secrets.token_hex(5)}"


@functools.lru_cache(maxsize=16)  # the same few (entities, count) for every message
def _most_possible(entities: tuple[str, ...], count: int) -> tuple[Finding, ...]:
    """More distinct findings of each kind, in each part, than any rule asks for."""
    return tuple(
        Finding(entity, part, 0, 0, 1.0, f"hypothetical {entity} {i}", "", "what-if")
        for entity in entities for part in _WHAT_IF_PARTS for i in range(count + 1)
    )


class Scanner:
    def __init__(self, settings: Settings, store: Any = None,
                 policy: PolicySet | None = None) -> None:
        """`store`: correspondence history to consult (None: recipients by domain only).

        `policy`: the rules to apply (None: load the configured or shipped files).
        """
        self.settings = settings
        if policy is None:
            from dlpgate.policy.load import load_policy

            policy = load_policy(settings)
        self.policy = policy
        content, self.recipients = build(settings)
        self.cheap = [d for d in content if not getattr(d, "costly", False)]
        self.costly = [d for d in content if getattr(d, "costly", False)]
        self.ctx = Context(settings=settings, store=store)
        self.lazy = settings.detection.lazy
        self._key: bytes | None = None

    def _could_change(self, evidence: Evidence, message: Message, action: Action) -> bool:
        if not self.policy.monotone:
            return True
        provides = tuple(e for d in self.costly for e in getattr(d, "provides", ()))
        worst = decide(Evidence(evidence.findings + _most_possible(
            provides, self.policy.largest_count), evidence.recipients), message, self.policy)
        return worst.chosen != action

    def warm(self) -> None:
        """Load what the costly detectors need now, not on the first message."""
        for d in self.costly:
            getattr(d, "nlp", None)

    def scan_with_store(self, raw: bytes, envelope: Envelope | None, store: Any) -> ScanResult:
        """Scan against another store's history (policy examples bring their own)."""
        saved = self.ctx, self._key
        self.ctx, self._key = dataclasses.replace(self.ctx, store=store), None
        try:
            return self.scan(raw, envelope)
        finally:
            self.ctx, self._key = saved

    def scan(self, raw: bytes, envelope: Envelope | None = None, scan_id: str = "") -> ScanResult:
        t0 = time.perf_counter()
        message = parse(raw, envelope, self.settings.scan.limits, self.settings.scan.ocr)
        t1 = time.perf_counter()
        findings = detect_stage.find(message, self.cheap, self.ctx)
        fingerprint = self._fingerprint(message, findings)
        # the people an out-of-office tells every stranger a case of ("for Kayden's care
        # proceedings"): named, for the policy, and no answer to whoever wrote in
        told = autoreply.case_names(message, findings)
        findings += told
        ctx = dataclasses.replace(self.ctx, fingerprint=fingerprint,
                                  identified=identifies(findings) or bool(told))
        # a file named after its person is shown masked wherever its name is quoted
        evidence = filenames.shown(message, Evidence(
            tuple(findings), tuple(detect_stage.assess(message, self.recipients, ctx)),
            message.notes))
        # what the one this answers wrote, quoted back to them alone, discloses nothing
        answered = echo.quoted_from(message, evidence.recipients)
        evidence = echo.without_echo(evidence, message, answered)
        t2 = time.perf_counter()
        decision = decide(evidence, message, self.policy)
        timings = {"parse": t1 - t0, "detect": t2 - t1}
        if self.costly:
            if (not self.lazy or decision.verdict in (Verdict.HOLD, Verdict.REJECT)
                    or self._could_change(evidence, message, decision.chosen)):
                t3 = time.perf_counter()
                extra = [f for d in self.costly for f in d.detect(message, ctx)]
                notes = tuple(n for d in self.costly for n in getattr(d, "notes", ()))
                evidence = echo.without_echo(filenames.shown(message, Evidence(
                    evidence.findings + tuple(extra), evidence.recipients,
                    evidence.notes + notes)), message, answered)  # NER's names in file names
                timings["ner"] = time.perf_counter() - t3
                decision = decide(evidence, message, self.policy)
            else:
                evidence = dataclasses.replace(evidence, notes=evidence.notes + (
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

    def unread(self, raw: bytes, envelope: Envelope | None, scan_id: str,
               reason: str) -> ScanResult:
        """Decide on a message without reading it: its scan failed too often to try again.

        The evidence is what parse and detect give a message they could not read: one
        UNSCANNABLE finding saying `reason` (no content), found as `detect.problems` finds
        any problem, and the recipients assessed from the envelope, headers and history, as
        usual. No content detector runs and no part is read (`parse.unread`), so whatever
        crashed or stalled the scan is not reached; `decide` alone picks the verdict.
        """
        t0 = time.perf_counter()
        message = unread_message(raw, envelope, reason)
        findings = tuple(dataclasses.replace(f, detector=SCAN_FAILED)
                         for f in ProblemDetector().detect(message, self.ctx))
        evidence = Evidence(findings, tuple(detect_stage.assess(message, self.recipients,
                                                                self.ctx)), message.notes)
        t1 = time.perf_counter()
        decision = decide(evidence, message, self.policy)
        return ScanResult(
            scan_id=scan_id or new_scan_id(),
            message=message,
            evidence=evidence,
            decision=decision,
            timings_ms={"detect": round((t1 - t0) * 1000, 3),
                        "decide": round((time.perf_counter() - t1) * 1000, 3)},
            fingerprint=(),  # no words were read: nothing to learn a content profile from
        )

    def _fingerprint(self, message: Message, findings: list[Finding]) -> tuple[int, ...]:
        store = self.ctx.store
        if store is None:
            return ()
        if self._key is None:
            self._key = store.profile_key()
        return profile.fingerprint(message, self._key, findings)
