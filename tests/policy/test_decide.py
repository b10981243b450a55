"""decide: the strictest matching rule wins, exceptions set rules aside, every match says why."""

from __future__ import annotations

from dlpgate import yamlsrc
from dlpgate.config import Settings
from dlpgate.model import Action, Evidence, Finding, Message, RecipientRisk, Signal, Verdict
from dlpgate.policy.decide import decide
from dlpgate.policy.load import Loader

SETTINGS = Settings.model_validate({"organisation": {
    "internal_domains": ["example-council.gov.uk"], "partner_domains": ["nhs.net"]}})


def policy(text: str):
    return Loader(SETTINGS).load([yamlsrc.parse(text, "test.yaml")])


def message(subject: str = "Notes", body: str = "", sender: str = "a@example-council.gov.uk",
            headers: tuple = ()) -> Message:
    from dlpgate.model import TextPart

    return Message("<m@x>", subject, sender, (), (), (), headers,
                   (TextPart("subject", subject), TextPart("body", body)), (), (), 100)


def finding(entity: str, text: str = "", part: str = "body", score: float = 1.0,
            why: str = "") -> Finding:
    return Finding(entity, part, 0, len(text), score, text, why or f"{entity} found", "test")


def recipient(address: str, *signals: str, risk: float = 0.3) -> RecipientRisk:
    return RecipientRisk(address, risk, tuple(Signal(s, f"{s} explained") for s in signals))


NHS = "943 476 5919"
HOLD_NHS_OUTSIDE = """
rules:
  - id: nhs-outside
    title: t
    when:
      all:
        - findings: {entity: UK_NHS}
        - recipients: {any: {where: outside}}
    action: hold
    explain: "{recipient}: {entities} would go to {domain} ({signals})"
  - id: anything-logged
    title: t
    when: {findings: {}}
    action: log
    explain: logged
"""


def test_nothing_matching_is_allowed_and_names_no_rule():
    d = decide(Evidence((), (recipient("x@example.org", "new-to-sender"),)), message(),
               policy(HOLD_NHS_OUTSIDE))
    assert d.verdict == Verdict.ALLOW and d.rules == () and d.reasons == ()


def test_the_strictest_matching_rule_wins_and_every_match_is_recorded_with_its_reasons():
    ev = Evidence((finding("UK_NHS", NHS),),
                  (recipient("a@example-council.gov.uk", "internal"),
                   recipient("x@example.org", "new-to-sender")))
    d = decide(ev, message(), policy(HOLD_NHS_OUTSIDE))
    assert d.verdict == Verdict.HOLD and d.chosen == Action.HOLD
    assert d.rules == ("nhs-outside", "anything-logged")
    assert d.reasons == ("x@example.org: 1 UK_NHS would go to example.org (new-to-sender "
                         "explained)", "logged")


def test_explanations_never_carry_the_values_found():
    ev = Evidence((finding("UK_NHS", NHS),), (recipient("x@example.org", "new-to-sender"),))
    d = decide(ev, message(), policy(HOLD_NHS_OUTSIDE))
    assert NHS not in " ".join(d.reasons)


def test_a_recipient_rule_explains_each_recipient_it_is_about_and_only_those():
    p = policy("""
rules:
  - id: lookalike
    title: t
    when: {recipients: {any: {signal: lookalike-domain}}}
    action: hold
    explain: "{recipient}: {signals}"
""")
    ev = Evidence((), (recipient("ok@nhs.net", "partner"),
                       recipient("x@nhs.com", "new-to-organisation", "lookalike-domain")))
    d = decide(ev, message(), p)
    assert d.reasons == ("x@nhs.com: lookalike-domain explained",)  # the sign it asked about
    assert d.matches[0].recipients == ("x@nhs.com",)


def test_a_message_wide_sign_is_explained_once_not_once_per_recipient():
    p = policy("""
rules:
  - {id: bulk, title: t, when: {recipients: {any: {signal: bulk-exposure}}}, action: hold,
     explain: "{signals}"}
""")
    ev = Evidence((), tuple(recipient(f"c{i}@gmail.com", "bulk-exposure", "personal-webmail")
                            for i in range(12)))
    d = decide(ev, message(), p)
    assert d.reasons == ("bulk-exposure explained",)
    assert len(d.matches[0].recipients) == 12


def test_a_reason_that_names_no_recipient_gives_every_recipients_signs_once_shared_first():
    # twelve carers at six providers read out as seven lines, one per provider, the
    # exposure itself in each
    p = policy("""
rules:
  - id: bulk
    title: t
    when:
      all:
        - recipients: {any: {signal: bulk-exposure}}
        - recipients: {at_least: {count: 2, signal: personal-webmail}}
    action: hold
    explain: "{signals}"
""")
    ev = Evidence((), tuple(
        RecipientRisk(f"c{i}@{d}", 0.3, (Signal("personal-webmail", f"{d} is webmail"),
                                         Signal("bulk-exposure", "12 visible")))
        for i, d in enumerate(["icloud.com", "gmail.com", "gmail.com", "yahoo.co.uk"])))
    d = decide(ev, message(), p)
    assert d.reasons == (
        "12 visible; gmail.com is webmail; icloud.com is webmail; yahoo.co.uk is webmail",)


def test_confirm_and_delay_are_kinds_of_hold_ranked_below_it():
    p = policy("""
rules:
  - {id: d, title: t, when: {findings: {}}, action: delay, minutes: 5, explain: d,
     notify: [sender]}
  - {id: c, title: t, when: {findings: {entity: UK_NHS}}, action: confirm, explain: c,
     notify: [sender]}
""")
    only_name = decide(Evidence((finding("PERSON", "Ann Lee"),), ()), message(), p)
    assert (only_name.chosen, only_name.verdict, only_name.delay_minutes) == (
        Action.DELAY, Verdict.HOLD, 5)
    both = decide(Evidence((finding("PERSON", "Ann Lee"), finding("UK_NHS", NHS)), ()),
                  message(), p)
    assert (both.chosen, both.verdict, both.notify) == (Action.CONFIRM, Verdict.HOLD, ("sender",))
    assert Action.strictest([Action.HOLD, Action.CONFIRM, Action.REJECT]) == Action.REJECT


def test_a_shadow_rule_is_recorded_but_does_not_change_the_action():
    p = policy("""
rules:
  - {id: trial, title: t, mode: shadow, when: {findings: {entity: UK_NHS}}, action: reject,
     explain: would reject}
""")
    d = decide(Evidence((finding("UK_NHS", NHS),), ()), message(), p)
    assert d.verdict == Verdict.ALLOW and d.rules == ()
    assert d.shadow_rules == ("trial",)
    assert d.matches[0].reasons == ("would reject",) and not d.matches[0].counts


def test_an_exception_sets_aside_the_rules_it_names_when_it_matches():
    p = policy("""
lists:
  courts: {domains: [cjsm.net]}
rules:
  - {id: unreadable, title: t, when: {message: {unscannable: true}}, action: hold,
     explain: "{problems}"}
  - id: courts-exception
    title: t
    when:
      all:
        - message: {encrypted: true}
        - recipients: {all: {domain: courts}}
    action: log
    overrides: [unreadable]
    explain: encrypted to a court
""")
    locked = finding("ENCRYPTED_ATTACHMENT", "", "a.zip", why="a.zip is password-protected")
    to_court = decide(Evidence((locked,), (recipient("x@court.cjsm.net", "new-to-sender"),)),
                      message(), p)
    assert to_court.verdict == Verdict.LOG and to_court.rules == ("courts-exception",)
    assert to_court.matches[0].overridden_by == "courts-exception"
    elsewhere = decide(Evidence((locked,), (recipient("x@court.cjsm.net", "new-to-sender"),
                                            recipient("y@gmail.com", "personal-webmail"))),
                       message(), p)
    assert elsewhere.verdict == Verdict.HOLD
    assert elsewhere.reasons == ("a.zip is password-protected",)


def test_an_exception_for_some_recipients_sets_a_rule_aside_only_for_those_it_matched():
    # copying the fostering partner in lifted the hold on a child's details to gmail
    p = policy("""
lists:
  fostering-partner: {domains: [northshire-fostering.org.uk]}
rules:
  - id: child-details-to-webmail
    title: t
    when:
      all:
        - findings: {entity: UK_NHS}
        - recipients: {any: {signal: personal-webmail}}
    action: hold
    explain: "{recipient}"
  - id: nhs-leaving
    title: t
    when:
      all:
        - findings: {entity: UK_NHS}
        - recipients: {any: {where: outside}}
    action: hold
    explain: "{recipient}"
  - id: fostering-partner-exempt
    title: t
    when: {recipients: {any: {domain: fostering-partner}}}
    action: log
    overrides: [child-details-to-webmail, nhs-leaving]
    explain: to the fostering partner
""")
    partner = recipient("office@northshire-fostering.org.uk", "new-to-sender")
    gmail = recipient("marigold.fenwick@gmail.com", "personal-webmail")
    nhs = (finding("UK_NHS", NHS),)
    both = decide(Evidence(nhs, (partner, gmail)), message(), p)
    assert both.verdict == Verdict.HOLD
    assert both.rules == ("child-details-to-webmail", "nhs-leaving", "fostering-partner-exempt")
    alone = decide(Evidence(nhs, (partner,)), message(), p)
    assert alone.verdict == Verdict.LOG and alone.rules == ("fostering-partner-exempt",)
    assert {m.rule: m.overridden_by for m in alone.matches}["nhs-leaving"] == \
        "fostering-partner-exempt"


def test_recipients_can_be_named_by_address_as_well_as_by_domain():
    # councillors written to together on their personal addresses: an IG team could set the
    # exposure rule aside for them only by raising the threshold for everyone
    p = policy("""
lists:
  councillors-personal: {addresses: [cllr.jones@gmail.com, "cllr.*@hotmail.co.uk"]}
rules:
  - id: exposed
    title: t
    when: {recipients: {at_least: {count: 2, signal: personal-webmail}}}
    action: hold
    explain: "{recipient}"
  - id: councillors-exempt
    title: t
    when: {recipients: {all: {address: councillors-personal}}}
    action: log
    overrides: [exposed]
    explain: to the councillors
  - id: not-a-councillor
    title: t
    when: {recipients: {any: {signal: personal-webmail, not_address: councillors-personal}}}
    action: log
    explain: "{recipient}"
""")
    jones = recipient("Cllr.Jones@gmail.com", "personal-webmail")
    patel = recipient("cllr.patel@hotmail.co.uk", "personal-webmail")
    carer = recipient("carer@gmail.com", "personal-webmail")
    councillors = decide(Evidence((), (jones, patel)), message(), p)
    assert councillors.verdict == Verdict.LOG and "not-a-councillor" not in councillors.rules
    with_a_carer = decide(Evidence((), (jones, patel, carer)), message(), p)
    assert with_a_carer.verdict == Verdict.HOLD and "not-a-councillor" in with_a_carer.rules


def test_an_exception_whose_recipient_tests_no_one_recipient_passed_together_covers_no_one():
    p = policy("""
lists:
  fostering-partner: {domains: [northshire-fostering.org.uk]}
rules:
  - {id: nhs-leaving, title: t, when: {all: [{findings: {entity: UK_NHS}},
     {recipients: {any: {where: outside}}}]}, action: hold, explain: "{recipient}"}
  - id: known-partner-exempt
    title: t
    when:
      all:
        - recipients: {any: {domain: fostering-partner}}
        - recipients: {any: {signal: known-correspondent}}
    action: log
    overrides: [nhs-leaving]
    explain: x
""")
    partner = recipient("office@northshire-fostering.org.uk", "new-to-sender")
    gmail = recipient("marigold.fenwick@gmail.com", "known-correspondent")
    d = decide(Evidence((finding("UK_NHS", NHS),), (partner, gmail)), message(), p)
    assert d.verdict == Verdict.HOLD  # the new partner and the known gmail are not one


def test_counts_distinct_values_scores_and_places_are_all_tested():
    p = policy("""
rules:
  - id: three-distinct-in-attachments
    title: t
    when: {findings: {entity: UK_NHS, min_distinct: 3, min_score: 0.8, in: attachment}}
    action: hold
    explain: x
""")
    same = [finding("UK_NHS", NHS, "list.xlsx") for _ in range(5)]
    assert decide(Evidence(tuple(same), ()), message(), p).verdict == Verdict.ALLOW
    three = [finding("UK_NHS", n, "list.xlsx") for n in ("1", "2", "3")]
    assert decide(Evidence(tuple(three), ()), message(), p).verdict == Verdict.HOLD
    in_body = [finding("UK_NHS", n, "body") for n in ("1", "2", "3")]
    assert decide(Evidence(tuple(in_body), ()), message(), p).verdict == Verdict.ALLOW
    weak = [finding("UK_NHS", n, "list.xlsx", score=0.5) for n in ("1", "2", "3")]
    assert decide(Evidence(tuple(weak), ()), message(), p).verdict == Verdict.ALLOW


def test_what_only_the_html_alternative_says_or_a_pasted_picture_shows_is_body_not_attachment():
    p = policy("""
rules:
  - {id: in-body, title: t, when: {findings: {entity: UK_NHS, in: body}}, action: hold,
     explain: x}
  - {id: in-attachment, title: t, when: {findings: {entity: UK_NHS, in: attachment}},
     action: log, explain: x}
""")
    for part in ("body-html", "body picture 1", "body picture 12"):
        d = decide(Evidence((finding("UK_NHS", NHS, part),), ()), message(), p)
        assert d.rules == ("in-body",), part
    # the parser renames a file that would take such a name; these are files
    for part in ("body picture 1 (2)", "body picture 01", "notes.eml/body picture 1"):
        d = decide(Evidence((finding("UK_NHS", NHS, part),), ()), message(), p)
        assert d.rules == ("in-attachment",), part


def test_an_explanation_says_where_the_marking_is_without_naming_the_attachment():
    from dataclasses import replace

    from dlpgate.model import TextPart

    p = policy("""
rules:
  - {id: marked, title: t, when: {message: {marking: true}}, action: hold,
     explain: "{marked} is marked OFFICIAL-SENSITIVE"}
""")
    d = decide(Evidence((), ()), message(subject="OFFICIAL-SENSITIVE: minutes"), p)
    assert d.reasons == ("the message is marked OFFICIAL-SENSITIVE",)
    report = replace(message(subject="Report"), parts=message().parts + (TextPart(
        "Leo Turner.docx", "Minutes.\n\nOFFICIAL-SENSITIVE: PERSONAL\n", is_attachment=True),))
    d = decide(Evidence((), ()), report, p)
    assert d.reasons == ("an attachment is marked OFFICIAL-SENSITIVE",)


def test_message_sender_and_marking_conditions():
    p = policy("""
lists:
  social-care: {senders: ["@childrens.example-council.gov.uk", "lead@example-council.gov.uk"]}
  safeguarding-words: {terms: [strategy meeting, section 47]}
rules:
  - {id: marked, title: t, when: {message: {marking: true}}, action: log, explain: m}
  - {id: from-social-care, title: t, when: {sender: {in: social-care}}, action: log,
     explain: s}
  - {id: words, title: t, when: {message: {mentions: safeguarding-words}}, action: log,
     explain: w}
""")
    d = decide(Evidence((), ()), message(subject="OFFICIAL-SENSITIVE update",
                                         body="The Strategy\n meeting is at ten.",
                                         sender="Ann@Childrens.Example-Council.gov.uk"), p)
    assert d.rules == ("marked", "from-social-care", "words")
    d = decide(Evidence((), ()), message(body="strategy meetings", sender="x@example.org",
                                         headers=(("Sensitivity", "OFFICIAL"),)), p)
    assert d.rules == ()
    typed_by_hand = decide(Evidence((), ()), message(subject="Official Sensitive: minutes"), p)
    assert typed_by_hand.rules == ("marked",)
    prose = decide(Evidence((), ()), message(subject="the secret of good minutes"), p)
    assert prose.rules == ()


def test_all_any_and_not_combine():
    p = policy("""
rules:
  - id: combined
    title: t
    when:
      all:
        - any: [{findings: {entity: UK_NHS}}, {findings: {entity: UK_NINO}}]
        - not: {recipients: {all: {where: [internal, partner]}}}
    action: hold
    explain: x
""")
    nino = Evidence((finding("UK_NINO", "QQ"),), (recipient("x@nhs.net", "partner"),))
    assert decide(nino, message(), p).verdict == Verdict.ALLOW
    out = Evidence((finding("UK_NINO", "QQ"),), (recipient("x@example.org", "new-to-sender"),))
    assert decide(out, message(), p).verdict == Verdict.HOLD


def test_a_policy_that_tests_for_missing_findings_is_known_not_to_be_monotone():
    """The pipeline skips NER only for monotone policies: more findings never relax them."""
    recipients_only = policy("""
rules:
  - {id: r, title: t, when: {not: {recipients: {any: {where: outside}}}}, action: log,
     explain: x}
""")
    assert recipients_only.monotone
    absent_names = policy("""
rules:
  - {id: r, title: t, when: {not: {findings: {entity: PERSON}}}, action: hold, explain: x}
""")
    assert not absent_names.monotone


def test_the_decision_names_the_policy_version_it_used():
    p = policy(HOLD_NHS_OUTSIDE)
    d = decide(Evidence((), ()), message(), p)
    assert d.policy_version == p.version and len(p.version) == 12


UNREADABLE_OUTSIDE = """
rules:
  - id: unreadable-outside
    title: t
    when:
      all:
        - message: {unscannable: true}
        - recipients: {any: {where: outside}}
    action: hold
    explain: "{problems}; it would go to {domain} ({signals})"
"""


def test_reasons_quote_file_and_greeted_names_masked_and_the_decision_keeps_them_in_full():
    masked = "A\u2022\u2022 R\u2022\u2022\u2022 \u2022\u2022\u2022 \u2022\u2022\u2022 \u2022919.zip"
    problem = Finding("ENCRYPTED_ATTACHMENT", f"Amy Reid {NHS}.zip", 0, 0, 1.0, "",
                      f"{masked}: password-protected", "problems",
                      revealed=f"Amy Reid {NHS}.zip: password-protected")
    greeted = Signal("greets-another", "greeting A\u2022\u2022", 0.0, "greeting Amy")
    ev = Evidence((problem,), (RecipientRisk("x@example.org", 0.9, (greeted,)),))
    d = decide(ev, message(), policy(UNREADABLE_OUTSIDE))
    said = f"{masked}: password-protected; it would go to example.org (greeting A\u2022\u2022)"
    assert d.reasons == (said,) and d.matches[0].reasons == (said,)
    full = (f"Amy Reid {NHS}.zip: password-protected; it would go to example.org "
            "(greeting Amy)",)
    assert d.revealed == full and d.matches[0].revealed == full


def test_reasons_that_quote_no_masked_name_are_not_kept_twice():
    ev = Evidence((finding("UK_NHS", NHS),), (recipient("x@example.org", "new-to-sender"),))
    d = decide(ev, message(), policy(HOLD_NHS_OUTSIDE))
    assert d.revealed == () and all(m.revealed == () for m in d.matches)


def test_what_every_message_test_asks_is_worked_out_once_a_decision(monkeypatch):
    # the marking (the subject, the headers, the banner lines), the sender's domain and the
    # kinds found were worked out again by each rule's message test
    from dlpgate.policy import rules

    p = policy("""
rules:
  - {id: a, title: t, when: {message: {marking: true}}, action: hold, explain: x}
  - {id: b, title: t, when: {message: {marking: true, unscannable: false}}, action: log,
     explain: x}
  - {id: c, title: t, when: {message: {marking: false, malformed: true}}, action: hold,
     explain: x}
""")
    asked = []
    marked_where = rules.marked_where
    monkeypatch.setattr(rules, "marked_where", lambda m: asked.append(m) or marked_where(m))
    d = decide(Evidence((), ()), message(subject="OFFICIAL-SENSITIVE: minutes"), p)
    assert d.rules == ("a", "b") and len(asked) == 1
    d = decide(Evidence((finding("MALFORMED_MIME"),), ()), message(), p)
    assert d.rules == ("c",) and len(asked) == 2


def test_special_categories_are_said_in_words_in_an_explanation():
    # a sender read "special-category data (mental_health, social_care)": a rule's ids
    p = policy("""
rules:
  - {id: special, title: t, when: {findings: {entity: SPECIAL_CATEGORY}}, action: hold,
     explain: "special-category data ({categories})"}
""")
    ev = Evidence((finding("SPECIAL_CATEGORY", "sectioned", why="a term (mental_health)"),
                   finding("SPECIAL_CATEGORY", "care order", why="a term (social_care)")), ())
    assert decide(ev, message(), p).reasons == (
        "special-category data (mental health, social care)",)
