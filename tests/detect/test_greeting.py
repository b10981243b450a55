"""Greetings: whom a message opens by addressing, and which recipients could be them."""

from __future__ import annotations

import pytest

from dlpgate.detect.greeting import Greeting, greeting, greets, introduced, person_shown, said
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message


def _body(text: str, subject: str = "Notes", to: tuple[str, ...] = ("x@example.org",)):
    return parse(make_message(to=to, subject=subject, body=text))


@pytest.mark.parametrize("body, name, surname", [
    ("Hi, Suzanne.\n\nI was wondering if you would do me a favour.", "Suzanne", False),
    ("Hi, Diomedes.  I just tried to reach you on your mobile.", "Diomedes", False),
    ("Greetings, Tom.  I have a photograph for you.", "Tom", False),
    ("Dear Mr. Stuart,\n\nFurther to your letter", "Stuart", True),
    ("Jeff,\nsee below.", "Jeff", False),
    ("Dear Sarah Khan,\nThe minutes.", "Sarah", False),
    ("\n\n  Good morning Kiran -\nthe figures", "Kiran", False),
    ("OFFICIAL-SENSITIVE\n\nDear Sarah,\nThe assessment.", "Sarah", False),  # under a banner
    ("Dear Siân,\nThe rota.", "Siân", False),
    ("Dear Mrs O'Brien,\nThe rota.", "O'Brien", True),
    ("Annwyl Siân,\nY rota.", "Siân", False),                  # Welsh: Annwyl is Dear
    ("Annwyl Mr Jones,\nEich cais.", "Jones", True),
    ("Bore da Dafydd,\nthe rota.", "Dafydd", False),
    ("Shwmae Gareth -\nthe rota.", "Gareth", False),
    ("Dia duit Seán,\nthe rota.", "Seán", False),
    ("Hiya Sarah,\nthe rota.", "Sarah", False),
    ("Morning Kiran,\nthe figures.", "Kiran", False),
    ("Alright Dave,\nthe rota.", "Dave", False),               # as the north and Midlands write
    ("Hey up Dave,\nthe rota.", "Dave", False),
    ("Howdy Mark,\nthe rota.", "Mark", False),
    ("Good day Sarah,\nthe rota.", "Sarah", False),
    ("FAO Sarah Jones,\nThe referral.", "Sarah", False),       # for the attention of
    ("Dear Revd Jones,\nThe service.", "Jones", True),          # clergy, police, councillors
    ("Dear DI Patel,\nThe statement.", "Patel", True),
    ("Dear Detective Sergeant Brown,\nThe statement.", "Brown", True),
    ("Dear Cllr Evans,\nThe ward.", "Evans", True),
    # each of these was no greeting at all
    ("FAO: Sarah Jones\nThe referral.", "Sarah", False),
    ("Attn: Sarah Jones\nThe referral.", "Sarah", False),
    ("For the attention of Sarah Jones\nThe referral.", "Sarah", False),
    ("Hello again Sarah,\nthe rota.", "Sarah", False),
    ("Dear Mr J Smith,\nYour application.", "Smith", True),   # initials before the surname
    ("Dear Ms. S. R. Khan,\nYour application.", "Khan", True),
    ("Dear S Khan,\nYour application.", "Khan", True),
])
def test_the_greeting_is_the_name_a_message_opens_with(body, name, surname):
    hello = greeting(_body(body))
    assert hello is not None and (hello.names, hello.surname) == ((name,), surname)


@pytest.mark.parametrize("body, greeted", [
    ("Hi Sarah, Tom and Priya,\nThe rota.", ("Sarah", "Tom", "Priya")),
    ("Dear Jeff and Mark:\nthe figures.", ("Jeff", "Mark")),
    ("Sarah & Tom Baker,\nthe figures.", ("Sarah", "Tom")),
    ("Dear Mr and Mrs Smith,\nYour application.", ("Smith",)),
    ("Dear Mr John Smith,\nYour application.", ("Smith",)),
    ("Hi Sarah, Thanks for the note.", ("Sarah",)),   # the list ends at a word that is no name
    ("Hi Sarah, thanks for the note.", ("Sarah",)),
    ("Hi Sarah, Tom, Sarah and Tom,\nThe rota.", ("Sarah", "Tom")),  # each person once
    ("Hi Sarah, hi Jo,\nThe visit.", ("Sarah", "Jo")),   # each greeted in turn
    ("Hello Sarah, hello Jo and Tom\nThe visit.", ("Sarah", "Jo", "Tom")),
    ("Hi Sarah, hi there.", ("Sarah",)),
    ("Hi Sarah/Tom,\nThe rota.", ("Sarah", "Tom")),
    # each surname with its own title or initial (until 2026-12-08 these greeted no one)
    ("Dear Mr Smith and Ms Jones,\nYour appeal.", ("Smith", "Jones")),
    ("Dear Dr. Khan and Dr. Patel,\nThe referral.", ("Khan", "Patel")),
    ("Dear J Smith and K Jones,\nYour appeal.", ("Smith", "Jones")),
])
def test_a_greeting_may_name_several_people(body, greeted):
    hello = greeting(_body(body))
    assert hello is not None and hello.names == greeted


@pytest.mark.parametrize("body", [
    "Jeff said we should meet on Tuesday.",   # a sentence about Jeff, not to him
    "Thanks,\nAlice",
    "Gentlemen:\nthe board papers.",
    "Dear Fam,\nnews from Houston.",
    "Dear Parent/Carer,\nThe school will close early on Friday.",
    "Dear Resident,\nBin collections change next week.",
    "To Sarah,\nthe rota.",                 # was a greeting of someone called To
    "Dear I am writing to complain.",
    "Annwyl Riant/Gwarcheidwad,\nBydd yr ysgol yn cau'n gynnar.",
    "Annwyl Breswylydd,\nMae casgliadau biniau'n newid.",
    "Annwyl Syr/Fadam,\nDiolch am eich llythyr.",
    "Annwyl bawb,\nY rota.",
    "Annwyl Bennaeth,\nY cais.",
    "Annwyl Gydweithiwr,\nY rota.",
    "Morning all,\nthe rota.",
    "Dear Judge,\nThe report for the hearing.",
    "Dear " + "Sarah-" * 400 + "Jones,\nThe report.",        # longer than any name
    "Hi " + ", ".join(f"Sarah{c}" for c in "abcdefghijklm") + ",\nThe rota.",  # a roll call
    "Dear Safeguarding Hub,\nA referral.",                   # teams and roles written to
    "Dear Housing Team,\nThe tenancy.",
    "Dear Practice Manager,\nThe GP registration.",
    "Dear Foster Carers,\nThe training dates.",
    "Dear Sirs,\nYour letter.",
    "Dear GP,\nThe referral.",
    "Hello Admissions,\nThe application.",
    "Dear Councillor,\nThe ward surgery.",
    "Dear Councillors,\nThe committee papers.",           # roles council circulars go to
    "Dear Provider,\nThe framework.",
    "Dear Young Person,\nYour review.",
    "Dear Leaseholder,\nThe service charge.",
    "Dear Stakeholders,\nThe consultation.",
    "Dear DSL,\nThe training.",
    "Hello,\nplease see below.",
    "Howdy,\nplease see below.",
    "Apologies,\nthe wrong attachment.",           # a first word and a comma, not a person
    "Oops,\nthe wrong attachment.",
    "Correction,\nthe date is the 5th.",
    "Congratulations,\non the new post.",
    "Greetings,\nplease see below.",
    "Please see the attached figures.",
    "Hi Jeff thanks for the note, see you Tuesday.",
    "Jeff and I went through the figures.",
    "",
])
def test_openings_that_greet_no_one_by_name_are_not_greetings(body):
    assert greeting(_body(body)) is None


@pytest.mark.parametrize("address, hello, shown_as", [
    ("suzanne.murphy@unterberg.com", Greeting(("Suzanne",), False, True), ""),
    ("kenneth.lay@council.gov.uk", Greeting(("Ken",), False, True), ""),      # a short form
    ("william.baker@council.gov.uk", Greeting(("Bill",), False, True), ""),
    ("elizabeth.shaw@nhs.net", Greeting(("Liz",), False, False), ""),
    ("jeff.skilling@council.gov.uk", Greeting(("Jeffrey",), False, False), ""),
    ("smurphy@unterberg.com", Greeting(("Suzanne",), False, True), ""),       # initial + surname
    ("jstuart@kkr.com", Greeting(("Stuart",), True, True), ""),               # Mr Stuart
    ("davik@kkr.com", Greeting(("Kathy",), False, True), "Kathy Davis"),      # the display name
    ("sian.jones@council.gov.uk", Greeting(("Siân",), False, True), ""),       # accents folded
    ("sjones@council.gov.uk", Greeting(("Siân",), False, True), "Siân Jones"),
    ("m.obrien@council.gov.uk", Greeting(("O'Brien",), True, True), ""),
    ("k.patel@newpartner.org", Greeting(("Kiran",), False, True, ("Patel",)), ""),  # in full
    ("kpatel@newpartner.org", Greeting(("Kiran",), False, True, ("Patel",)), ""),
    ("muhammad.khan@nhs.net", Greeting(("Mohammed",), False, True), ""),   # another spelling
    ("mohamed.ali@council.gov.uk", Greeting(("Mohammad",), False, True), ""),
    ("steven.price@council.gov.uk", Greeting(("Stephen",), False, True), ""),
    ("kathryn.hughes@council.gov.uk", Greeting(("Kate",), False, True), ""),
    ("ayesha.begum@council.gov.uk", Greeting(("Aisha",), False, True), ""),
    ("dafydd.evans@cyngor.gov.wales", Greeting(("Dai",), False, True), ""),  # Welsh forms
    ("david.evans@cyngor.gov.wales", Greeting(("Dafydd",), False, True), ""),
    ("joanne.smith@council.gov.uk", Greeting(("Jo",), False, True), ""),
    # a two-letter first name in full: "Hello Jo" to jo.bloggs@ was "no recipient has that
    # name" (salutation-mismatch), for only j. was read as her first name's place
    ("jo.bloggs@fostering-partners.org.uk", Greeting(("Jo",), False, True), ""),
    ("ed_walsh@council.gov.uk", Greeting(("Ed",), False, True), ""),
    # each of these was "no recipient has that name" (salutation-mismatch)
    ("rebecca.smith@council.gov.uk", Greeting(("Bex",), False, True), ""),
    ("nicola.grey@council.gov.uk", Greeting(("Nikki",), False, True), ""),
    ("gareth.evans@cyngor.gov.wales", Greeting(("Gaz",), False, True), ""),
    ("sarahjane.doe@council.gov.uk", Greeting(("Sarah-Jane",), False, True), ""),
    ("kelly.mcdonald@council.gov.uk", Greeting(("MacDonald",), True, True), ""),
    ("j.smith@fosteringpartners.org.uk", Greeting(("John",), False, True), ""),  # initial.surname
    ("k.lee@council.gov.uk", Greeting(("Karen",), False, True, ("Lee",)), ""),
    ("nicholas.hunt@council.gov.uk", Greeting(("Nick",), False, True), ""),
    ("deborah.lane@council.gov.uk", Greeting(("Debbie",), False, True), ""),
    ("jacqueline.ross@council.gov.uk", Greeting(("Jackie",), False, True), ""),
    ("patricia.ward@council.gov.uk", Greeting(("Trish",), False, True), ""),
    ("oluwaseun.adeyemi@nhs.net", Greeting(("Seun",), False, True), ""),  # Yoruba short forms
    ("babatunde.okafor@nhs.net", Greeting(("Tunde",), False, True), ""),
    ("kristopher.hale@council.gov.uk", Greeting(("Chris",), False, True), ""),
    ("charlotte.webb@council.gov.uk", Greeting(("Lottie",), False, True), ""),
    ("isabel.ford@council.gov.uk", Greeting(("Izzy",), False, True), ""),
    ("hugh.evans@cyngor.gov.wales", Greeting(("Huw",), False, True), ""),
    ("jacqueline.ross@council.gov.uk", Greeting(("Jacqui",), False, True), ""),
    ("angela.hart@council.gov.uk", Greeting(("Angie",), False, True), ""),
    ("isabella.ford@council.gov.uk", Greeting(("Bella",), False, True), ""),
    ("patrick.ward@council.gov.uk", Greeting(("Paddy",), False, True), ""),
    ("jonathan.hale@council.gov.uk", Greeting(("Johnny",), False, True), ""),
    ("a.smith-jones@council.gov.uk", Greeting(("Smith-Jones",), True, True), ""),
    ("a.smithjones@council.gov.uk", Greeting(("Smith-Jones",), True, True), ""),
    ("asj@council.gov.uk", Greeting(("Smith-Jones",), True, True), "Ann Smith-Jones"),
    ("a.jones@council.gov.uk", Greeting(("Smith-Jones",), True, True), ""),  # half her name
])
def test_a_greeting_fits_the_recipient_it_could_be(address, hello, shown_as):
    assert greets(address, hello, shown_as)


@pytest.mark.parametrize("address, hello", [
    ("mark.lay@council.gov.uk", Greeting(("Ken",), False, True)),
    ("robert.baker@council.gov.uk", Greeting(("Bill",), False, True)),
    ("amber.birch@example.org", Greeting(("Anne",), False, True)),   # an initial is not a name
    ("davik@kkr.com", Greeting(("Stuart",), True, True)),
    ("pat@gmail.com", Greeting(("Sarah",), False, True)),
    ("k.shah@newpartner.org", Greeting(("Kiran",), False, True, ("Patel",))),
    ("ddavid.morris@lehman.com", Greeting(("David",), False, True)),   # a slip, not a spelling
    ("marvin.jones@council.gov.uk", Greeting(("Martin",), False, True)),
    ("mario.rossi@council.gov.uk", Greeting(("Maria",), False, True)),
    ("mahmood.khan@nhs.net", Greeting(("Mohammed",), False, True)),     # two names
    ("jo.bloggs@council.gov.uk", Greeting(("Al",), False, True)),
    ("sarah.doe@council.gov.uk", Greeting(("Jane",), False, True)),
    ("kelly.mack@council.gov.uk", Greeting(("Mac",), True, True)),
    ("a.smith-patel@council.gov.uk", Greeting(("Smith-Jones",), True, True)),
    ("tim.hale@council.gov.uk", Greeting(("Tom",), False, True)),
    ("seun.adeyemi@nhs.net", Greeting(("Tunde",), False, True)),
])
def test_a_greeting_does_not_fit_someone_else(address, hello):
    assert not greets(address, hello)


@pytest.mark.parametrize("body, greeted", [
    ("Dear Mr Smith and family,\nYour appeal.", ("Smith",)),
    ("Hi Sarah and team,\nThe rota.", ("Sarah",)),
    ("Dear Ms Khan and colleagues,\nThe referral.", ("Khan",)),
    ("Hi Jo and all,\nThe rota.", ("Jo",)),
])
def test_a_person_greeted_with_the_rest_of_a_group_is_greeted_with_others(body, greeted):
    # each was no greeting at all until 2026-12-08
    hello = greeting(_body(body))
    assert hello is not None and hello.names == greeted and hello.others


def test_surnames_greeted_with_their_own_titles_are_said_without_one_title_for_all():
    assert said(greeting(_body("Dear Mr Smith and Ms Jones,\nYour appeal."))) == (
        "\x02Smith and Jones\x03")
    assert said(greeting(_body("Dear Mr and Mrs Smith,\nYour appeal."))) == (
        "Mr and Mrs \x02Smith\x03")


def test_a_greeting_of_several_fits_each_of_them():
    hello = Greeting(("Sarah", "Tom"), False, True)
    assert greets("sarah.khan@nhs.net", hello) and greets("tom.baker@nhs.net", hello)
    assert not greets("priya.shah@nhs.net", hello)
    assert str(hello) == "Sarah and Tom"


def test_an_initial_and_surname_fit_a_greeting_only_when_initials_are_allowed():
    hello = Greeting(("Suzanne",), False, True)
    assert greets("smurphy@unterberg.com", hello)
    assert not greets("smurphy@unterberg.com", hello, initials=False)


def test_an_initial_does_not_fit_where_the_display_name_gives_another_first_name():
    # "Hi George" greeted Grace Turner by the g of graceturner67@, and the answer to the
    # health visitor that wrote about her went to her unasked
    hello = Greeting(("George",), False, True)
    assert not greets("graceturner67@btinternet.com", hello, "Grace Turner")
    assert greets("graceturner67@btinternet.com", hello)  # no name shown: it may be his
    assert greets("smurphy@unterberg.com", Greeting(("Suzanne",), False, True), "S Murphy")


@pytest.mark.parametrize("text, people", [
    ("Hi Sarah, copying in Mark, who will visit.", ["Mark"]),
    ("I've added Ann Lee and Priya to this.", ["Ann Lee", "Priya"]),
    ("Cc'ing my colleague Tom.", ["Tom"]),
    ("@Mark Brown can you look at this?", ["Mark Brown"]),
    ("Hi all,\nAnn - copying you in for the visit.", ["Ann"]),
    ("Jo, I have cc'd you in.", ["Jo"]),
    ("Looping in Siobhan O'Connor.", ["Siobhan O'Connor"]),
    ("Copying in my line manager, Ann Lee.", ["Ann Lee"]),
    ("Cc'ing the duty social worker Tom.", ["Tom"]),
    # a reply that turns to someone and asks them something
    ("Hi Sarah,\nThanks. Jo, could you book the visit?", ["Jo"]),
    ("Mark - please can you visit on Monday?", ["Mark"]),
    ("Sarah and Jo, could you both look at this?", ["Sarah", "Jo"]),
    ("Ann, you will see the notes below.", ["Ann"]),
    ("Jo - FYI.", ["Jo"]),
    ("Diolch Sarah. Jo, allech chi drefnu'r ymweliad?", ["Jo"]),   # Welsh: could you
    # other ways of saying so: each brought no one in before
    ("I have included Jo in this.", ["Jo"]),
    ("cc: Jo Patel", ["Jo Patel"]),
    ("Copied in: Jo", ["Jo"]),
    ("Jo is copied in.", ["Jo"]),
    ("Jo Patel has been cc'd for information.", ["Jo Patel"]),
    ("Jo (cc'd) will reply.", ["Jo"]),
    ("+Mark Brown can you look?", ["Mark Brown"]),      # Gmail's mention
    ("Passing this on to Jo, who covers the area.", ["Jo"]),
])
def test_a_reply_brings_people_in_by_name(text, people):
    got = introduced(text, len(text))
    assert got is not None
    assert [f"{n} {s}".strip() for n, s in zip(got.names, got.surnames, strict=True)] == people


@pytest.mark.parametrize("text", [
    "Copying in HR.",                       # a team in capitals
    "I have copied in Ken's notes.",        # whose, not whom
    "Thanks, adding that to the list.",
    "Write to x@Mark.example.",             # an address, not a mention
    "Copying in the team.",
    "Thanks, could you send it?",           # a courtesy, not a name
    "Also, could you check the dates?",
    "HR, please read.",
    "Jayden, aged 9, was seen today.",      # the child the note is about, asked nothing
    "Thanks Sarah. Is Jo, as you said, away?",
    "The report is included.",
    "This is copied in from the old file.",
    "Call +44 7700 900123.",
])
def test_what_brings_no_one_in_by_name(text):
    assert introduced(text, len(text)) is None


def test_only_the_new_text_brings_anyone_in():
    body = "Noted.\n\nFrom: Sarah Khan\nSent: Monday\nCopying in Mark.\n"
    assert introduced(body, body.index("From:")) is None


@pytest.mark.parametrize("shown, person", [
    ("KHAN, Sarah (LEEDS COMMUNITY HEALTHCARE NHS TRUST)", "KHAN, Sarah"),
    ("Khan, Sarah [LCH]", "Khan, Sarah"),
    ("Sarah Khan - Health Visitor", "Sarah Khan"),
    ("Emma Clarke (Children's Services)", "Emma Clarke"),
    ("Sarah Khan | Adults", "Sarah Khan"),
    ("Sarah Khan via Teams", "Sarah Khan"),
    ("Olivia Vian", "Olivia Vian"),
])
def test_a_display_name_is_read_without_what_a_directory_puts_beside_the_person(shown, person):
    assert person_shown(shown) == person
