"""Look-alike domains: each trick, and the near misses that are not tricks."""

from __future__ import annotations

import pytest

from dlpgate.detect.lookalike import distance, imitates, registrable, skeleton

CYRILLIC_GMAIL = "gma\u0456l.com".encode("idna").decode()


@pytest.mark.parametrize("domain, reference, because", [
    ("nhs.com", "nhs.net", "with .com instead of .net"),
    ("leeds.co.uk", "leeds.gov.uk", "with .co.uk instead of .gov.uk"),
    ("nhs.net.example.com", "nhs.net", "starts with nhs.net"),
    ("nhs-net.com", "nhs.net", "dots or hyphens moved"),
    ("gmial.com", "gmail.com", "1 typing slip"),
    ("nhs.nte", "nhs.net", "with .nte instead of .net"),
    ("nhs.ne", "nhs.net", "with .ne instead of .net"),
    ("\uff47mail.com", "gmail.com", "look-alike characters"),
    (CYRILLIC_GMAIL, "gmail.com", "look-alike characters"),
    ("rnicrosoft.com", "microsoft.com", "look-alike letters"),
    ("examp1e-council.gov.uk", "example-council.gov.uk", "look-alike letters"),
    ("aoll.com", "aol.com", "1 typing slip"),  # a three-letter name: a letter typed twice
    ("oal.com", "aol.com", "1 typing slip"),  # or two letters swapped
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
