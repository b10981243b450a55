"""decide: the strictest matching rule wins, and every match says why."""

from __future__ import annotations

from dlpgate.model import Evidence, Finding, RecipientRisk, Signal, Verdict
from dlpgate.policy.decide import decide


def finding(entity: str, part: str = "a.zip") -> Finding:
    return Finding(entity, part, 0, 0, 1.0, "", f"{part}: cannot be read", "problems")


def recipient(address: str, signal: str) -> RecipientRisk:
    return RecipientRisk(address, 0.3, (Signal(signal, "why"),))


def test_nothing_found_is_allowed_with_no_rules():
    d = decide(Evidence((), (recipient("x@example.org", "external"),)))
    assert d.verdict == Verdict.ALLOW and d.rules == () and d.reasons == ()


def test_an_unreadable_attachment_leaving_is_held_and_names_the_destination():
    d = decide(Evidence((finding("ENCRYPTED_ATTACHMENT"),),
                        (recipient("a@example-council.gov.uk", "internal"),
                         recipient("x@Example.org", "external"))))
    assert d.verdict == Verdict.HOLD
    assert d.rules == ("unreadable-attachment-leaving",)
    assert d.reasons == ("a.zip: cannot be read; it would leave the organisation to example.org",)


def test_the_same_attachment_to_a_partner_only_is_logged():
    d = decide(Evidence((finding("UNSCANNABLE"),), (recipient("x@nhs.net", "partner"),)))
    assert d.verdict == Verdict.LOG and d.rules == ("unreadable-attachment-internal",)


def test_the_strictest_of_several_matching_rules_wins_and_all_are_recorded():
    d = decide(Evidence((finding("UNSCANNABLE"), finding("MALFORMED_MIME", "body")),
                        (recipient("x@example.org", "external"),)))
    assert d.verdict == Verdict.HOLD
    assert d.rules == ("unreadable-attachment-leaving", "malformed-mime")


def test_verdicts_are_ordered_allow_log_hold_reject():
    assert Verdict.strictest([Verdict.LOG, Verdict.REJECT, Verdict.HOLD]) == Verdict.REJECT
    assert Verdict.strictest([]) == Verdict.ALLOW
