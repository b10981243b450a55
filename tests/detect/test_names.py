"""Names in addresses and messages: slips, namesakes, and who a conversation names."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlpgate.detect.names import (
    _COUPLE,
    ADDRESS,
    SEPARATOR,
    Contacts,
    Spellings,
    addresses_in,
    in_thread,
    is_slip,
    names_someone_else,
    namesakes,
    same_person,
    similar_names,
    unseparated,
    written_addresses,
    written_names,
)
from dlpgate.model import Envelope
from dlpgate.parse.mime import parse
from dlpgate.store.base import Correspondence
from dlpgate.testing import make_message


@pytest.mark.parametrize("typed, meant", [
    ("jo.blogs@nhs.net", "jo.bloggs@nhs.net"),      # a letter dropped
    ("jo.bolggs@nhs.net", "jo.bloggs@nhs.net"),     # two swapped
    ("sarah.khna@nhs.net", "sarah.khan@nhs.net"),
    ("sarah.kahan@nhs.net", "sarah.khan@nhs.net"),
    ("samantha.blogs@nhs.net", "samantha.bloggs@nhs.net"),
    ("samanta.blogs@nhs.net", "samantha.bloggs@nhs.net"),  # eight letters or more: two slips
    ("kriley@nhs.net", "jriley@nhs.net"),           # the initial's neighbour on the keyboard
])
def test_a_slip_is_the_same_domain_and_a_local_part_a_slip_or_two_away(typed, meant):
    assert is_slip(typed, meant)


@pytest.mark.parametrize("typed, meant", [
    ("jo_bloggs@nhs.net", "jo.bloggs@nhs.net"),     # another separator: one person's spellings
    ("jo.blogs@nhs.com", "jo.bloggs@nhs.net"),      # another domain is a look-alike's business
    ("bob@nhs.net", "rob@nhs.net"),                 # three letters are too short to tell
    ("jo.bl@nhs.net", "jo.bloggs@nhs.net"),
    ("jo.bloggs@nhs.net", "jo.bloggs@nhs.net"),
    ("john.greg@nhs.net", "john.gore@nhs.net"),     # two slips in one short word: another name
    ("triley@nhs.net", "jriley@nhs.net"),           # another initial: T. Riley, not J. Riley
    ("t.riley@nhs.net", "j.riley@nhs.net"),
])
def test_other_near_addresses_are_not_slips(typed, meant):
    assert not is_slip(typed, meant)


def test_autocomplete_offers_the_same_first_or_last_name():
    assert similar_names("sarah.khan@nhs.net", "sarah.jones@gmail.com")
    assert similar_names("sarah.khan@nhs.net", "imran.khan@nhs.net")
    assert not similar_names("sarah.khan@nhs.net", "tom.brown@nhs.net")


def test_namesakes_leave_out_contacts_who_are_recipients_too():
    contacts = [Correspondence("sarah.jones@gmail.com", 9, 0, 0),
                Correspondence("sarah.khan@nhs.net", 5, 0, 0),
                Correspondence("tom.brown@nhs.net", 7, 0, 0)]
    got = namesakes(["sarah.khan@nhs.net"], Contacts.of(contacts))
    assert [c.recipient for c in got["sarah.khan@nhs.net"]] == ["sarah.jones@gmail.com"]
    both = namesakes(["sarah.khan@nhs.net", "sarah.jones@gmail.com"], Contacts.of(contacts))
    assert both == {}  # the sender picked both, so neither was mistaken for the other


@pytest.mark.parametrize("one, other", [
    ("kenneth.lay@council.gov.uk", "kenneth_lay@council.gov.uk"),
    ("steven.kean@council.gov.uk", "steven.j.kean@council.gov.uk"),
    ("ken.rice@council.gov.uk", "kenneth.rice@council.gov.uk"),
    ("andy.fastow@council.gov.uk", "andrew.fastow@council.gov.uk"),   # a short form
    ("bill.jones@council.gov.uk", "will.jones@council.gov.uk"),       # two of one name
    ("mohammed.iqbal@council.gov.uk", "muhammad.iqbal@council.gov.uk"),  # two spellings
])
def test_one_persons_other_address_at_the_same_domain_is_the_same_person(one, other):
    assert same_person(one, other) and same_person(other, one)


@pytest.mark.parametrize("one, other", [
    ("sarah.khan@council.gov.uk", "sarah.khan@gmail.com"),   # private address or another Sarah
    ("sarah.khan@council.gov.uk", "sarah.jones@council.gov.uk"),
    ("sarah.khan@council.gov.uk", "imran.khan@council.gov.uk"),
    ("skhan@council.gov.uk", "sarah.khan@council.gov.uk"),    # no first name to compare
    ("tom.khan@council.gov.uk", "tim.khan@council.gov.uk"),
    ("bill.khan@council.gov.uk", "bob.khan@council.gov.uk"),  # short forms of two names
    ("keenneth.lay@council.gov.uk", "kenneth.lay@council.gov.uk"),  # a slip is no alias
])
def test_another_name_or_another_domain_is_not_the_same_person(one, other):
    assert not same_person(one, other)


def test_namesakes_leave_out_the_recipients_own_other_addresses():
    contacts = [Correspondence("steven.j.kean@council.gov.uk", 30, 0, 0),
                Correspondence("steven.king@council.gov.uk", 2, 0, 0)]
    got = namesakes(["steven.kean@council.gov.uk"], Contacts.of(contacts))
    assert [c.recipient for c in got["steven.kean@council.gov.uk"]] == \
        ["steven.king@council.gov.uk"]


def test_the_thread_names_a_correspondent_only_by_every_name_word():
    words = {"jeff", "skilling", "thanks", "meeting"}
    assert in_thread("jeff.skilling@enron.com", words)
    assert in_thread("jskilling@enron.com", words)  # an initial run into the surname
    assert not in_thread("jeff.donahue@enron.com", words)  # the other Jeff shares one word
    assert not in_thread("jeff.skiling@enron.com", {"jeff"})


def test_addresses_written_in_the_body_are_found_normalised():
    raw = make_message(body="-----Original Message-----\nFrom: Jo <Jo.Bloggs+case@NHS.net>.\n")
    message = parse(raw, Envelope("a@x.gov.uk", ("b@nhs.net",)))
    assert "jo.bloggs@nhs.net" in addresses_in(message)


def test_an_address_after_a_long_run_with_no_at_sign_is_still_found():
    raw = make_message(body="x" * 15000 + " reply to sarah.khan@nhs.net please\n")
    assert addresses_in(parse(raw)) == {"sarah.khan@nhs.net"}


def test_no_more_of_a_local_part_is_read_than_a_mail_system_allows():
    # RFC 5321: 64 characters; a longer run before an @ is no address, only its tail
    raw = make_message(body="a" * 100 + "@nhs.net and jo@nhs.net\n")
    assert addresses_in(parse(raw)) == {"a" * 64 + "@nhs.net", "jo@nhs.net"}


@settings(max_examples=3000, deadline=None)
@given(st.text(st.sampled_from("ab9._-'+@ \n\u212a\u017f\u0130"), max_size=300),
       st.integers(0, 70))
def test_addresses_sought_near_each_at_sign_are_those_the_pattern_finds_anywhere(text, run):
    # only near each @ (a tenth of the time): every address, and nothing else, as before
    for t in (text, "a" * run + text, text.replace("@", "a" * run + "@", 1)):
        assert written_addresses(t) == ADDRESS.findall(t)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["Dan", "Pamela", "Leff", "and", "&", "an", "DAN", "Éva", "O'",
                                 "_", "9", " ", "  ", "\n", "'"]), max_size=14))
def test_a_couple_is_the_capital_first_form_of_the_word_boundary_first_pattern(words):
    # the capital first is sought by a quick scan; \b first was tried at every position
    text = "".join(words)
    plain = re.compile(r"\b([A-Z][a-z]{2,})\s+(?:&|and)\s+[A-Z][a-z]{2,}\s+([A-Z][a-z]{2,})\b")
    assert [(m.span(), m.groups()) for m in _COUPLE.finditer(text)] == \
        [(m.span(), m.groups()) for m in plain.finditer(text)]


def body(text: str):
    return parse(make_message(body=text), Envelope("a@x.gov.uk", ("b@nhs.net",)))


def test_a_message_naming_another_person_with_the_recipients_first_name_says_who():
    notice = written_names(body("Dear Michael Moore,\nMichael J. Moore will chair on Friday.\n"))
    assert names_someone_else("michael.brown@x.gov.uk", notice) == "Michael Moore"
    assert names_someone_else("michael.moore@x.gov.uk", notice) is None
    both = written_names(body("Michael Moore and Michael Brown will both attend.\n"))
    assert names_someone_else("michael.brown@x.gov.uk", both) is None  # both named: both meant
    alone = written_names(body("Michael and I agree. Thanks Michael\n"))
    assert names_someone_else("michael.brown@x.gov.uk", alone) is None
    assert names_someone_else("mbrown@x.gov.uk", notice) is None  # no first name to go on


def test_a_subjects_last_word_and_the_bodys_first_are_no_name():
    message = parse(make_message(subject="tracker", body="Tracker attached.\nSarah\n"),
                    Envelope("a@x.gov.uk", ("tracker.owner@gmail.com",)))
    assert "tracker" not in written_names(message)
    assert names_someone_else("tracker.owner@gmail.com", written_names(message)) is None
    # a name in the subject alone is still read
    named = parse(make_message(subject="Visit for Michael Moore", body="Notes attached.\n"),
                  Envelope("a@x.gov.uk", ("michael.brown@x.gov.uk",)))
    assert names_someone_else("michael.brown@x.gov.uk", written_names(named)) == "Michael Moore"


def test_a_message_naming_another_person_with_the_recipients_surname_says_who():
    meeting = written_names(body("The meeting with Carl Carter is at 1pm on the 27th floor.\n"))
    assert names_someone_else("rebecca.carter@x.gov.uk", meeting) == "Carl Carter"
    assert names_someone_else("carl.carter@x.gov.uk", meeting) is None
    # the recipient's own short name, a title, or both Carters named: no one else
    short = written_names(body("Ken Lay will open the conference.\n"))
    assert names_someone_else("kenneth.lay@x.gov.uk", short) is None
    titled = written_names(body("Thank you, Mrs Carter. Councillor Carter agrees.\n"))
    assert names_someone_else("rebecca.carter@x.gov.uk", titled) is None
    for title in ("Judge", "Lady", "Revd", "Sister", "DI"):  # the bench, honours, clergy, police
        said = written_names(body(f"{title} Carter will be there on Friday.\n"))
        assert names_someone_else("rebecca.carter@x.gov.uk", said) is None, title
    prose = written_names(body("I asked Carter about it and spoke to Carter today.\n"))
    assert names_someone_else("rebecca.carter@x.gov.uk", prose) is None
    both = written_names(body("Carl Carter and Rebecca Carter will both attend.\n"))
    assert names_someone_else("rebecca.carter@x.gov.uk", both) is None
    couple = written_names(body("Attending: Dan & Pamela Leff, Jim and Elizabeth Fallon.\n"))
    assert names_someone_else("dan.leff@x.gov.uk", couple) is None  # Dan Leff is written
    assert names_someone_else("jim.fallon@x.gov.uk", couple) is None
    assert names_someone_else("sam.fallon@x.gov.uk", couple) == "Elizabeth Fallon"


@pytest.mark.parametrize("local", ["darnoff", "david.arnoff", "d.arnoff", "david.j.arnoff",
                                   "davidarnoff"])
def test_an_address_that_spells_a_name_the_message_writes_is_spelled_out(local):
    sent_to = Spellings.of(written_names(body("Sent to:\nDavid Arnoff, Greylock\nKevin "
                                              "Compton, KPCB\n")))
    assert sent_to.spelled(f"{local}@greylock.example")
    assert not sent_to.spelled("daronoff@greylock.example")
    assert not sent_to.spelled("david@greylock.example")


@pytest.mark.parametrize("address, name", [
    ("barbara.ppaige@x.gov.uk", "Barbara Paige"),    # a letter doubled in the surname
    ("bpiage@x.gov.uk", "Barbara Paige"),           # initial and surname, two letters swapped
    ("barbara.paige@x.gov.uk", None),               # the name itself
    ("barbar.paige@x.gov.uk", None),                # a slip in the first name: Steve, Steven
    ("steve.keane@x.gov.uk", None),                 # Kean: too short a surname to judge
])
def test_a_slip_in_the_surname_of_a_name_the_message_writes_says_which(address, name):
    quoted = Spellings.of(written_names(body("From: Barbara Paige\nTo: Steve Kean\n")))
    assert quoted.misspelled(address) == name


def test_names_in_quoted_header_lines_are_read_surname_first():
    quoted = written_names(body("Thanks.\n\n-----Original Message-----\nFrom: Paige, Barbara\n"
                                "Sent: Friday 16 March 2001\nTo: Khan, Sarah; O'Neil, Tom\n"
                                "Subject: Rota\n\nSee you, Smith, on Friday.\n"))
    assert "Paige" in quoted["barbara"] and quoted["sarah"] == ["Khan"]
    assert "O'Neil" in quoted["tom"]
    assert "friday" not in quoted  # a comma in prose is no name


def _crowd() -> tuple[list[str], list[Correspondence]]:
    """Addresses made of a few names and slips of them, at a few domains: many namesakes,
    many near spellings, the same local part elsewhere."""
    import random

    rng = random.Random(7)
    firsts, lasts = ["sarah", "sara", "imran", "jo", "kenneth", "ken"], ["khan", "kahn", "jones"]
    domains = ["nhs.net", "leeds.gov.uk", "gmail.com"]

    def address() -> str:
        local = rng.choice([f"{rng.choice(firsts)}.{rng.choice(lasts)}",
                            f"{rng.choice(firsts)[0]}{rng.choice(lasts)}", rng.choice(lasts)])
        if rng.random() < 0.3:
            i = rng.randrange(len(local))
            local = local[:i] + local[i + 1:] or local
        return f"{local}@{rng.choice(domains)}"

    contacts = [Correspondence(a, rng.randrange(0, 9), 0.0, 0.0)
                for a in dict.fromkeys(address() for _ in range(300))]
    return [address() for _ in range(60)], contacts


def test_namesakes_are_every_contact_similar_names_would_pair_bar_the_recipients_own():
    targets, contacts = _crowd()
    inside = set(targets)
    got = namesakes(targets, Contacts.of(contacts), limit=1000)
    for t in dict.fromkeys(targets):
        expected = [c for c in contacts if c.recipient not in inside and c.count > 0
                    and similar_names(t, c.recipient) and not same_person(t, c.recipient)]
        assert got.get(t, []) == expected, t


@pytest.mark.parametrize("local, plain", [
    ("jo.bloggs", "jobloggs"), ("jo_bloggs", "jobloggs"), ("jo-bloggs", "jobloggs"),
    ("j.o_b-loggs.", "jobloggs"), ("._-", ""), ("jo\u2010bloggs", "jo\u2010bloggs"),  # not a hyphen
    ("jo\uff0ebloggs", "jo\uff0ebloggs"), ("", "")])
def test_unseparated_drops_what_separator_matches_and_nothing_else(local, plain):
    assert unseparated(local) == plain == SEPARATOR.sub("", local)


def test_namesakes_of_one_recipient_are_those_similar_names_would_pair():
    # the recipients are indexed, not the contacts: one recipient is the usual message
    targets, contacts = _crowd()
    indexed = Contacts.of(contacts)
    for t in targets:
        expected = [c for c in contacts if c.recipient != t and c.count > 0
                    and similar_names(t, c.recipient) and not same_person(t, c.recipient)]
        assert namesakes([t], indexed, limit=1000).get(t, []) == expected, t


def test_contacts_are_made_from_the_stores_rows_only_when_asked_for():
    rows = [("sarah.jones@gmail.com", 9, 1.0, 2.0, 1), ("tom.brown@nhs.net", 7, 0.0, 0.0, 0),
            ("jo.reid@nhs.net", 1, 0.0, 0.0, 0)]
    contacts = Contacts(rows)
    assert contacts.mistakable("sarah.jones@hotmail.com") == [
        Correspondence("sarah.jones@gmail.com", 9, 1.0, 2.0, True)]
    assert list(contacts._made) == [0]  # the other two were never asked for
    assert contacts.frequent(2) == ["sarah.jones@gmail.com", "tom.brown@nhs.net"]
    assert [c.recipient for c in contacts] == [r[0] for r in rows] and len(contacts) == 3


def test_the_contacts_an_address_is_compared_with_hold_every_slip_and_name_elsewhere():
    targets, contacts = _crowd()
    indexed = Contacts.of(contacts)
    for t in targets:
        local = t.rpartition("@")[0]
        found = indexed.mistakable(t)
        assert Contacts.of(contacts).mistakable(t) == found  # read through, the first time
        assert found == [c for c in contacts if c in found]  # in the list's order
        assert [c for c in contacts if is_slip(t, c.recipient)
                or c.recipient.rpartition("@")[0] == local] == \
            [c for c in found if is_slip(t, c.recipient) or c.recipient.rpartition("@")[0] == local]


@pytest.mark.parametrize("text, plain", [
    ("Siân O'Brien", "Sian O'Brien"), ("Zoë", "Zoe"), ("SEÁN", "SEAN"), ("ﬁona", "fiona"),
    ("Jo Bloggs", "Jo Bloggs"), ("", ""), ("a\tb\x00", "a\tb\x00"),
])
def test_accents_come_off_a_name_and_plain_text_is_left_as_it_is(text, plain):
    from dlpgate.detect.names import folded, unaccented

    assert unaccented(text) == plain
    assert folded(text) == plain.lower()
