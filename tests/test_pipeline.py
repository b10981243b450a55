"""The one path: lazy NER runs only where it could matter, and never changes a verdict."""

from __future__ import annotations

import random

from dlpgate import testcorpus
from dlpgate.config import Settings
from dlpgate.pipeline import Scanner
from dlpgate.testing import make_envelope, make_message

ORG = {"internal_domains": ["example-council.gov.uk"], "partner_domains": ["nhs.net"]}
RECIPIENTS = [("bob@example-council.gov.uk",), ("gp.surgery@nhs.net",), ("someone@gmail.com",),
              ("bob@example-council.gov.uk", "carer@example.org")]


def council_mix(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for m in testcorpus.generate(n, seed):
        out.append(make_message(sender=f"{m.sender_name} <{m.sender}>",
                                to=rng.choice(RECIPIENTS), subject=m.subject, body=m.body))
    return out


def test_lazy_evidence_never_changes_a_verdict():
    lazy = Scanner(Settings.model_validate({"organisation": ORG}))
    full = Scanner(Settings.model_validate({"organisation": ORG, "detection": {"lazy": False}}))
    skipped = 0
    for raw in council_mix(150, seed=11):
        a, b = lazy.scan(raw, make_envelope(raw)), full.scan(raw, make_envelope(raw))
        assert a.decision.chosen == b.decision.chosen, a.decision.reasons
        skipped += "ner" not in a.timings_ms
    assert 0 < skipped < 150  # both paths were exercised


def test_internal_mail_skips_ner_and_says_so():
    scanner = Scanner(Settings.model_validate({"organisation": ORG}))
    raw = make_message(body="I met Callum Reid, who has asthma.")
    result = scanner.scan(raw, make_envelope(raw))
    assert "ner" not in result.timings_ms
    assert result.evidence.notes == ("NER skipped: it could not change the verdict",)


def test_mail_that_is_held_gets_the_full_evidence_for_its_reviewer():
    scanner = Scanner(Settings.model_validate({"organisation": ORG}))
    raw = make_message(to=("someone@gmail.com",), body=(
        "Callum Reid, NHS number 943 476 5919, has a child protection plan.\n"))
    result = scanner.scan(raw, make_envelope(raw))
    assert result.decision.verdict == "hold"
    assert "ner" in result.timings_ms
    assert "Callum Reid" in {f.text for f in result.evidence.findings if f.entity == "PERSON"}


def test_with_ner_off_only_patterns_run():
    scanner = Scanner(Settings.model_validate({"organisation": ORG, "detection": {"ner": False}}))
    raw = make_message(to=("someone@gmail.com",), body="Callum Reid has asthma.")
    result = scanner.scan(raw, make_envelope(raw))
    assert scanner.costly == [] and "ner" not in result.timings_ms


def test_a_policy_that_tests_for_absent_findings_always_gets_ner(tmp_path):
    from dlpgate.policy.load import load_files

    path = tmp_path / "p.yaml"
    path.write_text("rules:\n  - {id: no-names, title: t, action: log, explain: x,\n"
                    "     when: {not: {findings: {entity: PERSON}}}}\n")
    settings = Settings.model_validate({"organisation": ORG})
    policy = load_files([path], settings)
    assert not policy.monotone
    result = Scanner(settings, None, policy).scan(raw := make_message(), make_envelope(raw))
    assert "ner" in result.timings_ms


def test_a_policy_set_given_to_a_running_scanner_decides_whether_ner_runs(tmp_path):
    # what a set says of itself (monotone, the most findings a rule asks for) is worked out
    # once a set: a worker given the reloaded set (SIGHUP) must not answer by the old one
    from dlpgate.policy.load import load_files, load_policy

    path = tmp_path / "p.yaml"
    path.write_text("rules:\n  - {id: no-names, title: t, action: log, explain: x,\n"
                    "     when: {not: {findings: {entity: PERSON}}}}\n")
    settings = Settings.model_validate({"organisation": ORG})
    scanner = Scanner(settings, None, load_policy(settings))
    raw = make_message()
    assert "ner" not in scanner.scan(raw, make_envelope(raw)).timings_ms
    scanner.policy = load_files([path], settings)
    assert "ner" in scanner.scan(raw, make_envelope(raw)).timings_ms
    scanner.policy = load_policy(settings)
    assert "ner" not in scanner.scan(raw, make_envelope(raw)).timings_ms


def test_an_nhs_number_that_has_gone_only_to_one_contact_marks_the_other_sarah(tmp_path):
    import time

    from dlpgate.history import Pair
    from dlpgate.store.sqlite import SQLiteStore

    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    sender = "key.worker@example-council.gov.uk"
    settings = Settings.model_validate({"organisation": {
        "internal_domains": ["example-council.gov.uk"]}, "detection": {"ner": False}})
    scanner = Scanner(settings, store=store)
    now = time.time()
    store.learn([Pair(sender, "sarah.khan@nhs.net", now, 12),
                 Pair(sender, "sarah.jones@fosterline.org.uk", now, 5)])

    def scan(to: str, body: str, subject: str = "Friday"):
        raw = make_message(sender=sender, to=(to,), subject=subject, body=body)
        return scanner.scan(raw, make_envelope(raw))

    before = scan("sarah.khan@nhs.net", "Please see below. NHS 943 476 5919.\n", "Visit")
    store.learn_profiles([(sender, "sarah.khan@nhs.net", before.fingerprint)])  # as the relay
    wrong = scan("sarah.jones@fosterline.org.uk", "Please see below. NHS 9434765919.\n")
    [risk] = wrong.evidence.recipients
    assert "content-fits-another" in [s.name for s in risk.signals]
    other = scan("sarah.jones@fosterline.org.uk", "Please see below. NHS 401 023 2137.\n")
    [risk] = other.evidence.recipients
    assert "content-fits-another" not in [s.name for s in risk.signals]
    store.close()
