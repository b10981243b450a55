"""Content profiles: keyed hashes of what a message is about, the quoted thread left out."""

from __future__ import annotations

from dlpgate.detect.profile import fingerprint
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

KEY = b"k" * 32


def fp(subject: str, body: str, key: bytes = KEY) -> tuple[int, ...]:
    return fingerprint(parse(make_message(subject=subject, body=body)), key)


def test_the_same_subject_matter_gives_overlapping_fingerprints():
    a = fp("Kinship care assessment", "The kinship assessment for Tyler is booked.")
    b = fp("RE: Kinship care assessment", "Tyler's kinship assessment moved to Friday.")
    assert len(set(a) & set(b)) >= 3


def test_the_quoted_thread_and_common_words_are_left_out():
    a = fp("Budget", "Please see below.\n\n-----Original Message-----\nFrom: x\nfoster placement")
    b = fp("Budget", "Please see below.")
    assert a == b


def test_hashes_depend_on_the_installation_key():
    assert set(fp("Kinship care", "assessment")) & set(fp("Kinship care", "assessment",
                                                          b"other" * 8)) == set()


def test_identifiers_detection_found_are_part_of_the_fingerprint_however_written():
    from dlpgate.model import Finding

    message = parse(make_message(subject="Update", body="Please see below."))

    def found(text: str, entity: str = "UK_NHS") -> list[Finding]:
        return [Finding(entity, "body", 0, len(text), 1.0, text, "", "test")]

    plain = fingerprint(message, KEY)
    spaced = fingerprint(message, KEY, found("943 476 5919"))
    assert len(spaced) == len(plain) + 1
    assert spaced == fingerprint(message, KEY, found("9434765919"))
    assert spaced != fingerprint(message, KEY, found("943 476 5920"))
    # a postcode or a phone number is shared too widely to say whom a message is for
    assert fingerprint(message, KEY, found("LS1 4AP", "UK_POSTCODE")) == plain


def test_a_short_first_name_is_part_of_the_fingerprint_and_a_sentence_opening_is_not():
    amy = fp("GP form", "Amy has her date of birth on the form.")
    plain = fp("GP form", "She has her date of birth on the form.")
    assert len(set(amy) - set(plain)) == 1  # Amy, and nothing for "She"
    assert set(amy) - set(plain) == set(fp("Visit", "Amy moved on Friday.")) - set(
        fp("Visit", "She moved on Friday."))
    assert fp("Update", "Did you see it? Yes, now.") == fp("Update", "")
