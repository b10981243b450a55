"""The conversation a message carries: quoted header blocks, who was in it, whom a reply
answers."""

from __future__ import annotations

import pytest

from dlpgate.detect.thread import (
    Author,
    carries_conversation,
    is_author,
    names_someone_new,
    outside_thread,
    replied_to,
    shares_a_name,
)
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message


def _body(text: str, subject: str = "Notes", to: tuple[str, ...] = ("x@example.org",)):
    return parse(make_message(to=to, subject=subject, body=text))


@pytest.mark.parametrize("body", [
    "Thanks.\n\n-----Original Message-----\nFrom: Sarah Khan\nTo: Alice\n",
    '"Schwab, Theo" <theo@rssmb.com> on 03/23/2001 \n01:47:49 PM\nTo: \ncc: \nSubject: Rates',
    "Fine by me.\n\nFrom: Sarah Khan\nSent: 02 March 2026 10:14\nTo: Alice\n",
    "Yes.\n\nOn Mon, 2 Mar 2026 at 10:14, Sarah Khan wrote:\n> the rota\n",
    "---------------------- Forwarded by Kathy Mayfield/Corp on 12/13/2000 04:38 PM ---",
    '"Kenny McBride" <mcbride@fms2000.com> on 03/12/2001 11:57:44 AM\n'
    "Please respond to mcbride@fms2000.com\nTo: <jeff@x.com>\ncc:\nSubject: Meeting",
    "Nancy Sheed on 03/22/2001 06:00 PM\nSent by: Tina Bell\nTo: List\nSubject: Alert",
])
def test_a_quoted_header_block_means_the_body_carries_a_conversation(body):
    assert carries_conversation(body)


def test_a_body_that_only_mentions_sending_carries_no_conversation():
    assert not carries_conversation("From: the housing team, sent to all tenants.\nDate TBC")


def test_a_reply_under_an_unmarked_subject_still_has_its_thread():
    quoted = ('"Schwab, Theo" <theo.schwab@rssmb.com> on 03/23/2001 \n01:47:49 PM\n'
              "To: \ncc: \nSubject: Tax free issues\n\nDear client, rates below.\n")
    to = ("theo.schwab@rssmb.com", "amber.birch@elsewhere.org")
    msg = _body("Please remove me.\n\n" + quoted, subject="REMOVE ME!! Re: Tax free", to=to)
    assert outside_thread(msg, list(to)) == {"amber.birch@elsewhere.org"}


def test_quoting_a_note_to_a_new_audience_adds_no_one_to_a_conversation():
    """A circular that quotes a note none of its recipients were on shares it; nobody
    on it was added to a conversation by mistake."""
    quoted = ("kathy.mayfield@council.gov.uk on 12/13/2000 04:38 PM\nTo: \ncc: \n"
              "Subject: Thank you\n\nThank you for the gift card.\n")
    to = ("ann.brown@council.gov.uk", "tom.white@council.gov.uk", "sue.ford@council.gov.uk")
    msg = _body(quoted, subject="Thank you for the gift", to=to)
    assert carries_conversation(msg.body)
    assert outside_thread(msg, list(to)) == set()


def test_a_forward_to_a_new_audience_adds_no_one_but_a_reply_does():
    quoted = ("-----Original Message-----\nFrom: Paige, Barbara\nSent: Friday 16 March 2001\n"
              "To: Khan, Sarah\nSubject: Panel dates\n\nThe panel meets on the 19th.\n")
    team = ("ann.brown@council.gov.uk", "tom.white@council.gov.uk", "sue.ford@council.gov.uk")
    forward = _body("For your diaries.\n\n" + quoted, subject="FW: Panel dates", to=team)
    assert outside_thread(forward, list(team)) == set()
    reply = _body("Adding the team.\n\n" + quoted, subject="RE: Panel dates", to=team)
    assert outside_thread(reply, list(team)) == set(team)


def test_a_forward_to_the_conversation_flags_the_one_who_was_not_in_it():
    quoted = ("-----Original Message-----\nFrom: Paige, Barbara\nSent: Friday 16 March 2001\n"
              "To: Khan, Sarah; Brown, Ann\nSubject: Panel dates\n\nThe panel meets on the 19th.\n")
    to = ("barbara.paige@council.gov.uk", "sarah.khan@nhs.net", "ann.brown@council.gov.uk",
          "amber.birch@elsewhere.org")
    forward = _body("See below.\n\n" + quoted, subject="Fwd: Panel dates", to=to)
    assert outside_thread(forward, list(to)) == {"amber.birch@elsewhere.org"}


@pytest.mark.parametrize("quoted, first, last, address", [
    ('"Siekman, Tom" <Tom.Siekman@COMPAQ.com> on 03/15/2001 10:25:53 AM\nTo: Board\n'
     "Subject: Meeting\n", "tom", "siekman", "tom.siekman@compaq.com"),
    ("-----Original Message-----\nFrom: Paige, Barbara [mailto:barbara.paige@council.gov.uk]"
     "\nSent: Friday 16 March 2001\nTo: Khan, Sarah\n", "barbara", "paige",
     "barbara.paige@council.gov.uk"),
    ("From: John J Lavorato/ENRON@enronXgate@enronXgate on 04/30/2001 11:30 AM\n"
     "Sent by: Kimberly Hillis/ENRON@enronXgate\nTo: Wade Cline/ENRON\n", "john", "lavorato", ""),
    ("Kevin_Rollins@Dell.com on 02/24/2001 05:06:07 AM\nTo: Jeff.Skilling@Enron.com\n",
     "kevin", "rollins", "kevin_rollins@dell.com"),
    ("On Mon, 2 Mar 2026 at 10:14, Sarah Khan <sarah.khan@nhs.net> wrote:\n> the rota\n",
     "sarah", "khan", "sarah.khan@nhs.net"),
    ("On Mon, Mar 2, 2026 at 10:14 AM Sarah Khan <sarah.khan@nhs.net> wrote:\n> the rota\n",
     "sarah", "khan", "sarah.khan@nhs.net"),
    ("On 19 January 2026, Fatima Williams <fw@care.example> wrote:\n> the rota\n",
     "fatima", "williams", "fw@care.example"),
    ("From: Bowen Jr., Raymond\nSent: Monday\nTo: Denne, Karen\n", "raymond", "bowen", ""),
    ("Tim DeSpain@ECT on 05/01/2001 09:00 AM\nTo: Ken Lay\n", "tim", "despain", ""),
    ("Lance Schuler-Legal/HOU/ECT on 05/01/2001 09:00 AM\n", "lance", "schulerlegal", ""),
    # as Outlook quotes a council's address book: titles, accents, apostrophes, roles
    ("From: Cllr John Evans\nSent: Monday\nTo: Jones, Alice\n", "john", "evans", ""),
    ("From: Khan, Dr Sarah\nSent: Monday\nTo: Jones, Alice\n", "sarah", "khan", ""),
    ("From: Mary O'Connor\nSent: Monday\nTo: Jones, Alice\n", "mary", "oconnor", ""),
    ("From: Mary O\u2019Connor\nSent: Monday\nTo: Jones, Alice\n", "mary", "oconnor", ""),
    ("From: Si\u00e2n Jones\nSent: Monday\nTo: Jones, Alice\n", "sian", "jones", ""),
    ("From: Sarah Khan - Named Nurse Safeguarding\nSent: Monday\nTo: Alice\n", "sarah", "khan",
     ""),
    ("From: Sarah Khan BSc RGN\nSent: Monday\nTo: Alice\n", "sarah", "khan", ""),
    ("From: 'Sarah Khan' <sarah.khan@nhs.net>\nSent: Monday\nTo: Alice\n", "sarah", "khan",
     "sarah.khan@nhs.net"),
])
def test_a_reply_knows_who_wrote_the_message_it_answers(quoted, first, last, address):
    msg = _body("Thanks, see you then.\n\n" + quoted, subject="Re: Meeting")
    author = replied_to(msg)
    assert author is not None and (author.first, author.last, author.address) == \
        (first, last, address)


def test_a_reply_on_someones_behalf_answers_the_one_it_was_written_for():
    quoted = ("-----Original Message-----\nFrom: Ann Brown on behalf of Sarah Khan\n"
              "Sent: Monday\nTo: Jones, Alice\n")
    author = replied_to(_body("Noted.\n\n" + quoted, subject="RE: Visit"))
    assert author is not None and (author.first, author.last) == ("sarah", "khan")


def test_a_team_mailbox_is_no_author_to_share_a_name_with():
    quoted = ("-----Original Message-----\nFrom: Housing Options "
              "[mailto:housing.options@council.gov.uk]\nSent: Monday\nTo: Jones, Alice\n")
    assert replied_to(_body("Passing to repairs.\n\n" + quoted, subject="RE: Leak")) is None
    assert shares_a_name("housing.repairs@council.gov.uk", Author("housing", "smith")) is None


def test_a_forward_or_a_new_message_answers_no_one():
    quoted = "-----Original Message-----\nFrom: Paige, Barbara\nSent: Friday\nTo: Khan, Sarah\n"
    assert replied_to(_body("For your diaries.\n\n" + quoted, subject="FW: Panel")) is None
    assert replied_to(_body("For your diaries.\n\n" + quoted, subject="Panel")) is None
    banner = ("---------------------- Forwarded by Kathy Mayfield/Corp on 12/13/2000 04:38 PM"
              " ---\n\nSarah Khan on 12/13/2000 04:00 PM\nTo: Kathy\n")
    assert replied_to(_body("Noted.\n\n" + banner, subject="Re: Gift")) is None


def test_a_sentence_with_a_date_in_it_is_no_author_line():
    msg = _body("Yes.\n\nwe will meet the panel on 03/15/2001 10:00 in room 4\n",
                subject="Re: Panel")
    assert replied_to(msg) is None


@pytest.mark.parametrize("address, answer", [
    ("tom.briggs@council.gov.uk", "Tom"),
    ("carol.siekman@council.gov.uk", "Siekman"),
    ("tommy.briggs@council.gov.uk", "Tom"),      # what was typed starts both
    ("thomas.briggs@council.gov.uk", "Tom"),     # Tom is Thomas
    ("tom.siekman@gmail.com", None),             # the author at another address
    ("tsiekman@council.gov.uk", None),           # no full name in it
    ("ann.brown@council.gov.uk", None),
])
def test_an_address_shares_only_a_first_name_or_only_a_surname_with_the_author(address, answer):
    assert shares_a_name(address, Author("tom", "siekman", "tom.siekman@compaq.com")) == answer


def test_the_author_is_known_by_address_or_by_name():
    tom = Author("tom", "siekman", "tom.siekman@compaq.com")
    assert is_author("tom.siekman@compaq.com", tom)
    assert is_author("tommy.siekman@home.example", tom)
    assert is_author("thomas.siekman@home.example", tom)
    assert is_author("tsiekman@compaq.com", tom)
    assert not is_author("tom.briggs@council.gov.uk", tom)
    assert is_author("lance.schuler-legal@enron.com", Author("lance", "schulerlegal"))


def test_a_reply_with_its_quote_deleted_has_no_conversation_on_the_page():
    """Who was in it cannot be read, so recipient risk asks only of strangers (a regular is
    taken to have been in it); a quoted one names its people, accents and short forms
    read as addresses spell them."""
    bare = _body("Yes, 10am Thursday works.", subject="RE: Strategy meeting")
    assert not carries_conversation(bare.body)
    quoted = _body("Agreed.\n\nFrom: Thomas Baker\nSent: Monday\nTo: Si\u00e2n O'Connor\n",
                   subject="RE: Rota", to=("tom.baker@x.org", "sian.oconnor@x.org"))
    assert outside_thread(quoted, ["tom.baker@x.org", "sian.oconnor@x.org"]) == set()


QUOTE = ("\n\nFrom: Nadia Ahmed <nadia.ahmed22@gmail.com>\nSent: 05 December 2026 19:17\n"
         "To: Repairs <repairs@example-council.gov.uk>\nSubject: Black mould\n\n"
         "There is black mould in the back bedroom. My son Kai has asthma.\nNadia Ahmed\n")
SIGNED = ("\n\nKind regards,\n\nMark Doyle\nHousing Officer | Housing Management\n"
          "Example Council, Civic Centre, High Street, Exampletown, EX1 1AA\n"
          "Tel: 01632 960900\n\nExample Council may monitor email to and from its systems.\n")


MARK = "Mark Doyle <mark.doyle@example-council.gov.uk>"


def _reply(answer: str, signed: str = SIGNED, sender: str = MARK):
    return parse(make_message(sender=sender, to=("nadia.ahmed22@gmail.com",),
                              subject="RE: Black mould", body=answer + signed + QUOTE))


@pytest.mark.parametrize("answer", [
    "Dear Ms Ahmed,\n\nBecause Kai has asthma I have raised an emergency inspection.",
    # the officer who will act, given by a post or as someone to contact
    "Dear Ms Ahmed,\n\nA surveyor, Gareth Thomas, will visit on Tuesday.",
    "Dear Ms Ahmed,\n\nThe inspection is booked; the visiting officer is Gareth Thomas.",
    "Dear Ms Ahmed,\n\nIf you cannot make it, call my colleague Sian Roberts on 01632 960812.",
    # services, bodies and places, not people
    "Dear Ms Ahmed,\n\nOur Tenancy Support team will call, and the Family Centre on Park Road "
    "is open on Tuesday.",
    # a business by its trade: "Taxis" is no one's surname
    "Dear Ms Ahmed,\n\nKai will be taken to school by Exampletown Taxis from Monday.",
    "Dear Ms Ahmed,\n\nHartley Travel will collect Kai on Tuesday.",
    "Dear Ms Ahmed,\n\nBluebird Care will visit your mother twice a day from Monday.",
])
def test_a_reply_signed_as_a_council_signs_names_no_one_new(answer):
    assert not names_someone_new(_reply(answer))


def test_an_older_outlooks_banner_above_the_quoted_header_is_no_name():
    quoted = QUOTE.replace("\n\nFrom: Nadia Ahmed <nadia.ahmed22@gmail.com>",
                           "\n\n-----Original Message-----\n"
                           "From: Nadia Ahmed [mailto:nadia.ahmed22@gmail.com]")
    msg = parse(make_message(sender=MARK, to=("nadia.ahmed22@gmail.com",),
                             subject="RE: Black mould", body="Dear Ms Ahmed,\n" + SIGNED + quoted))
    assert not names_someone_new(msg)


def test_a_shared_mailboxs_reply_is_signed_by_its_writer_and_a_welsh_one_too():
    repairs = "Repairs <repairs@example-council.gov.uk>"
    answer = "Dear Ms Ahmed,\n\nThe surveyor will call."
    assert not names_someone_new(_reply(answer, sender=repairs))
    welsh = ("\n\nCofion cynnes / Kind regards,\n\nGwenllian Rhys\nSwyddog Refeniw / Revenues "
             "Officer\nTel: 01632 960500\n")
    assert not names_someone_new(_reply("Annwyl Ms Ahmed,\n\nDiolch.", welsh, sender=repairs))


@pytest.mark.parametrize("answer", [
    "Dear Ms Ahmed, Callum Patel's autism diagnosis came through.",
    "Dear Ms Ahmed, I have written to Mr Patel about the noise.",
    "Dear Ms Ahmed, the referral for Callum Patel is attached.",
    # a contact's case is still a case: whose something is
    "Dear Ms Ahmed, please call Callum Patel's mother.",
    "Dear Ms Ahmed, Callum O'Brien's assessment is attached.",
])
def test_a_reply_naming_someone_its_quote_does_not_names_someone_new(answer):
    assert names_someone_new(_reply(answer))
