"""Recipient risk: each signal, the hard cases, and a score that only signals can raise."""

from __future__ import annotations

import time

import pytest

from dlpgate.config import Settings
from dlpgate.detect.recipients import RecipientRiskAssessor
from dlpgate.detect.registry import Context
from dlpgate.history import Pair, anchors
from dlpgate.model import Envelope
from dlpgate.parse.mime import parse
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testdata import make_docx, make_pdf, make_xlsx, with_members
from dlpgate.testing import make_message

SENDER = "alice.jones@example-council.gov.uk"
SETTINGS = Settings.model_validate({"organisation": {
    "internal_domains": ["example-council.gov.uk"],
    "partner_domains": ["nhs.net", "leeds.gov.uk"]}})


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    now = time.time()
    s.learn([Pair(SENDER, "sarah.khan@nhs.net", now - 86400, 12),
             Pair(SENDER, "jo.bloggs@fostering-partners.org.uk", now - 3 * 86400, 5),
             Pair(SENDER, "pat@gmail.com", now - 86400, 3),
             Pair("bob@example-council.gov.uk", "team@otherorg.org", now, 2),
             Pair(SENDER, "bob@example-council.gov.uk", now - 86400, 30),
             Pair(SENDER, "once@rarely.org", now, 1)])
    yield s
    s.close()


def assess(store, *rcpts, to=None, subject="Notes", body="Hello,\n", cc=(),
           sender=f"Alice Jones <{SENDER}>"):
    raw = make_message(sender=sender, to=to or rcpts[:1], cc=cc, subject=subject, body=body)
    msg = parse(raw, Envelope(sender.rpartition("<")[2].rstrip(">"), tuple(rcpts)))
    risks = RecipientRiskAssessor(SETTINGS).assess(msg, Context(SETTINGS, store))
    return {r.address: r for r in risks}


def names(risk):
    return [s.name for s in risk.signals]


def why(risk, signal):
    """The explanation the recipient's `signal` carries, names the message writes in full
    (as `scan --reveal` shows it)."""
    s = risk.signals[names(risk).index(signal)]
    return s.revealed or s.explanation


def test_names_the_message_writes_are_masked_in_explanations_as_findings_are(store):
    # a reviewer read the child's name in the hold's recipient signals without giving a reason
    r = assess(store, "sarah.jones@gmail.com",
               body="Dear Amy,\nPlease see the plan for Sarah Brown.\n")["sarah.jones@gmail.com"]
    shown = " ".join(s.explanation for s in r.signals)
    assert "Amy" not in shown and "Brown" not in shown
    assert "the message names S\u2022\u2022\u2022\u2022 B\u2022\u2022\u2022\u2022, not the " \
        "person at sarah.jones@gmail.com" in shown
    assert "the message names Sarah Brown, not the person at sarah.jones@gmail.com" in why(
        r, "names-someone-else")
    assert "greeting Amy but no recipient has that name" in why(r, "salutation-mismatch")
    # a title is no name: "greeting K•••" read as a first name, "Ms K•••" says whom
    titled = assess(store, "sarah.jones@gmail.com", body="Dear Ms Khan,\nThe plan.\n")[
        "sarah.jones@gmail.com"]
    masked = titled.signals[names(titled).index("salutation-mismatch")].explanation
    assert masked.startswith("the message opens by greeting Ms K\u2022\u2022\u2022 but")
    assert why(titled, "salutation-mismatch").startswith("the message opens by greeting Ms Khan")


def test_internal_and_regular_correspondents_are_low_risk(store):
    got = assess(store, "bob@example-council.gov.uk", "sarah.khan@nhs.net")
    assert names(got["bob@example-council.gov.uk"]) == ["internal"]
    assert got["bob@example-council.gov.uk"].risk == 0.0
    assert names(got["sarah.khan@nhs.net"]) == ["partner", "known-correspondent"]
    assert got["sarah.khan@nhs.net"].risk <= 0.1
    assert "12 times" in got["sarah.khan@nhs.net"].signals[1].explanation


def test_a_genuine_new_contact_at_a_partner_is_new_but_not_a_lookalike(store):
    r = assess(store, "kiran.shah@nhs.net", body="Dear Kiran,\n")["kiran.shah@nhs.net"]
    assert names(r) == ["partner", "new-to-sender", "unknown-address", "greeted"]  # no one yet
    store.learn([Pair("bob@example-council.gov.uk", "kiran.shah@nhs.net", time.time(), 3)])
    r = assess(store, "kiran.shah@nhs.net", body="Dear Kiran,\n")["kiran.shah@nhs.net"]
    assert names(r) == ["partner", "new-to-sender", "greeted"]  # a colleague's contact
    stranger = assess(store, "kiran.shah@elsewhere.org", body="Dear Kiran,\n")
    assert r.risk < stranger["kiran.shah@elsewhere.org"].risk
    named = assess(store, "kiran.shah@nhs.net", body="Dear Kiran Shah,\n")["kiran.shah@nhs.net"]
    assert names(named) == ["partner", "new-to-sender", "named-in-message", "greeted"]
    assert named.risk < r.risk


def test_subdomains_of_partners_count_as_partner(store):
    r = assess(store, "housing@council.leeds.gov.uk")["housing@council.leeds.gov.uk"]
    assert names(r)[0] == "partner"


@pytest.mark.parametrize("address, reason", [
    ("sarah.khan@nhs.com", "with .com instead of .net, an expected partner"),
    ("sarah.khan@nhs-net.com", "dots or hyphens moved"),
    ("someone@\uff47mail.com", "look-alike characters"),
    ("someone@" + "gma\u0456l.com".encode("idna").decode(), "look-alike characters"),
    ("someone@gmial.com", "typing slip from gmail.com, where you have written 3 times"),
    ("jo.bloggs@fostering-partner.org.uk", "typing slip from fostering-partners.org.uk, where "
     "you have written 5 times"),
    ("x@example-councl.gov.uk", "from example-council.gov.uk, one of our own domains"),
    ("x@otherorgg.org", "from otherorg.org, where colleagues here write"),
    ("x@example-council.gov", "example-council.gov.uk with the .uk left off, one of our own"),
])
def test_lookalike_domains_are_caught(store, address, reason):
    [r] = assess(store, address).values()
    lookalikes = [s for s in r.signals if s.name == "lookalike-domain"]
    assert lookalikes and reason in lookalikes[0].explanation
    assert r.risk >= 0.9


def test_an_imitation_of_a_partner_stays_one_however_often_it_was_written_to(store):
    # one colleague's slip, then the sender's own twice: the mistyped address is in the
    # autocomplete now, and the next message to it may carry the report
    store.learn([Pair("bob@example-council.gov.uk", "kiran.shah@nhs-net.com", time.time(), 1)])
    r = assess(store, "kiran.shah@nhs-net.com", body="Dear Kiran,\n")["kiran.shah@nhs-net.com"]
    assert "lookalike-domain" in names(r) and "greeted" in names(r)
    assert r.risk >= 0.9  # the greeting damps nothing beside an imitation
    store.learn([Pair(SENDER, "kiran.shah@nhs-net.com", time.time(), 2)])
    r = assess(store, "kiran.shah@nhs-net.com")["kiran.shah@nhs-net.com"]
    assert names(r)[0] == "known-correspondent" and "lookalike-domain" in names(r)
    assert "an expected partner" in why(r, "lookalike-domain")


def test_a_domain_written_to_once_or_twice_here_is_still_asked_what_it_imitates(store):
    # a colleague's slip went (nothing in it to hold): gmial.com is no one's correspondent yet
    store.learn([Pair("bob@example-council.gov.uk", "ann@gmial.com", time.time(), 2)])
    r = assess(store, "ann@gmial.com")["ann@gmial.com"]
    assert "gmail.com" in why(r, "lookalike-domain")
    store.learn([Pair("dee@example-council.gov.uk", "ann@gmial.com", time.time(), 1)])
    r = assess(store, "ann@gmial.com")["ann@gmial.com"]
    assert "lookalike-domain" not in names(r)  # three messages here: a real correspondent


def test_a_known_domain_like_a_contacts_is_a_real_correspondent(store):
    # imitating a domain someone merely writes to is a question for new domains only
    store.learn([Pair(SENDER, "ann@gmial.com", time.time(), 3)])
    assert "lookalike-domain" not in names(assess(store, "ann@gmial.com")["ann@gmial.com"])


def test_a_real_organisation_like_a_partner_can_be_declared_distinct(store):
    settings = Settings.model_validate({
        "organisation": SETTINGS.organisation.model_dump(),
        "recipients": {"distinct_domains": ["leeds-gov.org.uk"]}})
    raw = make_message(sender=SENDER, to=["clerk@leeds-gov.org.uk"], subject="Notes",
                       body="Hello,\n")
    msg = parse(raw, Envelope(SENDER, ("clerk@leeds-gov.org.uk",)))
    [declared] = RecipientRiskAssessor(settings).assess(msg, Context(settings, store))
    assert "lookalike-domain" not in names(declared)
    [undeclared] = assess(store, "clerk@leeds-gov.org.uk").values()
    assert "leeds.gov.uk" in why(undeclared, "lookalike-domain")


@pytest.mark.parametrize("address, reason", [
    ("kiran.shah@nhs.net-secure.com", "whole name nhs.net in it, with other words added"),
    ("kiran.shah@secure-nhs.net", "whole name nhs.net in it"),
    ("kiran.shah@mail.nhsnet.co.uk", "whole name nhs.net in it"),
    ("kiran.shah@nh.net", "one typing slip from nhs.net"),
    ("x@" + "nhs.n\u0435t.evil.com".encode("idna").decode(),
     "look-alike characters for nhs.net.evil.com, which starts with nhs.net"),
    ("x@" + "p\u0430yments-council.com".encode("idna").decode(),
     "mixes Latin and Cyrillic letters in one name"),
])
def test_a_partners_name_with_words_added_or_a_disguise_on_a_trick_is_caught(
        store, address, reason):
    [r] = assess(store, address).values()
    assert reason in why(r, "lookalike-domain")


@pytest.mark.parametrize("address", [
    "marie.dupont@hotmail.fr",  # the provider's own domain abroad
    "registry@leeds.ac.uk",  # a university: ac.uk names are held by vetted bodies
    "someone@nhs.scot",
    "x@royal-mail.com",  # mail.com is webmail; its name in a longer one is chance
])
def test_real_domains_like_a_reference_are_not_lookalikes(store, address):
    [r] = assess(store, address).values()
    assert "lookalike-domain" not in names(r)


def test_another_spelling_of_a_contacts_name_at_the_same_domain_is_not_at_another_domain(
        store):
    # sarah_khan@nhs.net beside sarah.khan@nhs.net was "her name at another domain"
    r = assess(store, "sarah_khan@nhs.net")["sarah_khan@nhs.net"]
    assert "at another domain" not in " ".join(s.explanation for s in r.signals)


@pytest.mark.parametrize("address", [
    "sarah.khan@hotmail.co.uk", "sarahkhan@hotmail.co.uk", "sarah_khan@outlook.com",
    "sarah-khan@gmail.com"])
def test_a_regular_contacts_name_at_another_domain_is_the_autocomplete_error(store, address):
    # with other separators, or none, it is her name all the same (they were not flagged)
    r = assess(store, address)[address]
    assert "confusable-address" in names(r) and "personal-webmail" in names(r)
    assert "sarah.khan@nhs.net" in why(r, "confusable-address")


@pytest.mark.parametrize("address", [
    "s\u0430rah.khan@nhs.net", "\uff53arah.khan@nhs.net", "s\u0430rah.khan@gmail.com"])
def test_a_contacts_name_in_look_alike_letters_is_confusable_at_any_domain(store, address):
    # a Cyrillic a or a full-width s was "a typing slip" at her domain and nothing elsewhere
    r = assess(store, address)[address]
    assert "confusable-address" in names(r) and "address-slip" not in names(r)
    assert why(r, "confusable-address") == (
        f"{address} spells the name of sarah.khan@nhs.net, whom you have written to "
        "12 times, in look-alike letters")


def test_a_new_address_shown_with_a_regular_contacts_name_is_confusable(store):
    # the reply to an impostor writing as Sarah Khan: the greeting fits the name shown, and
    # must not vouch for the address behind it
    to = "Sarah Khan <s.khan.nhs@otherorg.org>"
    r = assess(store, "s.khan.nhs@otherorg.org", to=[to], body="Dear Sarah,\n")[
        "s.khan.nhs@otherorg.org"]
    assert "sarah.khan@nhs.net" in why(r, "confusable-address")
    assert "shown with the name of sarah.khan@nhs.net" in why(r, "confusable-address")
    assert r.risk >= 0.9 and "Sarah" not in why(r, "confusable-address")  # nor its text
    titled = assess(store, "sk@otherorg.org", to=['"Khan, Dr Sarah" <sk@otherorg.org>'])
    assert "confusable-address" in names(titled["sk@otherorg.org"])
    trust = assess(store, "sk@otherorg.org",
                   to=['"KHAN, Sarah (LEEDS TEACHING HOSPITALS NHS TRUST)" <sk@otherorg.org>'])
    assert "confusable-address" in names(trust["sk@otherorg.org"])
    # the same name in an encoded word, unquoted once decoded: "Khan" and "Dr Sarah" were
    # read as two entries, and the name shown as "Dr Sarah" alone
    raw = (b"From: Alice Jones <" + SENDER.encode() + b">\r\nTo: =?utf-8?q?Khan=2C_Dr_Sarah?="
           b" <sk@otherorg.org>, bob@example-council.gov.uk\r\nSubject: Notes\r\n"
           b"Message-ID: <e@x>\r\n\r\nHello\r\n")
    got = RecipientRiskAssessor(SETTINGS).assess(
        parse(raw, Envelope(SENDER, ("sk@otherorg.org", "bob@example-council.gov.uk"))),
        Context(SETTINGS, store))
    assert "shown with the name of sarah.khan@nhs.net" in why(got[0], "confusable-address")
    # her own name at her own new address is a new contact, and another Sarah is another
    for shown, address in (("Sarah Jones", "sarah.jones@otherorg.org"),
                           ("Sarah Khan", "sarah.khan@otherorg.org")):
        r = assess(store, address, to=[f"{shown} <{address}>"], body="Dear Sarah,\n")[address]
        assert "shown with" not in " ".join(s.explanation for s in r.signals)


def test_a_known_address_shown_with_another_contacts_name_is_confusable(store):
    """A contact card saved with the wrong address: the sender sees Sarah Khan in To, and
    the NHS number goes to jo.bloggs, whom they also write to."""
    to = "Sarah Khan <jo.bloggs@fostering-partners.org.uk>"
    r = assess(store, "jo.bloggs@fostering-partners.org.uk", to=[to], body="Dear Sarah,\n")[
        "jo.bloggs@fostering-partners.org.uk"]
    assert "known-correspondent" in names(r)
    assert "shown with the name of sarah.khan@nhs.net" in why(r, "confusable-address")
    assert r.risk >= 0.8
    # as NHSmail's directory shows her, with her trust beside the name, or a team after it
    for shown in ("KHAN, Sarah (LEEDS COMMUNITY HEALTHCARE NHS TRUST)", "Khan, Sarah [LCH]",
                  "Sarah Khan - Health Visitor", "Sarah Khan, Health Visitor"):
        r = assess(store, "jo.bloggs@fostering-partners.org.uk",
                   to=[f'"{shown}" <jo.bloggs@fostering-partners.org.uk>'],
                   body="Dear Sarah,\n")["jo.bloggs@fostering-partners.org.uk"]
        assert "shown with the name of sarah.khan@nhs.net" in why(r, "confusable-address")
    # her name with her own known address, or a known address that holds some of the name
    # shown (her second address), a team's mailbox or no name at all (a collar number): each
    # written to as often, none is it
    for to, address in (("Sarah Khan <sarah.khan@nhs.net>", "sarah.khan@nhs.net"),
                        ("Sarah Khan <s.khan@leedsth.nhs.uk>", "s.khan@leedsth.nhs.uk"),
                        ("Sarah Khan <safeguarding@leedsth.nhs.uk>",
                         "safeguarding@leedsth.nhs.uk"),
                        ("Sarah Khan <khans2@leedsth.nhs.uk>", "khans2@leedsth.nhs.uk"),
                        ("DC Sarah Khan <12345@leedsth.nhs.uk>", "12345@leedsth.nhs.uk"),
                        # the name shown is the address's own, for whom it writes
                        ('"Jo Bloggs for Sarah Khan" <jo.bloggs@fostering-partners.org.uk>',
                         "jo.bloggs@fostering-partners.org.uk")):
        store.learn([Pair(SENDER, address, time.time(), 5)])
        r = assess(store, address, to=[to], body="Dear Sarah,\n")[address]
        assert "confusable-address" not in names(r), to


def test_a_new_address_shown_as_another_address_is_confusable(store):
    # '"sarah.khan@nhs.net" <s.k.1990@gmail.com>': the sender reads the partner's address in
    # the To line, and the mail goes to a stranger's (an impostor's reply kept by the
    # autocomplete); it was only "new to the organisation", like any stranger
    for to, address in (('"sarah.khan@nhs.net" <s.k.1990@gmail.com>', "s.k.1990@gmail.com"),
                        ("Sarah Khan (sarah.khan@nhs.net) <sk@freemail.example>",
                         "sk@freemail.example")):
        r = assess(store, address, to=[to])[address]
        assert why(r, "confusable-address") == (
            f"{address} is shown as sarah.khan@nhs.net, whom you have written to 12 times: "
            "the mail goes to the address behind the name, not to the one shown")
        assert r.risk >= 0.9
    # the name in an encoded word, which decodes to an unquoted 'sarah.khan@nhs.net <...>'
    raw = (b"From: Alice Jones <" + SENDER.encode() + b">\r\nTo: =?utf-8?q?sarah=2Ekhan=40nhs"
           b"=2Enet?= <s.k.1990@gmail.com>\r\nSubject: Notes\r\nMessage-ID: <e@x>\r\n\r\nHi\r\n")
    [r] = RecipientRiskAssessor(SETTINGS).assess(
        parse(raw, Envelope(SENDER, ("s.k.1990@gmail.com",))), Context(SETTINGS, store))
    assert "is shown as sarah.khan@nhs.net" in why(r, "confusable-address")
    # however often written to since: the impostor's thread has gone on
    r = assess(store, "pat@gmail.com", to=['"sarah.khan@nhs.net" <pat@gmail.com>'])
    assert "is shown as sarah.khan@nhs.net" in why(r["pat@gmail.com"], "confusable-address")
    # shown as an address no one here writes to: still not where it goes
    r = assess(store, "x@freemail.example", to=['"help@example.org" <x@freemail.example>'])
    assert why(r["x@freemail.example"], "confusable-address") == (
        "x@freemail.example is shown as help@example.org: the mail goes to the address behind "
        "the name, not to the one shown")
    # the address itself shown as its name (as Outlook writes a new one), in any case
    for to in ('"Once@Rarely.org" <once@rarely.org>', '"newbie@rarely.org" <newbie@rarely.org>'):
        address = to.rpartition("<")[2].rstrip(">")
        assert "confusable-address" not in names(assess(store, address, to=[to])[address])


def test_a_gmail_mailbox_spelled_another_way_is_not_a_contacts_name_elsewhere(store):
    # googlemail.com was Gmail's name in the UK: the same mailbox, not an impostor
    store.learn([Pair(SENDER, "sarah.khan.home@gmail.com", time.time(), 4)])
    for address in ("sarah.khan.home@googlemail.com", "sarahkhanhome@gmail.com"):
        r = assess(store, address)[address]
        assert not {"confusable-address", "address-slip"} & set(names(r))
        assert "sarah.khan.home@gmail.com" not in " ".join(s.explanation for s in r.signals)
    assert "confusable-address" in names(assess(store, "sarah.khan.home@outlook.com")[
        "sarah.khan.home@outlook.com"])


def test_a_reply_with_its_quote_deleted_flags_strangers_not_regulars(store):
    got = assess(store, "sarah.khan@nhs.net", "stranger@elsewhere.org",
                 to=["sarah.khan@nhs.net", "stranger@elsewhere.org"],
                 subject="RE: Strategy meeting", body="Yes, 10am Thursday works.\n")
    assert "not-in-thread" not in names(got["sarah.khan@nhs.net"])
    assert "not-in-thread" in names(got["stranger@elsewhere.org"])


def test_the_author_quoted_by_title_and_role_is_not_someone_else_of_the_name(store):
    store.learn([Pair(SENDER, "john.evans@cardiff.gov.uk", time.time(), 6),
                 Pair(SENDER, "john.smith@cardiff.gov.uk", time.time(), 6)])
    body = ("Noted, thank you.\n\n-----Original Message-----\nFrom: Cllr John Evans - "
            "Cabinet Member\nSent: Monday\nTo: Jones, Alice\nSubject: Casework\n")
    r = assess(store, "john.evans@cardiff.gov.uk", subject="RE: Casework", body=body)
    assert "replies-to-another" not in names(r["john.evans@cardiff.gov.uk"])
    other = assess(store, "john.smith@cardiff.gov.uk", subject="RE: Casework", body=body)
    assert "John Evans" in why(other["john.smith@cardiff.gov.uk"], "replies-to-another")


def test_one_mailbox_written_two_ways_is_assessed_once_and_the_rest_keep_their_own(store):
    # each recipient's signals must stay its own: lined up by position, Jo@ and jo@ used to
    # take the webmail recipient's signals, and the webmail recipient went unassessed
    got = assess(store, "Sarah.Khan@nhs.net", "sarah.khan@nhs.net", "councillor@gmail.com",
                 to=["Sarah.Khan@nhs.net", "sarah.khan@nhs.net", "councillor@gmail.com"])
    assert list(got) == ["Sarah.Khan@nhs.net", "councillor@gmail.com"]
    assert names(got["Sarah.Khan@nhs.net"])[:2] == ["partner", "known-correspondent"]
    assert "personal-webmail" in names(got["councillor@gmail.com"])


def test_plus_addressing_and_case_do_not_make_a_known_contact_new(store):
    r = assess(store, "Sarah.Khan+case@NHS.net")["Sarah.Khan+case@NHS.net"]
    assert "known-correspondent" in names(r)


def test_a_domain_no_one_has_written_to_is_new_to_the_organisation(store):
    r = assess(store, "x@unheard-of.example")["x@unheard-of.example"]
    assert names(r) == ["new-to-organisation", "unmentioned"]


def test_many_external_addresses_in_to_are_bulk_exposure(store):
    carers = tuple(f"carer{i}@example.org" for i in range(12))
    got = assess(store, *carers, to=carers)
    assert all("bulk-exposure" in names(r) for r in got.values())


def test_a_handful_of_private_addresses_in_to_is_bulk_exposure(store):
    # six foster carers in To see one another's gmail and hotmail addresses: the same
    # disclosure as forty, and it was nothing for being fewer than ten external addresses
    six = ("carer1@gmail.com", "carer2@hotmail.co.uk", "carer3@yahoo.co.uk",
           "carer4@gmail.com", "carer5@outlook.com", "carer6@btinternet.com")
    got = assess(store, *six, to=six)
    assert all(why(r, "bulk-exposure") == "6 personal webmail addresses are visible to every "
               "recipient in To/Cc (more than 4); use Bcc" for r in got.values())
    # four are not yet a list (both parents and two grandparents), nor six at work
    work = tuple(f"officer{i}@district{i}.gov.uk" for i in range(6))
    for few in (six[:4], work):
        assert not any("bulk-exposure" in names(r) for r in assess(store, *few, to=few).values())
    # nor in Bcc, and the number is the organisation's to set
    assert not any("bulk-exposure" in names(r) for r in assess(
        store, *six, to=["alice.jones@example-council.gov.uk"]).values())
    strict = Settings.model_validate({**SETTINGS.model_dump(mode="json"),
                                      "recipients": {"bulk_private_threshold": 1}})
    raw = make_message(sender=SENDER, to=six[:2], body="Hello,\n")
    risks = RecipientRiskAssessor(strict).assess(parse(raw, Envelope(SENDER, six[:2])),
                                                 Context(strict, store))
    assert all("bulk-exposure" in names(r) for r in risks)


def test_a_reply_to_all_who_wrote_in_together_exposes_no_one_anew(store):
    # six residents wrote in about their bins, each in the others' Cc; the officer's reply to
    # all of them was held as six private addresses exposed
    six = ("resident1@gmail.com", "resident2@hotmail.co.uk", "resident3@yahoo.co.uk",
           "resident4@gmail.com", "resident5@outlook.com", "resident6@btinternet.com")
    quote = ("Dear all,\nThe collection is on Tuesday.\n\nFrom: Jane Doe <resident1@gmail.com>\n"
             "Sent: 30 November 2026 09:12\nTo: Waste <waste@example-council.gov.uk>\n"
             f"Cc: {'; '.join(six[1:])}\nSubject: Bins\n\nNot collected again.\n")
    got = assess(store, *six, to=six[:1], cc=six[1:], subject="RE: Bins", body=quote)
    assert not any("bulk-exposure" in names(r) for r in got.values())
    # five more added to the reply are exposed to the six and to one another
    more = tuple(f"neighbour{i}@gmail.com" for i in range(5))
    got = assess(store, *six, *more, to=six[:1], cc=six[1:] + more, subject="RE: Bins",
                 body=quote)
    assert why(got[more[0]], "bulk-exposure") == (
        "5 personal webmail addresses are visible to every recipient in To/Cc (more than 4), "
        "besides those the conversation already showed; use Bcc")


def test_an_address_written_twice_is_one_exposed_and_bcc_exposes_no_one(store):
    six = tuple(f"carer{i}@example.org" for i in range(6))
    twice = assess(store, *six, to=six, cc=tuple(a.upper() for a in six))
    assert not any("bulk-exposure" in names(r) for r in twice.values())
    three = ("head@oakfield-primary.sch.uk", "reception@riverside-surgery.co.uk",
             "lettings@homes-trust.org.uk")
    circular = assess(store, *three, to=["alice.jones@example-council.gov.uk"])  # all in Bcc
    assert not any("mixed-audience" in names(r) for r in circular.values())


def test_schools_of_one_authority_and_users_of_one_mail_service_are_not_one_organisation(
        store):
    schools = ("senco@oakfield.leeds.sch.uk", "head@riverside.leeds.sch.uk",
               "office@admin.parkview.leeds.sch.uk")
    got = assess(store, *schools, to=schools)
    assert all("mixed-audience" in names(r) for r in got.values())
    assert not any("colleague-recipient" in names(r) for r in got.values())
    # two trusts on NHSmail are two strangers, not colleagues vouching for each other
    nhs = assess(store, "a.ward@nhs.net", "kiran.shah@nhs.net")
    assert "colleague-recipient" not in names(nhs["kiran.shah@nhs.net"])
    same = assess(store, "a@oakfield.leeds.sch.uk", "b@admin.oakfield.leeds.sch.uk")
    assert "colleague-recipient" in names(same["b@admin.oakfield.leeds.sch.uk"])


def test_one_message_to_three_unrelated_organisations_is_a_mixed_audience(store):
    three = ("head@oakfield-primary.sch.uk", "reception@riverside-surgery.co.uk",
             "lettings@homes-trust.org.uk")
    got = assess(store, *three, to=three)
    assert all("mixed-audience" in names(r) for r in got.values())
    assert "3 unrelated organisations" in why(got[three[0]], "mixed-audience")


def test_subdomains_webmail_and_partners_are_no_further_organisation(store):
    # one school's two offices, a parent's webmail and a partner: two organisations, not five
    mixed = ("head@oakfield-primary.sch.uk", "office@admin.oakfield-primary.sch.uk",
             "pat@gmail.com", "sarah.khan@nhs.net", "lettings@homes-trust.org.uk")
    got = assess(store, *mixed, to=mixed)
    assert not any("mixed-audience" in names(r) for r in got.values())


def test_official_sensitive_to_a_non_secure_destination_is_flagged(store):
    got = assess(store, "pat@gmail.com", "sarah.khan@nhs.net", subject="OFFICIAL-SENSITIVE: case")
    assert "protective-marking" in names(got["pat@gmail.com"])
    assert "protective-marking" not in names(got["sarah.khan@nhs.net"])


@pytest.mark.parametrize("subject, body, headers", [
    ("OFFICIAL \u2013 SENSITIVE: case", "Notes.\n", {}),
    ("OFFICIAL\u2011SENSITIVE: case", "Notes.\n", {}),  # Word's non-breaking hyphen
    ("Case notes", "Classification: OFFICIAL-SENSITIVE\n\nDear Pat,\nNotes.\n", {}),
    ("Case notes", "OFFICIAL-SENSITIVE PERSONAL\n\nNotes.\n", {}),
    ("Case notes", "Notes.\n", {"msip_labels": "MSIP_Label_1a2b_Enabled=true; "
                                  "MSIP_Label_1a2b_Name=OFFICIAL-SENSITIVE;"}),
    ("SECRET - budget", "Notes.\n", {}),
    # a Welsh council's bilingual templates: the Welsh Government's own forms
    ("SWYDDOGOL-SENSITIF / OFFICIAL-SENSITIVE: achos", "Nodiadau.\n", {}),
    ("SWYDDOGOL SENSITIF: achos", "Nodiadau.\n", {}),
    ("Achos", "Dosbarthiad: Swyddogol-Sensitif\n\nAnnwyl Pat,\nNodiadau.\n", {}),
    ("CYFRINACH - cyllideb", "Nodiadau.\n", {}),
    ("Achos", "CYFRINACH IAWN\n\nNodiadau.\n", {}),
])
def test_a_marking_however_a_council_writes_it_is_found(store, subject, body, headers):
    raw = make_message(sender=SENDER, to=["pat@gmail.com"], subject=subject, body=body)
    raw = b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + raw
    msg = parse(raw, Envelope(SENDER, ("pat@gmail.com",)))
    [r] = RecipientRiskAssessor(SETTINGS).assess(msg, Context(SETTINGS, store))
    assert "protective-marking" in names(r)


def _with_report(store, *lines: str):
    header = ('<?xml version="1.0"?><w:hdr xmlns:w="http://schemas.openxmlformats.org/'
              'wordprocessingml/2006/main"><w:p><w:r><w:t>' + lines[0] + "</w:t></w:r></w:p>"
              "</w:hdr>") if lines[0] else None
    doc = make_docx(list(lines[1:]))
    if header:
        doc = with_members(doc, {"word/header1.xml": header})
    raw = make_message(sender=SENDER, to=["pat@gmail.com"], subject="Report",
                       body="Please see attached.\n", attachments=(
                           ("Jayden Okafor.docx", "application/vnd.openxmlformats-"
                            "officedocument.wordprocessingml.document", doc),))
    msg = parse(raw, Envelope(SENDER, ("pat@gmail.com",)))
    [r] = RecipientRiskAssessor(SETTINGS).assess(msg, Context(SETTINGS, store))
    return r


def test_a_document_marked_on_its_pages_marks_the_message_that_carries_it(store):
    # the report's Word header says OFFICIAL-SENSITIVE; the note it is attached to says
    # nothing, and the report went to gmail unflagged
    r = _with_report(store, "OFFICIAL-SENSITIVE: PERSONAL", "Conference minutes.")
    assert why(r, "protective-marking") == (
        "an attachment is marked OFFICIAL-SENSITIVE or above and this destination is not on "
        "the secure list")  # not its name, which may be the child's
    assert "protective-marking" in names(_with_report(store, "", "SWYDDOGOL-SENSITIF",
                                                      "Cofnodion."))


@pytest.mark.parametrize("name, ctype, data", [
    ("minutes.pdf", "application/pdf",
     make_pdf("OFFICIAL - SENSITIVE\nChild protection conference\nPresent: ...")),
    ("list.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     make_xlsx([["OFFICIAL-SENSITIVE"], ["Name", "DOB"], ["Leo Turner", "12/03/2015"]])),
])
def test_a_pdf_or_a_spreadsheet_marked_on_a_line_of_its_own_is_marked(store, name, ctype, data):
    raw = make_message(sender=SENDER, to=["pat@gmail.com"], subject="Report",
                       body="Please see attached.\n", attachments=((name, ctype, data),))
    [r] = RecipientRiskAssessor(SETTINGS).assess(parse(raw, Envelope(SENDER, ("pat@gmail.com",))),
                                                 Context(SETTINGS, store))
    assert "an attachment is marked" in why(r, "protective-marking")


def test_a_word_report_about_another_child_than_the_one_named_is_flagged_outside(store):
    # the mother asked for Jayden's assessment; the Word file picked was Callum's
    doc = make_docx(["Child and family assessment", "Name: Callum Patel", "DOB: 03/04/2015"])
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    to = ("pat@gmail.com", "bob@example-council.gov.uk")
    raw = make_message(sender=SENDER, to=to, subject="Jayden's assessment",
                       body="Dear Pat,\nPlease see attached.\n",
                       attachments=(("assessment.docx", docx, doc),))
    got = {r.address: r for r in RecipientRiskAssessor(SETTINGS).assess(
        parse(raw, Envelope(SENDER, to)), Context(SETTINGS, store))}
    assert why(got["pat@gmail.com"], "attachment-about-another") == (
        "the message is about Jayden, but what it attaches is about Callum Patel and never "
        "names Jayden")
    assert got["pat@gmail.com"].risk == 0.0  # the wrong file, not the wrong recipient
    assert "attachment-about-another" not in names(got["bob@example-council.gov.uk"])


@pytest.mark.parametrize("lines", [
    ("", "Documents marked OFFICIAL-SENSITIVE must be locked away."),
    ("", "Handling OFFICIAL-SENSITIVE information", "Lock it away."),
    ("OFFICIAL", "The rota."),
    ("", "Secret", "Our secret recipe."),
])
def test_a_document_that_only_speaks_of_markings_is_not_marked(store, lines):
    assert "protective-marking" not in names(_with_report(store, *lines))


@pytest.mark.parametrize("subject, body", [
    ("SECRET SANTA - sign up by Friday", "Names in the hat by Friday.\n"),
    ("OFFICIAL: rota", "OFFICIAL\n\nThe rota.\n"),  # OFFICIAL alone is no marking
    ("Rota", "The secret of a good rota is planning, not OFFICIAL-SENSITIVE data.\n"),
    ("SWYDDOGOL: rota", "SWYDDOGOL\n\nY rota.\n"),  # SWYDDOGOL (OFFICIAL) alone is none
    ("Rota", "Y gyfrinach yw cynllunio. Cyfrinach arall: te.\n"),  # secret, in prose
    ("CYFRINACH Y MÔR - book club", "Nodiadau.\n"),  # a title, not a marking
])
def test_what_is_no_marking_is_not_one(store, subject, body):
    got = assess(store, "pat@gmail.com", subject=subject, body=body)
    assert "protective-marking" not in names(got["pat@gmail.com"])


def test_the_senders_signature_and_places_name_no_one_else(store):
    for address in ("gareth.jones@elsewhere.org", "emma.hall@elsewhere.org",
                    "james.court@elsewhere.org"):
        got = assess(store, address, body="The hearing at the Family Court is in the Civic "
                     "Hall.\n\nKind regards,\nAlice Jones\n")
        assert "names-someone-else" not in names(got[address])
    named = assess(store, "emma.hall@elsewhere.org", body="Carl Hall will attend.\n")
    assert "Carl Hall" in why(named["emma.hall@elsewhere.org"], "names-someone-else")


def test_a_reply_to_all_greets_its_author_without_turning_away_the_others_in_it(store):
    quoted = ("Hi Sarah,\nThanks, agreed.\n\n-----Original Message-----\nFrom: Sarah Khan\n"
              "Sent: Monday\nTo: Alice Jones\nCc: Priya Desai\nSubject: Panel\n")
    got = assess(store, "sarah.khan@nhs.net", "priya.desai@leedsbeckett.ac.uk",
                 to=["sarah.khan@nhs.net"], cc=["priya.desai@leedsbeckett.ac.uk"],
                 subject="RE: Panel", body=quoted)
    assert "greets-another" not in names(got["priya.desai@leedsbeckett.ac.uk"])
    stranger = assess(store, "sarah.khan@nhs.net", "tom.baker@elsewhere.org",
                      to=["sarah.khan@nhs.net"], cc=["tom.baker@elsewhere.org"],
                      subject="RE: Panel", body=quoted)
    assert "greets-another" in names(stranger["tom.baker@elsewhere.org"])


def test_a_reply_to_all_that_discusses_a_recipient_while_greeting_another_is_flagged(store):
    # the mother started the thread; the answer to the health visitor about her went to her
    thread_ = ("\n\nFrom: Pat Doyle <pat@gmail.com>\nSent: 01 December 2026 10:00\n"
               "To: Alice Jones; Sarah Khan\nSubject: Jayden\n\nCan we move the visit?\n")
    to = ["sarah.khan@nhs.net", "Pat Doyle <pat@gmail.com>"]
    got = assess(store, "sarah.khan@nhs.net", "pat@gmail.com", to=to, subject="RE: Jayden",
                 body="Hi Sarah,\nPat has not engaged again, so we will consider legal "
                      "planning.\nAlice" + thread_)
    parent = got["pat@gmail.com"]
    assert "written-about" in names(parent) and parent.risk >= 0.9
    assert why(parent, "written-about") == (
        "the message writes about Pat, who could be pat@gmail.com, while it greets Sarah: a "
        "reply to all reaches the person it discusses")
    assert "written-about" not in names(got["sarah.khan@nhs.net"])  # a partner is not asked
    # the same news told to her is not
    got = assess(store, "sarah.khan@nhs.net", "pat@gmail.com", to=to, subject="RE: Jayden",
                 body="Hi Sarah and Pat,\nWe will move the visit to Thursday.\nAlice" + thread_)
    assert "written-about" not in names(got["pat@gmail.com"])
    # the answer meant for the health visitor, sent to the mother alone
    got = assess(store, "pat@gmail.com", to=["Pat Doyle <pat@gmail.com>"], subject="RE: Jayden",
                 body="Hi Sarah,\nPat has not engaged again.\nAlice" + thread_)
    assert why(got["pat@gmail.com"], "written-about").endswith(
        "while it greets Sarah: what was meant for Sarah, who is not a recipient, goes to the "
        "person it discusses")


def test_a_greeting_of_one_and_their_team_turns_away_none_of_the_team(store):
    to = ("sarah.khan@nhs.net", "tom.baker@elsewhere.org")
    got = assess(store, *to, to=to, body="Hi Sarah and team,\nThe referral.\n")
    assert "greets-another" not in names(got["tom.baker@elsewhere.org"])
    got = assess(store, *to, to=to, body="Hi Sarah,\nThe referral.\n")
    assert "greets-another" in names(got["tom.baker@elsewhere.org"])


def test_a_surname_shared_with_an_initials_address_names_no_one_else(store):
    store.learn([Pair(SENDER, "a.khan@bradford.gov.uk", time.time(), 4)])
    got = assess(store, "sarah.khan@nhs.net", body="Dear Dr Khan,\nThe clinic letter.\n")
    assert "names-another" not in names(got["sarah.khan@nhs.net"])


def test_a_shared_mailbox_may_be_greeted_by_its_readers_name(store):
    for mailbox in ("head@stmarys.leeds.sch.uk", "reception@parkview-surgery.nhs.uk",
                    "mash@bradford.gov.uk"):
        got = assess(store, mailbox, body="Dear Mrs Patel,\nPlease see the attached.\n")
        assert "salutation-mismatch" not in names(got[mailbox])


def test_a_greeting_that_fits_a_recipient_by_name_is_not_credited_to_another_by_initial(store):
    # "Hi Sarah" credited safeguarding@ (s + afeguarding, as smurphy@ is Suzanne's), which lost
    # greets-another and unmentioned and fell from 0.999 to 0.873
    to = ("sarah.khan@nhs.net", "safeguarding@unknownco.org.uk", "smurphy@unknownco.org.uk")
    got = assess(store, *to, to=to, body="Hi Sarah,\nThe referral.\n")
    for other in to[1:]:
        assert "greeted" not in names(got[other]) and "greets-another" in names(got[other])
    # with no one greeted by name, the initial run still fits (and never a role mailbox)
    got = assess(store, "smurphy@unknownco.org.uk", "safeguarding@unknownco.org.uk",
                 body="Hi Suzanne,\nThe referral.\n")
    assert "greeted" in names(got["smurphy@unknownco.org.uk"])
    assert "greeted" not in names(got["safeguarding@unknownco.org.uk"])
    # each person greeted by themselves: Sarah by name does not take John's initial away
    to = ("sarah.khan@nhs.net", "j.smith@nhs.net")
    got = assess(store, *to, to=to, body="Hi Sarah and John,\nThe referral.\n")
    assert "greeted" in names(got["j.smith@nhs.net"])
    assert not any("greets-another" in names(got[t]) for t in to)


def test_a_name_with_digits_is_a_persons_mailbox_not_a_role(store):
    # dchristo2@ was a shared mailbox, which no greeting could fit or miss
    got = assess(store, "dchristo2@attglobal.net", body="Dear Sarah,\nPlease see below.\n")
    assert "salutation-mismatch" in names(got["dchristo2@attglobal.net"])
    for role in ("team2@attglobal.net", "year7.office@oakfield.sch.uk"):
        got = assess(store, role, body="Dear Sarah,\nPlease see below.\n")
        assert "salutation-mismatch" not in names(got[role])


def test_an_address_with_no_name_in_it_may_be_the_one_greeted(store):
    # "Dear Sophie" to ab123@ (a student or staff number) was "no recipient has that name"
    got = assess(store, "ab123@uni.example.ac.uk", body="Dear Sophie,\nPlease see below.\n")
    assert "salutation-mismatch" not in names(got["ab123@uni.example.ac.uk"])
    # unless To gives it a name that is not the one greeted
    got = assess(store, "ab123@uni.example.ac.uk", to=["Tom Baker <ab123@uni.example.ac.uk>"],
                 body="Dear Sophie,\nPlease see below.\n")
    assert "salutation-mismatch" in names(got["ab123@uni.example.ac.uk"])


def test_a_two_letter_first_name_written_in_the_message_mentions_its_owner(store):
    # "Jo, can you pick this up?" to jo.smith@ was "the message does not mention them"
    got = assess(store, "jo.smith@newpartner.org", body="Jo, can you pick this up?\n")
    assert "unmentioned" not in names(got["jo.smith@newpartner.org"])
    for body in ("Jobs list below.\n", "JO BLOGGS ltd\n", "Please see below.\n"):
        got = assess(store, "jo.smith@newpartner.org", body=body)
        assert "unmentioned" in names(got["jo.smith@newpartner.org"]), body


def test_a_rare_correspondent_is_not_called_new(store):
    # "written to only once" sat beside "is new to you"
    store.learn([Pair(SENDER, "mark.lay@solutions.example.org", time.time() - 86400, 1)])
    r = assess(store, "mark.lay@solutions.example.org")["mark.lay@solutions.example.org"]
    assert why(r, "unmentioned") == ("mark.lay@solutions.example.org is someone you have "
                                     "written to only once and the message's subject and text "
                                     "do not mention them by name")


def test_a_recipient_the_message_does_not_mention_is_not_also_named_by_it(store):
    # "Benefit" in the subject made benefits@ "named", beside "does not mention them"
    r = assess(store, "benefits@advice-centre.org.uk", subject="Benefit appeal",
               body="Please see the attached.\n")["benefits@advice-centre.org.uk"]
    assert "unmentioned" in names(r) and "named-in-message" not in names(r)


def test_a_greeting_under_a_marking_line_is_read(store):
    got = assess(store, "tom.baker@elsewhere.org",
                 body="Classification: OFFICIAL-SENSITIVE\nPrivate and Confidential\n"
                      "Dear Sarah,\nPlease see below.\n")
    assert "salutation-mismatch" in names(got["tom.baker@elsewhere.org"])


def test_a_salutation_no_recipient_matches_is_flagged(store):
    got = assess(store, "pat@gmail.com", body="Dear Sarah,\nPlease see below.\n")
    assert "salutation-mismatch" in names(got["pat@gmail.com"])
    got = assess(store, "sarah.khan@nhs.net", body="Dear Sarah,\nPlease see below.\n")
    assert "salutation-mismatch" not in names(got["sarah.khan@nhs.net"])


def test_a_greeting_to_a_team_or_a_role_is_no_salutation_mismatch(store):
    for hello in ("Dear Safeguarding Hub,", "Dear Practice Manager,", "Dear Social Worker,"):
        got = assess(store, "pat@gmail.com", body=f"{hello}\nA referral.\n")
        assert "salutation-mismatch" not in names(got["pat@gmail.com"]), hello


def test_a_welsh_greeting_is_read_like_an_english_one(store):
    got = assess(store, "sian.hughes@newpartner.org", body="Annwyl Siân,\nY rota.\n")
    assert "greeted" in names(got["sian.hughes@newpartner.org"])
    got = assess(store, "pat@gmail.com", body="Annwyl Siân,\nY rota.\n")
    assert "salutation-mismatch" in names(got["pat@gmail.com"])
    got = assess(store, "pat@gmail.com", body="Annwyl Riant/Gwarcheidwad,\nY rota.\n")
    assert "salutation-mismatch" not in names(got["pat@gmail.com"])


def test_a_greeting_in_another_spelling_of_the_recipients_name_is_no_mismatch(store):
    """Muhammad Khan greeted as Mohammed, with Mohammed Ali among the sender's contacts:
    one name in two spellings, not the other Mohammed."""
    store.learn([Pair(SENDER, "mohammed.ali@nhs.net", time.time() - 86400, 9),
                 Pair(SENDER, "muhammad.khan@nhs.net", time.time() - 86400, 4)])
    got = assess(store, "muhammad.khan@nhs.net", body="Dear Mohammed,\nNotes attached.\n")
    r = got["muhammad.khan@nhs.net"]
    assert "has-namesake" in names(r)
    assert not {"salutation-mismatch", "names-another", "greets-another"} & set(names(r))
    got = assess(store, "mahmood.khan@nhs.net", body="Dear Mohammed,\nNotes attached.\n")
    assert "salutation-mismatch" in names(got["mahmood.khan@nhs.net"])  # another name


def test_the_score_only_rises_with_each_added_signal():
    a = RecipientRiskAssessor(SETTINGS)
    from dlpgate.model import Signal

    base = [Signal("new-to-sender", "", 0.35)]
    more = base + [Signal("personal-webmail", "", 0.3)]
    most = more + [Signal("lookalike-domain", "", 0.95)]
    assert a.score(base) < a.score(more) < a.score(most) <= 1.0


def test_without_a_store_recipients_are_placed_by_domain_only():
    raw = make_message(to=("x@example.org",))
    r = RecipientRiskAssessor(SETTINGS).assess(parse(raw, Envelope(SENDER, ("x@example.org",))),
                                               Context(SETTINGS, None))
    assert names(r[0])[0] == "new-to-organisation"


def test_a_new_contact_the_message_never_names_is_flagged(store):
    got = assess(store, "k.patel@newpartner.org", body="Please see the attached figures.\n")
    assert "unmentioned" in names(got["k.patel@newpartner.org"])
    got = assess(store, "k.patel@newpartner.org", body="Dear Kiran Patel,\nThe figures.\n")
    assert "unmentioned" not in names(got["k.patel@newpartner.org"])


def test_a_reply_to_someone_outside_the_conversation_is_flagged(store):
    quoted = "Thanks.\n\n-----Original Message-----\nFrom: Sarah Khan\nTo: Alice Jones\nHi\n"
    got = assess(store, "sarah.khan@nhs.net", "pat@gmail.com", subject="RE: visit", body=quoted)
    assert "not-in-thread" not in names(got["sarah.khan@nhs.net"])
    assert "not-in-thread" in names(got["pat@gmail.com"])


def test_a_message_that_fits_a_similarly_named_contact_better_is_flagged(store):
    from dlpgate.detect.profile import fingerprint

    store.learn([Pair(SENDER, "sarah.khan@fostering-partners.org.uk", time.time(), 4)])
    about = make_message(subject="Kinship assessment Tyler", body=(
        "The kinship placement review for Tyler, with the fostering panel minutes."))
    tokens = fingerprint(parse(about), store.profile_key())
    store.learn_profiles([(SENDER, "sarah.khan@nhs.net", tokens)] * 3)
    got = assess(store, "sarah.khan@fostering-partners.org.uk",
                 subject="Kinship assessment Tyler",
                 body="Update on the kinship placement review for Tyler before the panel.")
    r = got["sarah.khan@fostering-partners.org.uk"]
    assert "content-fits-another" in names(r)
    assert "sarah.khan@nhs.net" in why(r, "content-fits-another")
    got = assess(store, "sarah.khan@nhs.net", subject="Kinship assessment Tyler",
                 body="Update on the kinship placement review for Tyler before the panel.")
    assert "content-fits-another" not in names(got["sarah.khan@nhs.net"])


def test_someone_added_to_a_group_usually_written_to_together_is_flagged(store):
    team = ("sarah.khan@nhs.net", "jo.bloggs@fostering-partners.org.uk", "pat@gmail.com")
    store.learn_groups([(SENDER, team)] * 3)
    got = assess(store, *team, "someone.new@example.org", body="Dear Sarah, Jo and Pat,\n")
    assert "unusual-group" in names(got["someone.new@example.org"])
    assert all("unusual-group" not in names(got[a]) for a in team)


def test_a_slip_in_a_contacts_local_part_is_flagged_but_a_separator_variant_is_not(store):
    got = assess(store, "sarah.kahn@nhs.net", "sarah_khan@nhs.net", body="Dear Sarah,\n")
    assert "address-slip" in names(got["sarah.kahn@nhs.net"])
    assert got["sarah.kahn@nhs.net"].risk >= 0.9
    assert "address-slip" not in names(got["sarah_khan@nhs.net"])


def test_a_numbered_namesake_at_the_same_domain_is_said_to_be_likely_someone_else(store):
    """NHSmail numbers the Sarah Khans it holds: sarah.khan3@ is another person more often
    than a typo, and "typing slip" would send the sender looking for one."""
    r = assess(store, "sarah.khan3@nhs.net", body="Dear Sarah,\n")["sarah.khan3@nhs.net"]
    assert "address-slip" in names(r) and r.risk >= 0.9
    assert why(r, "address-slip") == (
        "sarah.khan3@nhs.net differs only by a number from sarah.khan@nhs.net, whom you have "
        "written to 12 times: directories number people who share a name, so this is likely "
        "someone else")
    typo = assess(store, "sarah.kahn@nhs.net", body="Dear Sarah,\n")["sarah.kahn@nhs.net"]
    assert "is a typing slip from sarah.khan@nhs.net" in why(typo, "address-slip")
    # the same digits in another order are a finger's slip, not a directory's numbering
    store.learn([Pair(SENDER, "john.smith85@gmail.com", time.time(), 4)])
    swapped = assess(store, "john.smith58@gmail.com")["john.smith58@gmail.com"]
    assert why(swapped, "address-slip") == (
        "john.smith58@gmail.com is a typing slip from john.smith85@gmail.com, whom you have "
        "written to 4 times")


def test_an_address_typed_wrong_from_a_name_in_the_thread_is_a_slip(store):
    quoted = ("Hi Barbara - does the panel need this?\n\n-----Original Message-----\n"
              "From: Paige, Barbara\nSent: Friday 16 March 2001 13:47\nSubject: Rota\n\n"
              "The rota is attached.\n")
    got = assess(store, "barbara.ppaige@example-council.gov.uk", subject="RE: Rota", body=quoted)
    r = got["barbara.ppaige@example-council.gov.uk"]
    assert "address-slip" in names(r)
    assert "in the name Barbara Paige" in why(r, "address-slip")
    got = assess(store, "barbara.paige@example-council.gov.uk", subject="RE: Rota", body=quoted)
    assert "address-slip" not in names(got["barbara.paige@example-council.gov.uk"])


def test_an_address_the_message_spells_out_as_a_name_is_no_slip(store):
    store.learn([Pair(SENDER, "daronoff@greylock.example", time.time(), 4)])
    sent_to = "Gentlemen,\nThe call is on Thursday.\n\nSent to:\nDavid Arnoff, Greylock\n"
    r = assess(store, "darnoff@greylock.example", body=sent_to)["darnoff@greylock.example"]
    assert "address-slip" not in names(r) and "unmentioned" not in names(r)
    r = assess(store, "darnof@greylock.example", body=sent_to)["darnof@greylock.example"]
    assert "in the name David Arnoff" in why(r, "address-slip")


def test_an_internal_address_no_one_has_written_to_is_unknown(store):
    got = assess(store, "bob@example-council.gov.uk", "rbo@example-council.gov.uk")
    assert "unknown-address" not in names(got["bob@example-council.gov.uk"])
    assert "unknown-address" in names(got["rbo@example-council.gov.uk"])


def test_the_only_stranger_among_regular_correspondents_is_a_newcomer(store):
    got = assess(store, "sarah.khan@nhs.net", "pat@gmail.com", "x@unheard-of.example")
    assert "newcomer" in names(got["x@unheard-of.example"])
    assert "newcomer" not in names(got["sarah.khan@nhs.net"])
    got = assess(store, "x@unheard-of.example", "y@unheard-of.example")  # a new audience
    assert all("newcomer" not in names(r) for r in got.values())
    # a colleague new to the sender among regulars is a new team member as often as not
    got = assess(store, "sarah.khan@nhs.net", "new.starter@example-council.gov.uk")
    assert "newcomer" not in names(got["new.starter@example-council.gov.uk"])


def test_a_namesake_who_is_written_to_with_these_recipients_is_the_group_fit(store):
    now = time.time()
    store.learn([Pair(SENDER, "sarah.jones@nhs.net", now, 2)])
    store.learn_groups([(SENDER, ("sarah.khan@nhs.net", "pat@gmail.com"))] * 3)
    got = assess(store, "sarah.jones@nhs.net", "pat@gmail.com", body="Dear Sarah and Pat,\n")
    r = got["sarah.jones@nhs.net"]
    assert "group-fits-another" in names(r)
    assert "sarah.khan@nhs.net 3 times" in why(r, "group-fits-another")
    got = assess(store, "sarah.khan@nhs.net", "pat@gmail.com", body="Dear Sarah and Pat,\n")
    assert "group-fits-another" not in names(got["sarah.khan@nhs.net"])


def test_the_other_sarah_on_a_distribution_list_is_the_group_fit(store):
    carers = [f"carer{i}@fostering-partners.org.uk" for i in range(30)]
    store.learn_groups([(SENDER, ("sarah.khan@nhs.net", *carers))] * 3)
    store.learn([Pair(SENDER, "sarah.jones@nhs.net", time.time(), 2)])
    got = assess(store, "sarah.jones@nhs.net", *carers, body="Dear all,\n")
    r = got["sarah.jones@nhs.net"]
    assert "group-fits-another" in names(r)
    assert why(r, "group-fits-another") == (
        "you have sent to this list of 31 with sarah.khan@nhs.net on it before, never with "
        "sarah.jones@nhs.net")
    got = assess(store, "sarah.khan@nhs.net", *carers, body="Dear all,\n")
    assert all("group-fits-another" not in names(x) for x in got.values())


def test_the_other_sarah_is_the_list_fit_though_she_has_met_one_member_of_it(store):
    carers = [f"carer{i}@fostering-partners.org.uk" for i in range(30)]
    store.learn_groups([(SENDER, ("sarah.khan@nhs.net", *carers))] * 3)
    store.learn([Pair(SENDER, "sarah.jones@nhs.net", time.time(), 2)])
    first, second, *_ = [a for a in anchors(["sarah.jones@nhs.net", *carers]) if "carer" in a]
    store.learn_groups([(SENDER, ("sarah.jones@nhs.net", first))])
    got = assess(store, "sarah.jones@nhs.net", *carers, body="Dear all,\n")
    assert "only once alongside its members" in why(got["sarah.jones@nhs.net"],
                                                    "group-fits-another")
    store.learn_groups([(SENDER, ("sarah.jones@nhs.net", second))])  # on the list, it seems
    got = assess(store, "sarah.jones@nhs.net", *carers, body="Dear all,\n")
    assert "group-fits-another" not in names(got["sarah.jones@nhs.net"])


def test_someone_joining_a_list_is_no_group_fit_for_a_namesake_on_it(store):
    carers = [f"carer{i}@fostering-partners.org.uk" for i in range(30)]
    store.learn_groups([(SENDER, ("sarah.khan@nhs.net", *carers))] * 3)
    got = assess(store, "sarah.smith@nhs.net", *carers, body="Dear all,\n")
    assert "group-fits-another" not in names(got["sarah.smith@nhs.net"])


def test_a_rarely_used_namesake_of_a_regular_contact_is_flagged(store):
    store.learn([Pair(SENDER, "sarah.jones@nhs.net", time.time(), 1)])
    r = assess(store, "sarah.jones@nhs.net", body="Dear Sarah,\n")["sarah.jones@nhs.net"]
    assert "usual-namesake" in names(r)
    assert "sarah.khan@nhs.net (12 times)" in why(r, "usual-namesake")
    r = assess(store, "sarah.khan@nhs.net", body="Dear Sarah,\n")["sarah.khan@nhs.net"]
    assert "usual-namesake" not in names(r)  # the regular one is the usual one


def test_the_usual_namesake_left_for_one_written_to_since_is_no_longer_the_usual_one(tmp_path):
    """Sarah Khan's cases ended two months ago; Sarah Jones has had this month's mail."""
    now = time.time()
    s = SQLiteStore(f"sqlite:///{tmp_path}/moved.db")
    s.learn([Pair(SENDER, "sarah.khan@nhs.net", now - 60 * 86400, 12),
             Pair(SENDER, "sarah.jones@nhs.net", now - 10 * 86400, 1)])
    r = assess(s, "sarah.jones@nhs.net", body="Dear Sarah,\n")["sarah.jones@nhs.net"]
    assert "has-namesake" in names(r) and "usual-namesake" not in names(r)
    s.learn([Pair(SENDER, "sarah.khan@nhs.net", now - 86400, 1)])  # written to again
    r = assess(s, "sarah.jones@nhs.net", body="Dear Sarah,\n")["sarah.jones@nhs.net"]
    assert "usual-namesake" in names(r)
    s.close()


def test_a_namesake_met_only_on_a_circular_is_flagged_on_a_message_to_a_few(tmp_path):
    """Karen Myer was one of 171 on last year's memo; Karen Owens is written to every week."""
    now = time.time()
    s = SQLiteStore(f"sqlite:///{tmp_path}/circular.db")
    s.learn([Pair(SENDER, "karen.owens@nhs.net", now - 86400, 20, audience=1),
             Pair(SENDER, "karen.myer@nhs.net", now - 300 * 86400, audience=171)])
    r = assess(s, "karen.myer@nhs.net", body="Dear Karen,\n")["karen.myer@nhs.net"]
    assert why(r, "circular-only") == (
        "you have written to karen.myer@nhs.net once, on a circular (never to fewer than 171 "
        "people), and this message goes to them alone")
    assert r.risk >= 0.9
    assert "circular-only" not in names(assess(s, "karen.owens@nhs.net")["karen.owens@nhs.net"])
    crowd = [f"member{i}@nhs.net" for i in range(30)]
    got = assess(s, "karen.myer@nhs.net", *crowd)  # on another circular, she belongs
    assert "circular-only" not in names(got["karen.myer@nhs.net"])
    s.learn([Pair(SENDER, "karen.myer@nhs.net", now - 200 * 86400, audience=40)])
    again = assess(s, "karen.myer@nhs.net")["karen.myer@nhs.net"]
    assert "twice, on circulars (never to fewer than 40 people)" in why(again, "circular-only")
    s.learn([Pair(SENDER, "karen.myer@nhs.net", now - 100 * 86400, audience=40)])
    regular = assess(s, "karen.myer@nhs.net")["karen.myer@nhs.net"]  # three circulars: a
    assert "circular-only" not in names(regular)  # regular on the lists, not a stranger
    s.learn([Pair(SENDER, "karen.mills@nhs.net", now - 300 * 86400, audience=171),
             Pair(SENDER, "karen.mills@nhs.net", now - 86400, audience=2)])  # and a note
    assert "circular-only" not in names(assess(s, "karen.mills@nhs.net")["karen.mills@nhs.net"])
    s.learn([Pair(SENDER, "ali.green@nhs.net", now - 300 * 86400, audience=171)])
    alone = assess(s, "ali.green@nhs.net")["ali.green@nhs.net"]  # no one to be taken for
    assert "circular-only" not in names(alone)
    s.close()


def test_a_recipient_with_a_namesake_among_the_senders_contacts_is_a_little_riskier(store):
    store.learn([Pair(SENDER, "sarah.jones@nhs.net", time.time(), 12)])
    got = assess(store, "sarah.jones@nhs.net", "jo.bloggs@fostering-partners.org.uk")
    r = got["sarah.jones@nhs.net"]
    assert "sarah.khan@nhs.net, whose name is like sarah.jones@nhs.net's" in \
        why(r, "has-namesake")
    assert 0 < r.risk < 0.1  # a chance of the autocomplete's mix-up, not evidence of one
    plain = got["jo.bloggs@fostering-partners.org.uk"]
    assert "has-namesake" not in names(plain) and r.risk > plain.risk


def test_a_contact_left_for_months_when_a_namesake_was_written_to_this_week_is_flagged(store):
    """Sarah Patel's case closed in the spring; Sarah Khan (yesterday) is the Sarah of now."""
    store.learn([Pair(SENDER, "sarah.patel@nhs.net", time.time() - 200 * 86400, 5)])
    old = assess(store, "sarah.patel@nhs.net")["sarah.patel@nhs.net"]
    assert "current-namesake" in names(old) and old.risk >= 0.9
    assert why(old, "current-namesake") == (
        "you last wrote to sarah.patel@nhs.net 200 days ago, and to sarah.khan@nhs.net, "
        "whose name is like it, 1 day ago")
    store.learn([Pair(SENDER, "sarah.patel@nhs.net", time.time() - 10 * 86400, 1)])
    lately = assess(store, "sarah.patel@nhs.net")["sarah.patel@nhs.net"]
    assert "current-namesake" not in names(lately) and lately.risk < 0.1


def test_either_store_tells_a_left_contact_from_a_current_namesake(any_store):
    now = time.time()
    any_store.learn([Pair(SENDER, "sarah.khan@nhs.net", now - 86400, 12),
                     Pair(SENDER, "sarah.patel@nhs.net", now - 200 * 86400, 5)])
    got = assess(any_store, "sarah.patel@nhs.net")["sarah.patel@nhs.net"]
    assert "current-namesake" in names(got)
    assert "200 days ago" in why(got, "current-namesake")


def test_the_usual_namesake_is_not_counted_twice_as_the_current_one(store):
    store.learn([Pair(SENDER, "sarah.jones@nhs.net", time.time() - 200 * 86400, 1)])
    got = assess(store, "sarah.jones@nhs.net")["sarah.jones@nhs.net"]
    assert "usual-namesake" in names(got) and "current-namesake" not in names(got)


def test_both_namesakes_on_one_message_were_both_meant(store):
    store.learn([Pair(SENDER, "sarah.jones@nhs.net", time.time(), 1)])
    got = assess(store, "sarah.jones@nhs.net", "sarah.khan@nhs.net", body="Dear both,\n")
    assert "usual-namesake" not in names(got["sarah.jones@nhs.net"])


def test_someone_the_sender_habitually_copies_into_conversations_is_not_a_stranger(store):
    quoted = ("Noted.\n\n-----Original Message-----\nFrom: Sarah Khan\nTo: Alice Jones\n"
              "Sent: Monday\nSubject: visit\nHi Alice\n")
    pa = "dee.patel@example-council.gov.uk"

    def reply():
        return assess(store, "sarah.khan@nhs.net", pa, subject="RE: visit", body=quoted)[pa]

    store.learn([Pair(SENDER, pa, time.time(), joined=1)])
    once = reply()
    assert "not-in-thread" in names(once) and once.risk >= 0.98
    store.learn([Pair(SENDER, pa, time.time(), joined=1)])
    habit = reply()
    assert "not-in-thread" not in names(habit) and habit.risk == 0.0
    assert "copied them into 2 conversations before" in why(habit, "often-copied-in")
    # another sender's habit is not this sender's
    store.learn([Pair("bob@example-council.gov.uk", "raj@example-council.gov.uk", time.time(),
                      count=5, joined=5)])
    raj = assess(store, "sarah.khan@nhs.net", "raj@example-council.gov.uk", subject="RE: visit",
                 body=quoted)["raj@example-council.gov.uk"]
    assert "not-in-thread" in names(raj)


def test_a_thread_needs_every_name_word_of_a_recipient(store):
    store.learn([Pair(SENDER, "sarah.patel@nhs.net", time.time(), 4)])
    quoted = ("Noted.\n\n-----Original Message-----\nFrom: Sarah Khan\nTo: Alice Jones\n"
              "Sent: Monday\nSubject: visit\nHi Alice\n")
    got = assess(store, "sarah.patel@nhs.net", subject="RE: visit", body=quoted)
    assert "not-in-thread" in names(got["sarah.patel@nhs.net"])  # the other Sarah
    got = assess(store, "sarah.khan@nhs.net", subject="RE: visit", body=quoted)
    assert "not-in-thread" not in names(got["sarah.khan@nhs.net"])


_VISIT = ("\n\n-----Original Message-----\nFrom: Sarah Khan\nTo: Alice Jones\n"
          "Sent: Monday\nSubject: visit\nHi Alice\n")


@pytest.mark.parametrize("said", [
    "Hi Sarah, copying in Mark, who will visit.",
    "Hi Sarah and Mark,\nMark will visit.",
    "Hi Sarah,\nMark - copying you in for the visit.",
    "Hi Sarah,\n@Mark Brown can you visit?",
    "Hi Sarah, I have cc'd my colleague Mark.",
    "Hi Sarah,\nThanks for this. Mark, could you visit on Monday?",
])
def test_a_colleague_a_reply_brings_in_by_name_was_added_on_purpose(store, said):
    store.learn([Pair(SENDER, "m.brown@leedsth.nhs.uk", time.time(), 6)])
    got = assess(store, "sarah.khan@nhs.net", "m.brown@leedsth.nhs.uk", subject="RE: visit",
                 body=said + _VISIT, cc=["Mark Brown <m.brown@leedsth.nhs.uk>"])
    mark = got["m.brown@leedsth.nhs.uk"]
    assert "not-in-thread" not in names(mark) and mark.risk < 0.5


def test_a_name_that_fits_another_contact_or_the_quoted_thread_brings_in_no_one(store):
    """Copying in "Mark" when the sender writes to two Marks: the autocomplete may have
    picked the wrong one, which is what not-in-thread is there for; so when the Mark is
    one the quoted conversation names."""
    store.learn([Pair(SENDER, "m.brown@leedsth.nhs.uk", time.time(), 6)])
    body = "Hi Sarah, copying in Mark." + _VISIT
    shown = ["Mark Brown <m.brown@leedsth.nhs.uk>"]
    alone = assess(store, "sarah.khan@nhs.net", "m.brown@leedsth.nhs.uk", subject="RE: visit",
                   body=body, cc=shown)
    assert "not-in-thread" not in names(alone["m.brown@leedsth.nhs.uk"])
    quoting_mark = assess(store, "sarah.khan@nhs.net", "m.brown@leedsth.nhs.uk",
                          subject="RE: visit", body=body + "Mark Patel will join us.\n",
                          cc=shown)
    assert why(quoting_mark["m.brown@leedsth.nhs.uk"], "not-in-thread").endswith(
        "; the message brings in Mark, but the conversation it quotes names a Mark too")
    store.learn([Pair(SENDER, "mark.bryant@fosterline.org.uk", time.time(), 5)])
    two_marks = assess(store, "sarah.khan@nhs.net", "m.brown@leedsth.nhs.uk",
                       subject="RE: visit", body=body, cc=shown)
    assert why(two_marks["m.brown@leedsth.nhs.uk"], "not-in-thread") == (
        "this replies to or forwards a conversation that m.brown@leedsth.nhs.uk was not part "
        "of; the message brings in Mark, but you also write to mark.bryant@fosterline.org.uk")


def test_a_stranger_brought_in_by_name_is_neither_unmentioned_nor_greeted_away(store):
    got = assess(store, "sarah.khan@nhs.net", "ann.lee@elsewhere.org.uk", subject="RE: visit",
                 body="Hi Sarah,\nAnn - copying you in." + _VISIT,
                 cc=["Ann Lee <ann.lee@elsewhere.org.uk>"])
    ann = names(got["ann.lee@elsewhere.org.uk"])
    assert not {"not-in-thread", "unmentioned", "greets-another"} & set(ann)
    assert "new-to-organisation" in ann  # still someone no one here has written to


def test_a_reply_to_another_sarah_than_the_one_who_wrote_is_flagged(store):
    """Sarah Khan wrote, with Sarah Patel copied in; the reply goes to sarah.patel alone.
    The conversation had her in it, so only the author line tells."""
    store.learn([Pair(SENDER, "sarah.patel@nhs.net", time.time(), 4)])
    quoted = ("Noted.\n\n-----Original Message-----\nFrom: Khan, Sarah "
              "[mailto:sarah.khan@nhs.net]\nSent: Monday\nTo: Jones, Alice; Patel, Sarah\n"
              "Subject: visit\nHi Alice\n")
    wrong = assess(store, "sarah.patel@nhs.net", subject="RE: visit",
                   body=quoted)["sarah.patel@nhs.net"]
    assert "not-in-thread" not in names(wrong)
    assert "replies-to-another" in names(wrong) and wrong.risk >= 0.9
    assert why(wrong, "replies-to-another") == (
        "this replies to Sarah Khan's message, and Sarah Khan is not a recipient: "
        "sarah.patel@nhs.net only shares the name Sarah")
    both = assess(store, "sarah.khan@nhs.net", "sarah.patel@nhs.net", subject="RE: visit",
                  body=quoted)
    assert not any("replies-to-another" in names(r) for r in both.values())
    forward = assess(store, "sarah.patel@nhs.net", subject="FW: visit", body=quoted)
    assert "replies-to-another" not in names(forward["sarah.patel@nhs.net"])


def test_a_slip_from_an_address_in_the_quoted_thread_is_flagged(store):
    quoted = ("Will do.\n\n-----Original Message-----\nFrom: Theo Schwab "
              "<theo.schwab@rssmb-partners.com>\nSent: Monday\nSubject: rates\n")
    got = assess(store, "theo.schwab@rssbm-partners.com", subject="RE: rates", body=quoted)
    r = got["theo.schwab@rssbm-partners.com"]
    assert "lookalike-domain" in names(r) and r.risk >= 0.95
    got = assess(store, "theo.shwab@rssmb-partners.com", subject="RE: rates", body=quoted)
    r = got["theo.shwab@rssmb-partners.com"]
    assert "address-slip" in names(r) and "in the conversation" in \
        why(r, "address-slip")
    got = assess(store, "theo.schwab@rssmb-partners.com", subject="RE: rates", body=quoted)
    assert not {"lookalike-domain", "address-slip", "not-in-thread"} & \
        set(names(got["theo.schwab@rssmb-partners.com"]))


def test_content_fit_discounts_words_every_contact_has_had(store):
    from dlpgate.detect.profile import fingerprint

    store.learn([Pair(SENDER, "sarah.jones@nhs.net", time.time(), 4)])
    about = make_message(subject="Quarterly figures", body="The quarterly budget figures.")
    tokens = fingerprint(parse(about), store.profile_key())
    # words the sender sends everyone: fitting them says nothing about who it is for
    everyone = ["sarah.khan@nhs.net", "jo.bloggs@fostering-partners.org.uk", "pat@gmail.com",
                *(f"colleague{i}@example-council.gov.uk" for i in range(5))]
    store.learn_profiles([(SENDER, r, tokens) for r in everyone])
    got = assess(store, "sarah.jones@nhs.net", subject="Quarterly figures",
                 body="The quarterly budget figures.")
    assert "content-fits-another" not in names(got["sarah.jones@nhs.net"])


def test_a_new_contact_the_message_names_is_less_risky_than_one_it_does_not(store):
    unnamed = assess(store, "k.patel@newpartner.org", body="Please see the figures.\n")
    named = assess(store, "k.patel@newpartner.org", body="Dear Kiran Patel,\nThe figures.\n")
    r = named["k.patel@newpartner.org"]
    assert "named-in-message" in names(r)
    assert "named-in-message" not in names(unnamed["k.patel@newpartner.org"])
    assert r.risk < unnamed["k.patel@newpartner.org"].risk
    # the address written in the body (a quoted thread, a signature) names them too
    got = assess(store, "kp@newpartner.org", body="Thanks.\n> From: kp@newpartner.org\n")
    assert "named-in-message" in names(got["kp@newpartner.org"])
    # one name word is a mention, not a name: Kiran is not Kiran Shah
    got = assess(store, "kiran.shah@newpartner.org", body="Dear Kiran,\n")
    assert "named-in-message" not in names(got["kiran.shah@newpartner.org"])
    # a post's name is no one's: "Hello Admissions" damped a mistyped school's admissions@
    got = assess(store, "admissions@oakfeld.sch.uk", body="Hello Admissions,\nThe form.\n")
    assert "named-in-message" not in names(got["admissions@oakfeld.sch.uk"])


def test_a_colleague_at_the_same_new_organisation_is_evidence_it_was_meant(store):
    got = assess(store, "k.patel@newpartner.org", "r.ng@mail.newpartner.org",
                 body="Please see the figures.\n")
    assert "colleague-recipient" in names(got["k.patel@newpartner.org"])
    assert "colleague-recipient" in names(got["r.ng@mail.newpartner.org"])
    alone = assess(store, "k.patel@newpartner.org", body="Please see the figures.\n")
    assert got["k.patel@newpartner.org"].risk < alone["k.patel@newpartner.org"].risk
    # two strangers at a webmail provider are not one organisation
    got = assess(store, "k.patel@yahoo.com", "r.ng@yahoo.com", body="Figures.\n")
    assert "colleague-recipient" not in names(got["k.patel@yahoo.com"])


def test_a_lookalike_is_not_made_safer_by_being_named(store):
    named = assess(store, "sarah.khan@nhs.com", body="Dear Sarah Khan,\n")["sarah.khan@nhs.com"]
    assert "lookalike-domain" in names(named) and "named-in-message" in names(named)
    assert named.risk >= 0.95


@pytest.mark.parametrize("namesake, recipient, naming_another, naming_both", [
    # the namesake written in full
    ("sarah.khan@nhs.net", "sarah.jones@nhs.net", "Sarah Khan asked for the minutes.\n",
     "Sarah Khan and Sarah Jones, the minutes.\n"),
    # the greeting is the namesake's name, not the recipient's
    ("kenneth.lay@nhs.net", "mark.lay@nhs.net", "Ken,\nThe notes from today.\n",
     "Mark,\nThe notes from today.\n"),
])
def test_a_message_that_names_the_namesake_not_the_recipient_is_flagged(
        store, namesake, recipient, naming_another, naming_both):
    store.learn([Pair(SENDER, namesake, time.time(), 9), Pair(SENDER, recipient, time.time(), 2)])
    r = assess(store, recipient, body=naming_another)[recipient]
    assert "names-another" in names(r)
    assert namesake in why(r, "names-another")
    assert "names-another" not in names(assess(store, recipient, body=naming_both)[recipient])


def test_mitigating_signals_only_damp_the_base_and_never_an_imitation():
    from dlpgate.detect.recipients import combine

    new = [("new-to-organisation", 0.98), ("unmentioned", 0.3)]
    assert combine(new + [("colleague-recipient", 0.5)]) < combine(new)
    assert combine(new + [("colleague-recipient", 0.5), ("named-in-message", 0.5)]) < \
        combine(new + [("colleague-recipient", 0.5)])
    # a risk signal still raises a damped score
    damped = new + [("named-in-message", 0.5)]
    assert combine(damped + [("newcomer", 0.5)]) > combine(damped)
    # an imitation is not damped: naming a look-alike does not lower it
    slip = new + [("lookalike-domain", 0.98)]
    assert combine(slip + [("named-in-message", 0.5)]) == combine(slip)
    # a known correspondent's zero base stays zero
    assert combine([("internal", 0.0), ("named-in-message", 0.5)]) == 0.0


def test_a_slip_of_an_address_colleagues_write_to_is_caught_though_the_sender_never_did(store):
    # bob writes to team@otherorg.org; alice never has, so her contacts cannot say it
    r = assess(store, "tema@otherorg.org")["tema@otherorg.org"]
    assert "address-slip" in names(r)
    assert "team@otherorg.org" in why(r, "address-slip")
    store.learn([Pair("bob@example-council.gov.uk", "carol.white@example-council.gov.uk",
                      time.time(), 4)])
    inside = assess(store, "carol.whte@example-council.gov.uk")
    assert names(inside["carol.whte@example-council.gov.uk"]) == [
        "internal", "address-slip", "unknown-address", "unknown-colleague"]
    # an address someone here has written to is a person, not a slip
    store.learn([Pair("bob@example-council.gov.uk", "tema@otherorg.org", time.time(), 1)])
    assert "address-slip" not in names(assess(store, "tema@otherorg.org")["tema@otherorg.org"])


def test_a_colleague_address_no_one_uses_one_slip_from_one_we_do_is_the_slip_itself(store):
    store.learn([Pair("bob@example-council.gov.uk", "carol.white@example-council.gov.uk",
                      time.time(), 4)])
    r = assess(store, "carol.whte@example-council.gov.uk")["carol.whte@example-council.gov.uk"]
    assert "no one here has ever written to it" in why(r, "unknown-colleague")
    slip_only = SETTINGS.recipients.weights["address-slip"]
    assert r.risk > slip_only  # the two together are surer than the slip alone
    # a colleague someone here writes to is a person, however close the name
    store.learn([Pair("dee@example-council.gov.uk", "carol.whte@example-council.gov.uk",
                      time.time(), 2)])
    known = assess(store, "carol.whte@example-council.gov.uk")
    assert "unknown-colleague" not in names(known["carol.whte@example-council.gov.uk"])
    # an unused colleague address that is no slip of anyone's is a new colleague
    new = assess(store, "fatima.begum@example-council.gov.uk")
    assert names(new["fatima.begum@example-council.gov.uk"]) == ["internal", "unknown-address"]
    # outside, a new address one slip from a known one may be a new person: no such signal
    out = assess(store, "tema@otherorg.org")["tema@otherorg.org"]
    assert "address-slip" in names(out) and "unknown-colleague" not in names(out)


def test_a_slip_of_any_domain_written_to_here_is_a_lookalike_not_just_the_usual_ones(store):
    now = time.time()
    store.learn([Pair("bob@example-council.gov.uk", f"x@busy{i}.org", now, 50)
                 for i in range(300)])  # the 300 domains written to most
    store.learn([Pair("bob@example-council.gov.uk", "clerk@parish-council.org", now, 1)])
    r = assess(store, "clerk@parish-councl.org")["clerk@parish-councl.org"]
    assert "lookalike-domain" in names(r)
    assert "parish-council.org" in why(r, "lookalike-domain")


def test_one_outside_address_on_an_internal_circulation_is_a_lone_outsider(store):
    staff = [f"{n}@example-council.gov.uk" for n in ("bob", "dee", "raj")]
    got = assess(store, *staff, "pat@gmail.com", to=[*staff, "pat@gmail.com"])
    assert "lone-outsider" in names(got["pat@gmail.com"])
    # recipients, not people: a team mailbox is one of them
    assert got["pat@gmail.com"].signals[-1].explanation == (
        "the other 3 recipients of this message are inside the organisation; this address "
        "is not")
    assert not any("lone-outsider" in names(r) for a, r in got.items() if a in staff)
    # a partner is expected company; two outsiders are an audience, not a stray
    partner = assess(store, *staff, "sarah.khan@nhs.net", to=[*staff, "sarah.khan@nhs.net"])
    assert "lone-outsider" not in names(partner["sarah.khan@nhs.net"])
    two = assess(store, *staff, "pat@gmail.com", "once@rarely.org")
    assert "lone-outsider" not in names(two["pat@gmail.com"])
    # the carer on the team's meeting notices before is expected company too
    for _ in range(2):
        store.learn_groups([(SENDER, (*staff, "pat@gmail.com"))])
    usual = assess(store, *staff, "pat@gmail.com", to=[*staff, "pat@gmail.com"])
    assert "lone-outsider" not in names(usual["pat@gmail.com"])
    fewer = assess(store, *staff[:2], "pat@gmail.com")
    assert "lone-outsider" not in names(fewer["pat@gmail.com"])


def test_a_message_that_names_someone_else_with_the_recipients_first_name_is_flagged(store):
    text = "Dear Sarah,\nSarah Ahmed asked for the minutes.\n"
    r = assess(store, "sarah.khan@nhs.net", body=text)["sarah.khan@nhs.net"]
    assert "names-someone-else" in names(r)
    assert "Sarah Ahmed" in why(r, "names-someone-else")
    both = assess(store, "sarah.khan@nhs.net", body=text + "Sarah Khan has them.\n")
    assert "names-someone-else" not in names(both["sarah.khan@nhs.net"])


@pytest.mark.parametrize("about", [
    "Sarah Patel (DOB 03/04/2015) was seen at home today.",
    "Sarah Patel, aged 9, was seen at home today.",
    "Sarah Patel, NHS 943 476 5919, was seen at home today.",
    "Sarah Patel 03/04/2015 was seen at home today.",
    "Carl Khan (DOB 03/04/2015) was seen at home today.",  # the surname, another first name
])
def test_the_child_a_report_is_about_is_no_one_else_the_recipient_was_meant_to_be(store, about):
    # a child who shares the health visitor's first name put a known partner at 0.715
    r = assess(store, "sarah.khan@nhs.net", body=f"Hi Sarah,\n{about}\n")["sarah.khan@nhs.net"]
    assert "names-someone-else" not in names(r)
    said = assess(store, "sarah.khan@nhs.net", body="Hi Sarah,\nSarah Patel will attend.\n")
    assert "Sarah Patel" in why(said["sarah.khan@nhs.net"], "names-someone-else")


def test_a_surname_that_is_also_a_role_word_is_still_a_surname(store):
    r = assess(store, "michael.head@nhs.net", body="Dear Michael,\nMichael Moore asked.\n")
    assert "Michael Moore" in why(r["michael.head@nhs.net"], "names-someone-else")


@pytest.mark.parametrize("address, body", [
    ("rev.anne.lewis@stmarys-church.org.uk", "Dear Rev Lewis,\nAnne Lewis will lead it.\n"),
    ("cllr.j.evans@example-council.gov.uk", "Dear Cllr Evans,\nCllr John Evans asked.\n"),
    ("marac.coordinator@example.org", "Dear Coordinator,\nAbuse Coordinator Jane Hill.\n"),
    ("the.pattersons@gmail.com", "Dear both,\nThe December meeting and The Christmas fair.\n"),
    ("ashfield.residents@gmail.com", "Dear all,\nAshfield North councillors will come.\n"),
])
def test_a_title_a_role_or_a_group_in_an_address_is_no_one_elses_name(store, address, body):
    # rev.anne.lewis@ was "not Anne Lewis"; the.pattersons@ was "not The December"
    r = assess(store, address, body=body)[address]
    assert "names-someone-else" not in names(r)


def test_a_new_contact_the_message_greets_is_less_risky_than_one_it_does_not(store):
    greeted = assess(store, "smurphy@unterberg.com", body="Hi, Suzanne.\nThe parcels.\n")
    r = greeted["smurphy@unterberg.com"]
    assert "greeted" in names(r) and "unmentioned" not in names(r)
    assert "Suzanne" in why(r, "greeted")
    plain = assess(store, "smurphy@unterberg.com", body="The parcels.\n")
    assert r.risk < plain["smurphy@unterberg.com"].risk


def test_a_stranger_on_a_message_that_greets_another_recipient_is_flagged(store):
    got = assess(store, "smurphy@unterberg.com", "amber.birch@elsewhere.org",
                 to=("smurphy@unterberg.com", "amber.birch@elsewhere.org"),
                 body="Hi, Suzanne.\nThe parcels.\n")
    r = got["amber.birch@elsewhere.org"]
    assert "greets-another" in names(r)
    assert "smurphy@unterberg.com" in why(r, "greets-another")
    assert "greets-another" not in names(got["smurphy@unterberg.com"])
    alone = assess(store, "amber.birch@elsewhere.org", "smurphy@unterberg.com",
                   to=("amber.birch@elsewhere.org", "smurphy@unterberg.com"), body="The parcels.\n")
    assert r.risk > alone["amber.birch@elsewhere.org"].risk


def test_a_regular_contact_is_not_flagged_for_not_being_the_one_greeted(store):
    got = assess(store, "smurphy@unterberg.com", "sarah.khan@nhs.net",
                 to=("smurphy@unterberg.com",), cc=("sarah.khan@nhs.net",),
                 body="Hi, Suzanne.\nThe parcels.\n")
    assert "greets-another" not in names(got["sarah.khan@nhs.net"])


def test_a_greeting_that_fits_an_initial_and_surname_is_no_salutation_mismatch(store):
    got = assess(store, "dchristo@attglobal.net", body="Hi, Diomedes.  Please call Jeff.\n")
    assert "salutation-mismatch" not in names(got["dchristo@attglobal.net"])
    got = assess(store, "dchristo@attglobal.net", body="Dear Mr. Stuart,\nPlease call Jeff.\n")
    assert "salutation-mismatch" in names(got["dchristo@attglobal.net"])


def test_an_unmarked_reply_adds_a_stranger_to_the_conversation_it_quotes(store):
    quoted = ('"Schwab, Theo" <theo.schwab@rssmb-partners.com> on 03/23/2001 \n01:47:49 PM\n'
              "To: \ncc: \nSubject: Rates\n\nRates below.\n")
    got = assess(store, "theo.schwab@rssmb-partners.com", "amber.birch@elsewhere.org",
                 to=("theo.schwab@rssmb-partners.com", "amber.birch@elsewhere.org"),
                 subject="REMOVE ME!! Re: Rates", body="Please remove me.\n\n" + quoted)
    assert "not-in-thread" in names(got["amber.birch@elsewhere.org"])
    assert "not-in-thread" not in names(got["theo.schwab@rssmb-partners.com"])


def test_everyone_a_group_greeting_names_is_greeted_and_a_stranger_is_not(store):
    rcpts = ("tom.baker@lettings.example", "priya.shah@lettings.example", "x.y@elsewhere.org")
    got = assess(store, *rcpts, to=rcpts, body="Hi Tom and Priya,\nThe inspection.\n")
    assert "greeted" in names(got["tom.baker@lettings.example"])
    assert "greeted" in names(got["priya.shah@lettings.example"])
    r = got["x.y@elsewhere.org"]
    assert "greets-another" in names(r) and "Tom and Priya" in why(r, "greets-another")


ANSWER = ("Dear Ms Reid, your son's referral has gone to the duty team.\n\n"
          "From: Karen Reid <k.reid.home@gmail.com>\nSent: 02 December 2026 09:10\n"
          "To: housing@example-council.gov.uk\nSubject: My son\n")


def test_an_answer_to_someone_who_wrote_in_carries_wrote_to_us_and_is_lower_risk(store):
    resident = "k.reid.home@gmail.com"
    before = assess(store, resident, body=ANSWER)[resident]
    assert "wrote-to-us" not in names(before)
    # she wrote to the housing mailbox, not to the officer answering her
    store.mark_replied([("housing@example-council.gov.uk", resident, time.time())])
    after = assess(store, resident, body=ANSWER)[resident]
    assert "wrote-to-us" in names(after) and "new-to-sender" in names(after)
    assert why(after, "wrote-to-us").startswith(f"{resident} has written to colleagues here")
    assert after.risk < before.risk
    # without the conversation that carries her address, it is not an answer to her
    assert "wrote-to-us" not in names(assess(store, resident, body="Dear Ms Reid,\n")[resident])
    store.mark_replied([(SENDER, resident, time.time())])
    mine = assess(store, resident, body=ANSWER)[resident]
    assert why(mine, "wrote-to-us").startswith(f"{resident} has written to you,")


def test_a_reply_to_the_address_its_quoted_message_came_from_answers_someone_who_wrote_in(
        store):
    """Behind a smart host the relay never sees the resident's message come in: the reply
    quoting it from her address says she wrote."""
    resident = "k.reid.home@gmail.com"
    r = assess(store, resident, subject="RE: My son", body=ANSWER)[resident]
    assert why(r, "wrote-to-us") == ("this answers the message k.reid.home@gmail.com wrote, "
                                     "quoted below it")
    # the same answer to another address, or a forward to her, or a look-alike's own quoted
    # message: no one who wrote in
    other = "k.reid.family@gmail.com"
    assert "wrote-to-us" not in names(assess(store, other, subject="RE: My son",
                                             body=ANSWER)[other])
    assert "wrote-to-us" not in names(assess(store, resident, subject="FW: My son",
                                             body=ANSWER)[resident])
    fake = "sarah.khan@nhs-net.co.uk"
    r = assess(store, fake, subject="RE: Referral", body=ANSWER.replace(resident, fake))[fake]
    assert "lookalike-domain" in names(r) and "wrote-to-us" not in names(r)


def test_a_reply_signed_with_a_post_team_and_address_still_answers_who_wrote_in(store):
    """Every reply a council sends is signed so, and names the officer who will visit: read
    as names, its posts, address and colleagues took the answer's credit away, and every
    reply to a resident who wrote in was a message to a stranger."""
    resident = "k.reid.home@gmail.com"
    answer = ANSWER.replace(
        "duty team.\n", "duty team. A family support worker, Gareth Thomas, will call you.\n\n"
        "Kind regards,\n\nAmit Shah\nEarly Help Officer | Early Help Team\nExample Council, "
        "Civic Centre, High Street, Exampletown, EX1 1AA\nTel: 01632 960500\n")
    r = assess(store, resident, subject="RE: My son", body=answer,
               sender="Early Help <early.help@example-council.gov.uk>")[resident]
    assert "wrote-to-us" in names(r)


def test_an_out_of_office_answers_whoever_wrote_in(store):
    resident = "sam.r1975@gmail.com"
    raw = make_message(sender=f"Alice Jones <{SENDER}>", to=(resident,),
                       subject="Automatic reply: Tuesday", body="I am on leave until Monday.\n")
    for header, answers in ((b"Auto-Submitted: auto-replied", True),
                            (b"Auto-Submitted: auto-generated", False),  # a system's report
                            (b"Auto-Submitted: no", False)):
        msg = parse(header + b"\n" + raw, Envelope(SENDER, (resident,)))
        [r] = RecipientRiskAssessor(SETTINGS).assess(msg, Context(SETTINGS, store))
        assert ("wrote-to-us" in names(r)) == answers
        if answers:
            assert why(r, "wrote-to-us") == ("this is an automatic reply (an out-of-office) to "
                                             "a message sam.r1975@gmail.com sent")
    # an out-of-office to a look-alike of a partner is still a look-alike
    fake = "sarah.khan@nhs-net.co.uk"
    msg = parse(b"Auto-Submitted: auto-replied\n" + make_message(to=(fake,)),
                Envelope(SENDER, (fake,)))
    [r] = RecipientRiskAssessor(SETTINGS).assess(msg, Context(SETTINGS, store))
    assert "lookalike-domain" in names(r) and "wrote-to-us" not in names(r)


def test_an_out_of_office_carrying_a_case_or_a_reply_adding_another_family_answers_no_one(
        store):
    resident = "sam.r1975@gmail.com"
    raw = b"Auto-Submitted: auto-replied\n" + make_message(
        sender=f"Alice Jones <{SENDER}>", to=(resident,), subject="Automatic reply",
        body="I am on leave. Kayden Reid (DOB 04/05/2016): his conference is on Monday.\n")
    msg = parse(raw, Envelope(SENDER, (resident,)))
    identified = Context(SETTINGS, store, identified=True)
    [r] = RecipientRiskAssessor(SETTINGS).assess(msg, identified)
    assert "wrote-to-us" not in names(r)
    mum = "k.reid.home@gmail.com"
    other = ANSWER.replace("Dear Ms Reid, your son's referral",
                           "Dear Ms Reid, Callum Patel's autism diagnosis came through; your son's "
                           "referral")
    assert "wrote-to-us" not in names(assess(store, mum, subject="RE: My son", body=other)[mum])
    assert "wrote-to-us" in names(assess(store, mum, subject="RE: My son", body=ANSWER)[mum])


def test_a_look_alike_that_wrote_in_first_gets_no_credit_for_it(store):
    fake = "sarah.khan@nhs-net.co.uk"
    store.mark_replied([(SENDER, fake, time.time())])
    body = ANSWER.replace("k.reid.home@gmail.com", fake)
    r = assess(store, fake, body=body)[fake]
    assert "lookalike-domain" in names(r) and "wrote-to-us" not in names(r)


def test_work_forwarded_to_the_senders_own_webmail_is_their_own_personal_address(store):
    # her own name in the signature made emma.clarke85@ "named in the message", as if meant
    body = "To finish at home.\n\nEmma Clarke\nSocial Worker\n"
    own = "Emma Clarke <emma.clarke@example-council.gov.uk>"
    for address in ("emma.clarke85@gmail.com", "emmaclarke@hotmail.co.uk"):
        r = assess(store, address, body=body, sender=own)[address]
        assert "own-personal-address" in names(r) and "named-in-message" not in names(r)
    # a team after the name made "Services" her surname, and the rule never fired
    for shown in ("Emma Clarke (Children's Services)", "Clarke, Emma (Housing)",
                  "Emma Clarke - Fostering Team", "Team Inbox"):
        r = assess(store, "emma.clarke85@gmail.com", body=body,
                   sender=f'"{shown}" <emma.clarke@example-council.gov.uk>')
        assert "own-personal-address" in names(r["emma.clarke85@gmail.com"]), shown
    for address in ("emma.jones@gmail.com", "e.clarke@gmail.com"):  # another Emma; an initial
        assert "own-personal-address" not in names(assess(store, address, body=body,
                                                            sender=own)[address])
    # a two-letter first name, and a word beside the name: "home", "personal", a year
    jo = "Jo Bloggs <jo.bloggs@example-council.gov.uk>"
    for address in ("jo.bloggs.home@gmail.com", "jobloggs.personal@outlook.com",
                    "bloggs.jo84@yahoo.co.uk"):
        for sender in (jo, "jo.bloggs@example-council.gov.uk"):  # named, or by address alone
            r = assess(store, address, body="To finish at home.\n", sender=sender)[address]
            assert "own-personal-address" in names(r), (address, sender)
    for address in ("joe.bloggs@gmail.com", "j.bloggs.home@gmail.com"):  # her brother; initial
        r = assess(store, address, body="To finish at home.\n", sender=jo)[address]
        assert "own-personal-address" not in names(r), address


def test_a_webmail_address_the_sender_saved_under_their_own_name_is_their_own(store):
    # pinkfluffy@ spells no one's name; the contact card she made for it says whose it is
    own = "Emma Clarke <emma.clarke@example-council.gov.uk>"
    for shown in ("Emma Clarke (home)", "Clarke, Emma", "Emma Clarke - personal"):
        r = assess(store, "pinkfluffy@hotmail.co.uk", to=[f'"{shown}" <pinkfluffy@hotmail.co.uk>'],
                   body="To finish at home.\n", sender=own)["pinkfluffy@hotmail.co.uk"]
        assert why(r, "own-personal-address") == (
            "pinkfluffy@hotmail.co.uk is shown with your own name: it looks like your personal "
            "address, outside the council's systems"), shown
    for shown in ("Emma Jones", "Mum", "Clarke family"):  # another Emma; a relative
        r = assess(store, "pinkfluffy@hotmail.co.uk", to=[f'"{shown}" <pinkfluffy@hotmail.co.uk>'],
                   body="To finish at home.\n", sender=own)["pinkfluffy@hotmail.co.uk"]
        assert "own-personal-address" not in names(r), shown


def test_a_look_alike_domain_is_named_as_the_sender_saw_it_and_as_it_travels(store):
    # "nhs.xn--nt-nlc uses look-alike characters to spell nhs.net" meant nothing to a sender
    address = "gp@" + "nhs.n\u0435t".encode("idna").decode()
    [r] = assess(store, address).values()
    assert why(r, "lookalike-domain").startswith(
        "nhs.n\u0435t (nhs.xn--nt-nlc) uses look-alike characters to spell nhs.net")


def test_a_disguised_webmail_domain_is_named_as_the_provider_it_spells(tmp_path):
    # where no one here had written to gmail.com, gmail.com in a Cyrillic a was "look-alike
    # characters for gmail.com, which is one typing slip from email.com": the first webmail
    # domain in the list that it came near
    empty = SQLiteStore(f"sqlite:///{tmp_path / 'new.db'}")
    address = "resident@" + "gm\u0430il.com".encode("idna").decode()
    [r] = assess(empty, address).values()
    empty.close()
    assert why(r, "lookalike-domain") == \
        "gm\u0430il.com (xn--gmil-63d.com) uses look-alike characters to spell gmail.com, " \
        "a webmail provider"


def test_a_webmail_look_alike_is_said_to_imitate_the_provider_a_uk_sender_knows(tmp_path):
    # yahoo.co was "the name of yahoo.ca": the providers were compared in the alphabet's order
    empty = SQLiteStore(f"sqlite:///{tmp_path / 'new.db'}")
    [r] = assess(empty, "resident@yahoo.co").values()
    empty.close()
    assert why(r, "lookalike-domain") == \
        "yahoo.co has the name of yahoo.com with .co instead of .com, a webmail provider"


def test_the_to_and_cc_names_are_read_only_when_a_greeting_or_an_outside_recipient_asks(
        store, monkeypatch):
    # the email package's address parser, over a long To line, was a twentieth of every scan
    from dlpgate.detect import greeting

    read = []
    display_names = greeting.display_names
    monkeypatch.setattr(greeting, "display_names", lambda m: read.append(m) or display_names(m))
    colleague = "bob@example-council.gov.uk"
    assess(store, colleague, to=(f"Bob Smith <{colleague}>",), body="The notes are below.\n")
    assert read == []
    assess(store, colleague, to=(f"Bob Smith <{colleague}>",), body="Hi Bob,\nNotes.\n")
    assert len(read) == 1
    outside = "ben.smith@gmail.com"
    r = assess(store, outside, to=(f"Sarah Khan <{outside}>",), body="The notes are below.\n")
    assert len(read) == 2  # once a message, however many recipients ask
    assert "personal-webmail" in names(r[outside])


# A caseworker new to a family writes to the school's safeguarding lead, whom the team leader
# writes to every week and she never has; her autocomplete offers the other Sarah there.
LEAD, OTHER = "sarah.khan@oakfield.sch.uk", "sarah.jones@oakfield.sch.uk"
TEAM_LEADER = "tom.reid@example-council.gov.uk"
CASE = ("Safeguarding update: Tyler Brown", "Tyler Brown's child protection plan: the core "
        "group meets at Oakfield on Thursday; his attendance and the bruising log please.")


def _colleague_writes_to_the_lead(store):
    from dlpgate.detect.profile import fingerprint

    store.learn([Pair(TEAM_LEADER, LEAD, time.time(), 9),
                 Pair(TEAM_LEADER, "head@oakfield.sch.uk", time.time(), 4),
                 Pair(SENDER, OTHER, time.time() - 40 * 86400, 1)])
    tokens = fingerprint(parse(make_message(subject=CASE[0], body=CASE[1])), store.profile_key())
    store.learn_profiles([(TEAM_LEADER, LEAD, tokens)] * 3)
    store.learn_groups([(TEAM_LEADER, (LEAD, "head@oakfield.sch.uk"))] * 3)


def test_the_namesake_colleagues_write_to_about_the_case_is_the_one_meant(store):
    _colleague_writes_to_the_lead(store)
    r = assess(store, OTHER, subject=CASE[0], body=f"Dear Sarah,\n{CASE[1]}\n")[OTHER]
    assert "colleagues-namesake" in names(r)
    assert why(r, "colleagues-namesake") == (
        f"what this message is about has gone from colleagues here to {LEAD}, whose name is "
        f"like {OTHER}'s and whom you have never written to, and not to {OTHER}")
    assert r.risk >= 0.98


def test_the_namesake_colleagues_write_to_with_the_other_recipients_is_the_one_meant(store):
    _colleague_writes_to_the_lead(store)
    got = assess(store, OTHER, "head@oakfield.sch.uk", subject="Governors",
                 body="Dear Sarah and Mrs Hart,\nThe governors' minutes are attached.\n")
    assert "never with sarah.jones@oakfield.sch.uk" in why(got[OTHER], "colleagues-namesake")
    assert "colleagues-namesake" not in names(got["head@oakfield.sch.uk"])


def test_a_senders_own_contact_is_not_flagged_for_a_namesake_colleagues_write_to(store):
    from dlpgate.detect.profile import fingerprint

    _colleague_writes_to_the_lead(store)
    # the sender writes to sarah.jones about the case herself: she is the one meant
    tokens = fingerprint(parse(make_message(subject=CASE[0], body=CASE[1])), store.profile_key())
    store.learn_profiles([(SENDER, OTHER, tokens)] * 2)
    r = assess(store, OTHER, subject=CASE[0], body=f"Dear Sarah,\n{CASE[1]}\n")[OTHER]
    assert "colleagues-namesake" not in names(r)
    # nor on a message about something colleagues never sent the lead
    r = assess(store, OTHER, subject="Summer fair", body="Dear Sarah,\nThe stall rota.\n")[OTHER]
    assert "colleagues-namesake" not in names(r)


def test_a_first_contact_whom_colleagues_never_wrote_to_is_not_the_namesakes_signal(store):
    _colleague_writes_to_the_lead(store)
    new = "sarah.patel@oakfield.sch.uk"  # new to everyone here: other signals speak
    r = assess(store, new, subject=CASE[0], body=f"Dear Sarah,\n{CASE[1]}\n")[new]
    assert "colleagues-namesake" not in names(r)
    # and the lead herself, new to the sender, is not asked about a namesake the sender knows
    r = assess(store, LEAD, subject=CASE[0], body=f"Dear Sarah,\n{CASE[1]}\n")[LEAD]
    assert "colleagues-namesake" not in names(r)


def test_mail_to_oneself_is_no_risk_and_needs_no_explaining(store):
    """To: herself, Bcc: the carers. Her own address is one typing slip from a colleague's,
    and no one has written to it: neither is anything a sender should be told."""
    store.learn([Pair(SENDER, "alice.jone@example-council.gov.uk", time.time(), 3)])
    own = assess(store, SENDER, "pat@gmail.com")[SENDER]
    assert names(own) == ["internal"] and own.risk == 0.0


def test_the_senders_own_address_does_not_stop_a_stranger_being_a_newcomer(store):
    got = assess(store, SENDER, "sarah.khan@nhs.net", "t.stranger@elsewhere.org.uk",
                 to=[SENDER], cc=["sarah.khan@nhs.net", "t.stranger@elsewhere.org.uk"])
    assert "newcomer" in names(got["t.stranger@elsewhere.org.uk"])


_RESIDENT = ("\n\nFrom: Kerry Doyle <kerry.doyle85@gmail.com>\nSent: Monday\n"
             "To: Children's Services\nSubject: Jayden's plan\n\nWhen is the review?\n")


@pytest.mark.parametrize("address", ["kdoyle@hotmail.co.uk", "kerry.doyle@hotmail.co.uk",
                                     "kerrydoyle1@hotmail.co.uk"])
def test_a_reply_to_another_address_with_the_authors_name_is_confusable(store, address):
    """The parent's namesake: Kerry Doyle wrote from kerry.doyle85@gmail.com, and the answer
    about her son goes to another Kerry Doyle's address, which greeting her by name made look
    meant (0.61)."""
    r = assess(store, address, to=[f"Kerry Doyle <{address}>"], subject="RE: Jayden's plan",
               body="Dear Ms Doyle,\nThe review is on Monday." + _RESIDENT)[address]
    assert why(r, "confusable-address") == (
        "this answers Kerry Doyle's message from kerry.doyle85@gmail.com, which is not a "
        f"recipient; {address} only has the name")
    assert r.risk >= 0.95
    assert "Kerry" not in " ".join(s.explanation for s in r.signals)  # masked unless revealed


def test_a_reply_to_an_address_shown_with_the_authors_name_is_confusable(store):
    # the entry the sender picked says Kerry Doyle; the address behind it says nothing
    r = assess(store, "kerry1985@gmail.com", to=["Kerry Doyle <kerry1985@gmail.com>"],
               subject="RE: Jayden's plan", body="Dear Ms Doyle," + _RESIDENT)
    assert "confusable-address" in names(r["kerry1985@gmail.com"])
    plain = assess(store, "kerry1985@gmail.com", subject="RE: Jayden's plan",
                   body="Dear Ms Doyle," + _RESIDENT)
    assert "confusable-address" not in names(plain["kerry1985@gmail.com"])


def test_a_reply_to_a_known_address_with_the_authors_name_is_confusable_too(store):
    """The Kerry Doyle the sender wrote to in the summer is the one the autocomplete offers
    when this Kerry Doyle's thread is answered: a known correspondent at risk 0 before."""
    store.learn([Pair(SENDER, "k.doyle@outlook.com", time.time() - 160 * 86400, 3)])
    r = assess(store, "k.doyle@outlook.com", subject="RE: Jayden's plan",
               body="Dear Ms Doyle," + _RESIDENT)["k.doyle@outlook.com"]
    assert "known-correspondent" in names(r) and "confusable-address" in names(r)
    assert r.risk >= 0.8


def test_a_reply_to_the_author_or_to_an_address_she_gave_is_not_confusable(store):
    def signals(address, body=_RESIDENT, subject="RE: Jayden's plan"):
        return names(assess(store, address, subject=subject, body="Dear Ms Doyle," + body)[
            address])

    assert "confusable-address" not in signals("kerry.doyle85@gmail.com")
    # her other address, given in her message
    asked = _RESIDENT.replace("When is", "Please reply to kdoyle@hotmail.co.uk. When is")
    assert "confusable-address" not in signals("kdoyle@hotmail.co.uk", asked)
    # a team's mailbox wrote for her: her own address answers it as well
    # (or Exchange's internal name for her mailbox, which a quoted header may give)
    for header in ("Safeguarding Team on behalf of Khan, Sarah <safeguarding.team@nhs.net>",
                   "Sarah Khan <leedsth.hvteam@nhs.net>",
                   "Khan, Sarah <IMCEAEX-_o=ExchangeLabs_ou=Exchange+20Administrative+20Group"
                   "_cn=Recipients_cn=sarah.khan@namprd03.prod.outlook.com>"):
        team = _RESIDENT.replace("Kerry Doyle <kerry.doyle85@gmail.com>", header)
        assert "confusable-address" not in signals("sarah.khan@nhs.net", team)
    # a forward shares her message with someone new: its author need not be on it
    assert "confusable-address" not in signals("kerry.doyle@hotmail.co.uk",
                                               subject="FW: Jayden's plan")
