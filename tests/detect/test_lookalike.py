"""Look-alike domains: each trick, and the near misses that are not tricks."""

from __future__ import annotations

import pytest

from dlpgate.detect.lookalike import distance, imitates, mixed_scripts, registrable, skeleton

CYRILLIC_GMAIL = "gma\u0456l.com".encode("idna").decode()


@pytest.mark.parametrize("domain, reference, because", [
    ("nhs.com", "nhs.net", "with .com instead of .net"),
    ("leeds.co.uk", "leeds.gov.uk", "with .co.uk instead of .gov.uk"),
    # the .uk left off: .gov is a vetted suffix, but the US government's
    ("northshire.gov", "northshire.gov.uk", "with the .uk left off"),
    ("leeds.ac", "leeds.ac.uk", "with the .uk left off"),
    ("nhs.net.example.com", "nhs.net", "starts with nhs.net"),
    ("nhs-net.com", "nhs.net", "dots or hyphens moved"),
    ("gmial.com", "gmail.com", "one typing slip"),
    ("nhs.nte", "nhs.net", "with .nte instead of .net"),
    ("nhs.ne", "nhs.net", "with .ne instead of .net"),
    ("\uff47mail.com", "gmail.com", "look-alike characters"),
    (CYRILLIC_GMAIL, "gmail.com", "look-alike characters"),
    ("rnicrosoft.com", "microsoft.com", "look-alike letters"),
    ("examp1e-council.gov.uk", "example-council.gov.uk", "look-alike letters"),
    ("aoll.com", "aol.com", "one typing slip"),  # a three-letter name: a letter typed twice
    ("oal.com", "aol.com", "one typing slip"),  # or two letters swapped
    # a school's own name under its authority's (the authority's label was compared: equal)
    ("oakfeld.westshire.sch.uk", "oakfield.westshire.sch.uk", "one typing slip"),
])
def test_imitations_are_named_with_their_trick(domain, reference, because):
    assert because in (imitates(domain, reference) or "")


@pytest.mark.parametrize("domain, reference", [
    ("nhs.net", "nhs.net"),
    ("gp.nhs.net", "nhs.net"),
    ("kent.gov.uk", "leeds.gov.uk"),
    ("leeds.nhs.uk", "nhs.net"),
    ("bt.com", "btinternet.com"),
    ("example.org", "example-council.gov.uk"),
    ("bu.edu", "sbu.edu"),  # names this short are too often each other's neighbours
    ("uol.com", "aol.com"),  # one letter changed in three: another real provider
    ("aoo.com", "aol.com"),
    ("riverside.westshire.sch.uk", "oakfield.westshire.sch.uk"),  # two schools, one authority
])
def test_different_real_domains_are_not_imitations(domain, reference):
    assert imitates(domain, reference) is None


def test_transpositions_cost_one_edit():
    assert distance("gmail", "gmial") == 1
    assert distance("abc", "xyz", limit=2) == 3


def test_skeletons_fold_widths_scripts_and_digits():
    assert skeleton("\uff47mail.com") == skeleton(CYRILLIC_GMAIL) == skeleton("gmai1.com")


def test_registrable_domains_know_uk_suffixes():
    assert registrable("mail.leeds.gov.uk") == "leeds.gov.uk"
    assert registrable("x.example.co.uk") == "example.co.uk"


def test_a_reference_dressed_in_another_suffix_is_an_imitation():
    assert imitates("police.co.uk", "police.uk") == (
        "has the name of police.uk under .co.uk instead")
    assert imitates("westyorkshire.police.co.uk", "police.uk")
    assert imitates("westyorkshirepolice.co.uk", "westyorkshire.police.uk")
    assert imitates("leeds.gov.co.uk", "leeds.gov.uk")
    assert imitates("westyorkshire.police.uk", "police.uk") is None  # a real force's domain


@pytest.mark.parametrize("domain, strict_only", [
    ("nhs.net-secure.com", True), ("nhs-net-secure.com", True), ("secure-nhs.net", True),
    ("mail.nhs-net.com", True), ("mail.nhsnet.co.uk", True), ("nh.net", True),
    ("nhd.net", True), ("mhs.net", True), ("nhs-net.com", False), ("nhsnet.com", False),
    ("nhsmail.net", True), ("nhs-mail.co.uk", True), ("secure-nhs.co.uk", True),
])
def test_ours_and_partners_are_imitated_by_more_than_a_stranger_is(domain, strict_only):
    """Only the organisation may spell its partners' names: words added, or one letter of
    a three-letter name changed, imitate a strict reference and not any other."""
    assert imitates(domain, "nhs.net", strict=True)
    assert (imitates(domain, "nhs.net") is None) == strict_only


def test_a_disguise_on_top_of_another_trick_is_seen_through():
    dressed = "nhs.n\u0435t.evil.com".encode("idna").decode()  # a Cyrillic е
    assert "starts with nhs.net" in imitates(dressed, "nhs.net")
    assert "one typing slip from gmail.com" in imitates(
        "gm\u0430ill.com".encode("idna").decode(), "gmail.com")
    assert "look-alike characters" in imitates(
        "\u0585utlook.com".encode("idna").decode(), "outlook.com")  # Armenian օ


@pytest.mark.parametrize("domain, reference", [
    ("leeds.ac.uk", "leeds.gov.uk"),  # the university, not the council dressed up
    ("leeds.ac.uk", "leeds.co.uk"),
    ("nhs.scot", "nhs.net"),
    ("westyorkshire.police.uk", "westyorkshire.gov.uk"),
    ("leeds-trinity.ac.uk", "leeds.gov.uk"),
    ("leedsth.nhs.uk", "nhs.net"),
])
def test_names_only_public_bodies_can_hold_are_not_dressed_up(domain, reference):
    assert imitates(domain, reference, strict=True) is None


def test_one_name_mixing_alphabets_is_dressed_up_whatever_it_imitates():
    assert "Latin and Cyrillic" in mixed_scripts("p\u0430yments.com".encode("idna").decode())
    assert mixed_scripts("b\u00fccher.de") is None  # Latin with an accent is one alphabet
    assert mixed_scripts("\u03c0\u03b1\u03c1\u03ac\u03b4\u03b5\u03b9\u03b3\u03bc\u03b1.gr") is None


@pytest.mark.parametrize("domain, reference", [
    ("kentonline.co.uk", "kent.gov.uk"),  # a newspaper, and "online" pads no impostor's name
    ("nhsemployers.org", "nhs.net"),
    ("bradford-college.co.uk", "bradford.gov.uk"),
])
def test_real_organisations_named_after_a_partners_place_are_not_imitations(domain, reference):
    assert imitates(domain, reference, strict=True) is None
