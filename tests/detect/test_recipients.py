"""Recipient risk: each signal, the hard cases, and a score that only signals can raise."""

from __future__ import annotations

import time

import pytest

from dlpgate.config import Settings
from dlpgate.detect.recipients import RecipientRiskAssessor
from dlpgate.detect.registry import Context
from dlpgate.history import Pair
from dlpgate.model import Envelope
from dlpgate.parse.mime import parse
from dlpgate.store.sqlite import SQLiteStore
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
             Pair(SENDER, "once@rarely.org", now, 1)])
    yield s
    s.close()


def assess(store, *rcpts, to=None, subject="Notes", body="Hello,\n", cc=()):
    raw = make_message(sender=f"Alice Jones <{SENDER}>", to=to or rcpts[:1], cc=cc,
                       subject=subject, body=body)
    msg = parse(raw, Envelope(SENDER, tuple(rcpts)))
    risks = RecipientRiskAssessor(SETTINGS).assess(msg, Context(SETTINGS, store))
    return {r.address: r for r in risks}


def names(risk):
    return [s.name for s in risk.signals]


def test_internal_and_regular_correspondents_are_low_risk(store):
    got = assess(store, "bob@example-council.gov.uk", "sarah.khan@nhs.net")
    assert names(got["bob@example-council.gov.uk"]) == ["internal"]
    assert got["bob@example-council.gov.uk"].risk == 0.0
    assert names(got["sarah.khan@nhs.net"]) == ["partner", "known-correspondent"]
    assert got["sarah.khan@nhs.net"].risk <= 0.1
    assert "12 times" in got["sarah.khan@nhs.net"].signals[1].explanation


def test_a_genuine_new_contact_at_a_partner_is_new_but_not_a_lookalike(store):
    r = assess(store, "kiran.shah@nhs.net", body="Dear Kiran,\n")["kiran.shah@nhs.net"]
    assert names(r) == ["partner", "new-to-sender"]


def test_subdomains_of_partners_count_as_partner(store):
    r = assess(store, "housing@council.leeds.gov.uk")["housing@council.leeds.gov.uk"]
    assert names(r)[0] == "partner"


@pytest.mark.parametrize("address, reason", [
    ("sarah.khan@nhs.com", "with .com instead of .net"),
    ("sarah.khan@nhs-net.com", "dots or hyphens moved"),
    ("someone@\uff47mail.com", "look-alike characters"),
    ("someone@" + "gma\u0456l.com".encode("idna").decode(), "look-alike characters"),
    ("someone@gmial.com", "typing slip from gmail.com"),
    ("jo.bloggs@fostering-partner.org.uk", "typing slip from fostering-partners.org.uk"),
])
def test_lookalike_domains_are_caught(store, address, reason):
    [r] = assess(store, address).values()
    lookalikes = [s for s in r.signals if s.name == "lookalike-domain"]
    assert lookalikes and reason in lookalikes[0].explanation
    assert r.risk >= 0.9


def test_a_regular_contacts_name_at_another_domain_is_the_autocomplete_error(store):
    r = assess(store, "sarah.khan@hotmail.co.uk")["sarah.khan@hotmail.co.uk"]
    assert "confusable-address" in names(r) and "personal-webmail" in names(r)
    assert "sarah.khan@nhs.net" in r.signals[names(r).index("confusable-address")].explanation


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


def test_official_sensitive_to_a_non_secure_destination_is_flagged(store):
    got = assess(store, "pat@gmail.com", "sarah.khan@nhs.net", subject="OFFICIAL-SENSITIVE: case")
    assert "protective-marking" in names(got["pat@gmail.com"])
    assert "protective-marking" not in names(got["sarah.khan@nhs.net"])


def test_a_salutation_no_recipient_matches_is_flagged(store):
    got = assess(store, "pat@gmail.com", body="Dear Sarah,\nPlease see below.\n")
    assert "salutation-mismatch" in names(got["pat@gmail.com"])
    got = assess(store, "sarah.khan@nhs.net", body="Dear Sarah,\nPlease see below.\n")
    assert "salutation-mismatch" not in names(got["sarah.khan@nhs.net"])


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
    assert "sarah.khan@nhs.net" in r.signals[names(r).index("content-fits-another")].explanation
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
    assert got["sarah.kahn@nhs.net"].risk >= 0.95
    assert "address-slip" not in names(got["sarah_khan@nhs.net"])
