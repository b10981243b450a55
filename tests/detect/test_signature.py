"""The writer's post and team under a sign-off are not a case's special-category data; the
same words anywhere else, or data pasted under the sign-off, still are."""

import pytest

from dlpgate.config import Settings
from dlpgate.detect.pii import PatternDetector
from dlpgate.detect.registry import Context
from dlpgate.detect.signature import role_spans, signer_words, spans
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

SETTINGS = Settings.model_validate({"detection": {"ner": False}})
DETECTOR = PatternDetector(SETTINGS)
JO = "Jo Bloggs <jo.bloggs@example-council.gov.uk>"


def terms(body: str, sender: str = JO) -> list[str]:
    msg = parse(make_message(sender=sender, body=body))
    return [f.text for f in DETECTOR.detect(msg, Context(SETTINGS))
            if f.entity == "SPECIAL_CATEGORY"]


@pytest.mark.parametrize("signature", [
    "Kind regards,\n\nJo Bloggs\nSupervising Social Worker\nFostering Team\nChildren's Services",
    "Thanks, Jo\nCase Manager, Youth Offending Team",
    "Best wishes\nJo Bloggs | MASH Social Worker | Multi-Agency Safeguarding Hub (MASH)",
    "Regards\nJo Bloggs\nClinical Psychologist, CAMHS\nExample NHS Foundation Trust",
    "Yours sincerely\n\nJo Bloggs\nApproved Mental Health Professional (AMHP)",
    "Many thanks\nJo\nSocial Worker, Disabled Children's Team\nTel: 0161 496 0123",
    "Jo Bloggs\nSEN Caseworker\nSpecial Educational Needs Team",  # automatic, no sign-off
    "Cheers\nJo Bloggs\nRole: Substance Misuse Worker",
    # a signature laid out as a table, read as one: its first row heads the columns
    "Many thanks\nJo Bloggs Case Manager\n"
    "Jo Bloggs: Youth Offending Team; Case Manager: Tel 0113 496 0000",
])
def test_the_writers_team_under_the_sign_off_is_not_found(signature):
    body = f"Hi Sam,\n\nSee you at the review meeting on Tuesday at 10.\n\n{signature}\n"
    assert terms(body) == []


@pytest.mark.parametrize("signature", [
    "Cofion cynnes,\n\nJo Bloggs\nGweithiwr Cymdeithasol\nTîm Amddiffyn Plant",
    "Diolch,\nJo\nSwyddog Diogelu Oedolion, Gwasanaethau Cymdeithasol",
    "Yn gywir,\n\nJo Bloggs\nGweithiwr Cymdeithasol Goruchwyliol | Tîm Gofalwyr Maeth",
    "Cofion / Regards\nJo Bloggs\nNyrs Iechyd Meddwl, Tîm Iechyd Meddwl Cymunedol",
])
def test_the_writers_team_under_a_welsh_sign_off_is_not_found(signature):
    # "Annwyl Sam, see you at the meeting on Tuesday at 10", signed in Welsh
    body = f"Annwyl Sam,\n\nWela i chi yn y cyfarfod ddydd Mawrth am 10.\n\n{signature}\n"
    assert terms(body) == []
    # the same team in a sentence is someone's: "Cai is known to the Child Protection Team"
    assert terms("Annwyl Sam,\n\nMae Cai yn hysbys i'r Tîm Amddiffyn Plant.\n") == [
        "Amddiffyn Plant"]


@pytest.mark.parametrize("body, found", [
    # data pasted under the sign-off: fields, a list, a sentence, someone else's title
    ("Please see below.\n\nThanks,\nJo\n\nName: Callum Reid\nDiagnosis: ADHD",
     ["Diagnosis", "ADHD"]),
    ("Thanks\nJo Bloggs\n\nCallum - ADHD\nMia - autism", ["ADHD", "autism"]),
    ("Regards\nJo\nreferred to Youth Offending Team on Monday", ["Youth Offending"]),
    ("Regards\nJo\nMr Reid, Youth Offending Team", ["Youth Offending"]),
    # the body's sentence is evidence; the signature's team below it is not
    ("He was referred to the Youth Offending Team.\n\nKind regards,\nJo Bloggs\n"
     "Case Manager, Youth Offending Team", ["Youth Offending"]),
    # a thank-you that opens the letter starts no signature
    ("Thank you Sarah,\n\nCallum's CAMHS appointment is on Tuesday\n\nJo", ["CAMHS"]),
    # a table pasted under the sign-off, a row about someone: the team is theirs
    ("Thanks\nJo\n\nChild: Callum Reid; Team: Youth Offending Team", ["Youth Offending"]),
    ("Thanks\nJo\n\nName: Mia Khan | Team: CAMHS", ["CAMHS"]),
    # someone else's name on a line is no start of the writer's signature
    ("Sam Khan\nFostering Team", ["Fostering Team"]),
])
def test_what_is_not_the_writers_post_is_still_found(body, found):
    assert terms(body) == found


def test_a_quoted_colleagues_signature_is_a_signature_too():
    body = ("Thanks, see below.\n\nJo\n\n> Kind regards,\n> Sam Khan\n> CAMHS Nurse\n"
            "> Example NHS Foundation Trust\n")
    assert terms(body) == []


def test_a_signature_ends_where_a_quoted_message_or_a_sentence_starts():
    text = ("Kind regards\nJo\nFostering Team\nFrom: Sam\nFostering Team\n")
    assert [text[s:e] for s, e in role_spans(text)] == ["Fostering Team"]
    text = "Kind regards\nJo\nThe Fostering Team will call you on Monday about it.\nFostering Team"
    assert role_spans(text) == []


def test_an_html_signature_laid_out_as_a_table_is_a_signature():
    from email.message import EmailMessage

    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = JO, "sam.r1975@gmail.com", "Meeting"
    m.set_content("<div>Hi Sam,</div><div>Confirming the review on Tuesday at 10.</div>"
                  "<div>Many thanks</div><table><tr><td>Jo Bloggs</td><td>Case Manager</td></tr>"
                  "<tr><td>Youth Offending Team</td><td>Tel 0113 496 0000</td></tr></table>",
                  subtype="html")
    msg = parse(bytes(m))
    assert [f.text for f in DETECTOR.detect(msg, Context(SETTINGS))
            if f.entity == "SPECIAL_CATEGORY"] == []


@pytest.mark.parametrize("body, found", [
    # fields joined by a dash, a list's heading, a date: a record under the sign-off
    ("Thanks\nJo\n\nMum Kelly Reid - Known To Domestic Abuse Service", ["Domestic Abuse"]),
    ("Present:\nJo Bloggs\nSarah Khan\nMum's Depression Reviewed By GP Practice Nurse",
     ["Depression"]),
    ("Regards\nJo\nKelly Reid\nPsychiatric Intensive Care Unit, Sectioned 2/12",
     ["Psychiatric", "Sectioned"]),
])
def test_a_record_under_the_sign_off_is_no_signature(body, found):
    assert terms(body) == found


def test_terms_set_aside_count_again_in_a_message_that_identifies_someone():
    # "Ravi Patel (DOB ...) has the Epilepsy Action card": about him; without the date of
    # birth, a thank-you for a charity's stall
    with_dob = "Ravi Patel, date of birth 04/05/2010, has the Epilepsy Action seizure card."
    assert terms(with_dob) == ["Epilepsy"]
    assert terms("Thanks for running the Epilepsy Action stall on Saturday.") == []
    signed = "Please see below.\n\nThanks,\nJo\nCase Manager, Youth Offending Team\n"
    assert terms(signed) == []
    assert terms(signed + "\nDOB 04/05/2016 NHS number 943 476 5919") == ["Youth Offending"]


@pytest.mark.parametrize("body, words", [
    # a shared mailbox's letter, signed by whoever wrote it
    ("Hi all,\n\nThe coffee morning is on Tuesday.\n\nKind regards,\nLouise Grant\nSEND "
     "Information Officer\n", {"louise", "grant"}),
    ("Thanks,\n\nMrs Mary-Jo O'Neill\n", {"mary-jo", "o'neill"}),
    # a letter that names someone under its sign-off, or quotes another's signature
    ("See you then.\n\nKind regards,\nDiagnosis: ADHD\n", set()),
    ("Fine by me.\n\nFrom: Amy Price\nSent: Monday\n\nThanks,\nAmy Price\n", set()),
    # the writer's post beside the name, as Outlook signatures set it out
    ("Dear residents,\n\nThank you to all our foster carers.\n\nMany thanks\n\nEmily Nowak | "
     "Family Support Worker\nDirect line 0121 368 0085\n", {"emily", "nowak"}),
    ("See you then.\n\nBest wishes\nEmily Nowak, Family Support Worker\n", {"emily", "nowak"}),
    # but not what the line says about someone beside a name
    ("See you then.\n\nKind regards,\nAmy Reid | ADHD\n", set()),
    ("See you then.\n\nKind regards,\nAmy Reid, Youth Offending Team client\n", set()),
])
def test_the_name_under_the_sign_off_is_the_writers(body, words):
    assert signer_words(body) == words


def test_a_team_mailboxs_newsletter_signed_name_bar_post_is_about_no_one_it_names():
    # the benchmark's one false hold with NER on: the writer's name, set out beside her post,
    # was a named person the foster carers' thank-you was about
    from dlpgate.model import Envelope
    from dlpgate.pipeline import Scanner

    team = "communications@example-council.gov.uk"
    raw = make_message(sender=team, to=(team,), subject="Foster carers' update", body=(
        "Dear residents,\n\nThank you to all our foster carers; the summer events programme "
        "is attached.\n\nMany thanks\n\nEmily Nowak | Family Support Worker\n"
        "Direct line 0121 368 0085\n"))
    result = Scanner(Settings.model_validate({"organisation": {
        "internal_domains": ["example-council.gov.uk"]}})).scan(
        raw, Envelope(team, (team, "ohughes84@btinternet.com", "callum1985@gmail.com")))
    assert "PERSON" not in {f.entity for f in result.evidence.findings}
    assert result.decision.verdict.value == "allow"


@pytest.mark.parametrize("sign_off", ["Cofion cynnes / Kind regards,", "Cofion,",
                                      "Yn gywir / Yours sincerely", "Diolch yn fawr,"])
def test_a_welsh_or_bilingual_sign_off_starts_a_signature(sign_off):
    body = f"Diolch am eich e-bost.\n\n{sign_off}\n\nGwenllian Rhys\nRevenues Officer\n"
    assert signer_words(body) == {"gwenllian", "rhys"}
    assert role_spans(body) and spans(body)


def test_the_signature_block_runs_from_the_name_to_the_last_line_of_the_signature():
    letter = "Dear Mr Price,\n\nYour bill is attached.\n\nKind regards,\n\n"
    signature = ("Amit Shah\nRevenues Officer\nExample Council, Civic Centre, High Street\n"
                 "Tel: 01632 960500")
    footer = "\n\nThis email and any attachments are intended for the named recipient only.\n"
    body = letter + signature + footer
    assert spans(body) == [(len(letter), len(letter) + len(signature))]
    # a record under the sign-off is no signature
    assert spans(letter + "Callum Reid\nDOB: 04/05/2016\n") == []
