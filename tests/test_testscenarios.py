"""The scenario corpus: reproducible, labelled, realistic, and the shipped policy sorts it."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from stdnum.gb import nhs, upn

from dlpgate import testscenarios
from dlpgate.config import Settings
from dlpgate.history import domain_of
from dlpgate.model import Verdict
from dlpgate.policy.examples import run_example
from dlpgate.policy.load import load_policy
from dlpgate.testscenarios import BENIGN_KINDS, KINDS, RISKY_KINDS, generate

NHS_AFTER_LABEL = re.compile(r"NHS(?: number| no\.| No)?:? (\d{3}[ -]?\d{3}[ -]?\d{4})\b")
UPN_SHAPE = re.compile(r"\b[A-Z]\d{11}[0-9A-Z]\b")
NINO_SHAPE = re.compile(r"\b([A-Z]{2})\d{2} \d{2} \d{2} [A-D]\b")
WEBMAIL = set(testscenarios.WEBMAIL)


def _texts(scenario: testscenarios.Scenario) -> str:
    ex = scenario.example
    return "\n".join([ex.subject, ex.body] + [str(a.get("text", "")) for a in ex.attachments])


@pytest.fixture(scope="module")
def corpus() -> list[testscenarios.Scenario]:
    return generate(6, seed=2026)


def test_the_same_seed_gives_the_same_corpus():
    assert generate(3, seed=11) == generate(3, seed=11)


def test_another_seed_gives_other_messages():
    a, b = generate(3, seed=11), generate(3, seed=12)
    assert [s.example.body for s in a] != [s.example.body for s in b]


def test_a_larger_corpus_extends_a_smaller_one_kind_by_kind():
    small, large = generate(2, seed=5), generate(4, seed=5)
    for kind in KINDS:
        assert ([s.example for s in small if s.kind == kind]
                == [s.example for s in large if s.kind == kind][:2])


def test_every_kind_appears_n_times_with_its_label(corpus):
    assert Counter(s.kind for s in corpus) == {kind: 6 for kind in KINDS}
    assert len(RISKY_KINDS) == 20 and len(BENIGN_KINDS) == 20
    assert all(s.risky == (s.kind in RISKY_KINDS) for s in corpus)


def test_every_message_is_written_for_the_example_council(corpus):
    for s in corpus:
        ex = s.example
        assert ex.organisation == {"internal_domains": ["example-council.gov.uk"],
                                   "partner_domains": ["nhs.net", "police.uk"],
                                   "secure_domains": ["cjsm.net"]}
        assert (ex.rule, ex.file, ex.line, ex.expect_action) == ("", "testscenarios", 0, None)
        assert ex.sender.endswith("example-council.gov.uk") and ex.to and ex.body
    assert len({s.example.name for s in corpus}) == len(corpus)


def test_identifiers_in_risky_mail_have_valid_check_digits(corpus):
    risky = "\n".join(_texts(s) for s in corpus if s.risky)
    nhs_numbers = NHS_AFTER_LABEL.findall(risky)
    upns = UPN_SHAPE.findall(risky)
    prefixes = NINO_SHAPE.findall(risky)
    assert len(nhs_numbers) >= 10 and len(upns) >= 10 and prefixes
    assert all(nhs.is_valid(re.sub(r"\D", "", n)) for n in nhs_numbers)
    assert all(upn.is_valid(u) for u in upns)
    assert not {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"} & set(prefixes)


def test_decoy_references_shaped_like_nhs_numbers_fail_the_check():
    text = "\n".join(_texts(s) for s in generate(10, seed=3))
    decoys = re.findall(r"Our reference is (\d{3} \d{3} \d{4})", text)
    assert decoys
    assert not any(nhs.is_valid(d.replace(" ", "")) for d in decoys)


def test_lookalike_mail_goes_to_an_imitation_of_an_address_in_the_history(corpus):
    for s in corpus:
        if s.kind == "lookalike-domain":
            real = s.example.history[0]["recipient"]
            [to] = s.example.to
            assert to.partition("@")[0] == real.partition("@")[0]
            assert domain_of(to) != domain_of(real)


def test_bulk_exposure_puts_eleven_to_forty_webmail_addresses_in_to(corpus):
    for s in corpus:
        if s.kind == "bulk-exposure":
            assert 11 <= len(s.example.to) <= 40 and not s.example.bcc
            assert {domain_of(a) for a in s.example.to} <= WEBMAIL


def test_newsletters_hide_residents_in_bcc(corpus):
    for s in corpus:
        if s.kind == "newsletter-in-bcc":
            assert s.example.to == (s.example.sender,) and len(s.example.bcc) >= 20


def test_lists_to_a_new_organisation_name_at_least_ten_people(corpus):
    for s in corpus:
        if s.kind == "list-to-new-organisation":
            text = _texts(s)
            found = len(UPN_SHAPE.findall(text)) + len(NINO_SHAPE.findall(text)) + len(
                re.findall(r"\b\d{3} \d{3} \d{4}\b", text))
            assert found >= 10, s.example.name
            assert not s.example.history or all(
                h["recipient"] not in s.example.to for h in s.example.history)


def test_marked_mail_says_official_sensitive_in_the_subject_or_on_its_reports_pages(corpus):
    mark = r"OFFICIAL[ _-]SENSITIVE|SWYDDOGOL-SENSITIF"
    where = set()
    for s in corpus:
        if s.kind in ("marked-to-insecure", "marked-to-secure"):
            pages = [a["text"].splitlines()[0] for a in s.example.attachments]
            assert re.search(mark, s.example.subject) or any(re.fullmatch(mark + r".*", p)
                                                             for p in pages)
            where.add("subject" if re.search(mark, s.example.subject) else "pages")
    assert where == {"subject", "pages"}


def test_unreadable_attachments_are_encrypted_or_unscannable(corpus):
    for s in corpus:
        if s.kind in ("unreadable-attachment", "encrypted-internal"):
            assert any(a.get("encrypted") or a.get("unscannable") for a in s.example.attachments)


def test_a_reply_to_a_namesake_goes_to_a_known_contact_who_shares_the_askers_first_name(corpus):
    for s in corpus:
        if s.kind == "reply-to-namesake":
            asker, other = (h["recipient"] for h in s.example.history[:2])
            [to] = s.example.to
            assert to == other and asker in s.example.body
            assert to.split(".")[0] == asker.split(".")[0] and to != asker
            assert s.example.subject.startswith("RE: ")


def test_an_answer_to_a_namesake_address_goes_to_a_known_address_with_the_askers_name(corpus):
    for s in corpus:
        if s.kind == "answer-to-namesake-address":
            [to] = s.example.to
            shown, address = to[:-1].split(" <")
            wrote = re.search(r"From: (.+) <(.+)>", s.example.body)
            assert wrote and wrote.group(1) == shown and wrote.group(2) != address
            assert s.example.history[0]["recipient"] == address
            assert s.example.history[0]["days_ago"] >= 120
            assert s.example.subject.startswith("RE: ")


def test_the_top_suggestion_and_its_twin_differ_only_in_which_namesake_gets_the_child(corpus):
    for s in corpus:
        if s.kind in ("top-suggestion", "case-contact"):
            usual, case = s.example.history[:2]
            assert usual["recipient"].split(".")[0] == case["recipient"].split(".")[0]
            assert usual["count"] > case["count"]
            assert not any(re.search(r"\d{3}", t) for t in usual["sent"])  # no identifiers
            assert any(re.search(r"NHS", t) for t in case["sent"])
            wanted = usual if s.kind == "top-suggestion" else case
            assert s.example.to == (wanted["recipient"],)


def test_the_circular_namesake_and_its_twin_differ_only_in_how_the_sender_knows_her(corpus):
    for s in corpus:
        if s.kind in ("circular-namesake", "namesake-written-to"):
            weekly, met = s.example.history[:2]
            assert weekly["recipient"].split(".")[0] == met["recipient"].split(".")[0]
            assert weekly["audience"] == 1 and s.example.to == (met["recipient"],)
            if s.kind == "circular-namesake":
                assert met["count"] == 1 and met["audience"] >= 20
            else:
                assert met["audience"] <= 3


def test_the_shipped_policy_holds_risky_mail_and_lets_benign_mail_go():
    settings = Settings.model_validate({"detection": {"ner": False}})
    policy = load_policy(settings)
    scanners: dict = {}
    held: dict[bool, list[str]] = {True: [], False: []}
    missed: list[str] = []
    for s in generate(2, seed=2026):
        outcome, result = run_example(s.example, policy, settings, scanners)
        is_held = result.decision.verdict in (Verdict.HOLD, Verdict.REJECT)
        if is_held:
            held[s.risky].append(f"{s.example.name}: {outcome.action} {outcome.rules}")
        elif s.risky:
            missed.append(f"{s.example.name}: {outcome.action} {outcome.rules}")
        if s.wanted:
            assert outcome.action == s.wanted, (s.example.name, outcome.rules)
    n = 2 * len(RISKY_KINDS)
    assert len(held[True]) >= 0.9 * n, missed
    assert len(held[False]) <= 2, held[False]


@pytest.mark.parametrize("kind", ["resident-reply", "care-arrangements"])
def test_a_first_letter_to_a_personal_address_signed_with_schemes_or_a_team_is_not_held(kind):
    """"Hi Kate" and "Disability Confident Employer" (or "Youth Offending Team" under the
    writer's name) made special-category data about a named person of every first letter to
    a resident's or a carer's gmail address."""
    settings = Settings.model_validate({"detection": {"ner": False}})
    policy = load_policy(settings)
    replies = [s for s in generate(12, seed=7) if s.kind == kind]
    assert len(replies) == 12
    for s in replies:
        assert any(a.endswith(tuple(f"@{w}" for w in WEBMAIL)) for a in s.example.to)
        outcome, _ = run_example(s.example, policy, settings, {})
        assert outcome.action == "allow", (s.example.body, outcome.rules)


def test_an_out_of_office_that_signposts_goes_and_one_naming_a_childs_case_is_confirmed():
    """Everyone who writes in gets the out-of-office; "for Kayden Reid's child protection
    conference with his mother, Mrs Reid" told each of them, unasked, and so did "in court
    for Kayden's care proceedings" above the social worker's name and team; "ask for Sarah"
    and "Sarah in the team will cover" tell no one's case."""
    settings = Settings.model_validate({"detection": {"ner": False}})
    policy = load_policy(settings)
    corpus = generate(12, seed=7)
    for kind, wanted in (("out-of-office", "allow"), ("out-of-office-case", "confirm"),
                         ("out-of-office-first-names", "allow"),
                         ("out-of-office-first-name", "confirm")):
        replies = [s for s in corpus if s.kind == kind]
        assert len(replies) == 12
        for s in replies:
            assert ("Auto-Submitted", "auto-replied") in s.example.headers
            outcome, _ = run_example(s.example, policy, settings, {})
            assert outcome.action == wanted, (s.example.body, outcome.rules)


def test_an_answer_written_inside_the_residents_quoted_message_is_confirmed():
    """An answer to a resident who wrote in, quoting her message in Outlook's layout to her
    alone, goes; one that says its answers are inside the quote ("my answers are below in
    red") and adds another resident's cancer diagnosis there is the sender's to confirm,
    where the quote was passed over as hers."""
    settings = Settings.model_validate({"detection": {"ner": False}})
    policy = load_policy(settings)
    corpus = generate(12, seed=7)
    for kind, wanted in (("answer-to-resident", "allow"), ("answer-inside-quote", "confirm")):
        replies = [s for s in corpus if s.kind == kind]
        assert len(replies) == 12
        for s in replies:
            assert s.example.subject.startswith("RE: ") and "\nFrom: " in s.example.body
            assert not any(line.startswith(">") for line in s.example.body.splitlines())
            outcome, _ = run_example(s.example, policy, settings, {})
            assert outcome.action == wanted, (s.example.body, outcome.rules)


def test_welsh_case_mail_to_a_new_webmail_address_is_held_and_everyday_welsh_mail_goes():
    """A Welsh-only email about a child's child protection conference, a diagnosis or a
    foster placement went to a parent's gmail unheld where the English one was held; the
    everyday Welsh of council mail ("Bwrdd Iechyd", "Gofal Cymdeithasol Cymru", "Cyflogwr
    Hyderus o ran Anabledd") must not be read as a case."""
    settings = Settings.model_validate({"detection": {"ner": False}})
    policy = load_policy(settings)
    corpus = generate(12, seed=7)
    for kind, held in (("welsh-case-to-webmail", True), ("welsh-everyday", False)):
        mails = [s for s in corpus if s.kind == kind]
        assert len(mails) == 12 and kind in testscenarios.WELSH_KINDS
        for s in mails:
            assert s.example.body.startswith(("Annwyl", "Helo", "Shwmae"))
            assert any(a.endswith(tuple(f"@{w}" for w in WEBMAIL)) for a in s.example.to)
            outcome, result = run_example(s.example, policy, settings, {})
            is_held = result.decision.verdict in (Verdict.HOLD, Verdict.REJECT)
            assert is_held == held, (s.example.body, outcome.rules)


def test_the_colleagues_namesake_is_at_the_leads_school_and_only_colleagues_wrote_to_the_lead(
        corpus):
    for s in corpus:
        if s.kind == "colleagues-namesake":
            lead, met = s.example.history[:2]
            assert lead["sender"] != s.example.sender and lead["sent"]
            assert met.get("sender", s.example.sender) == s.example.sender
            assert met["count"] == 1 and met["audience"] >= 20
            assert lead["recipient"].split(".")[0] == met["recipient"].split(".")[0]
            assert lead["recipient"].split("@")[1] == met["recipient"].split("@")[1]
            assert s.example.to == (met["recipient"],)


def test_a_reply_that_asks_a_colleague_of_the_writer_by_name_is_not_held():
    """"Jo, could you book the visit?" to the health visitor and her colleague Jo: Jo was
    someone outside the conversation, and the shipped policy asked the sender to confirm."""
    settings = Settings.model_validate({"detection": {"ner": False}})
    policy = load_policy(settings)
    replies = [s for s in generate(12, seed=7) if s.kind == "reply-asks-a-colleague"]
    assert len(replies) == 12
    for s in replies:
        outcome, _ = run_example(s.example, policy, settings, {})
        assert outcome.action == "log" and tuple(outcome.rules) == ("identifiers-to-partner",), \
            (s.example.body, outcome.rules)
