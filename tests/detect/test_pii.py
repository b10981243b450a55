from hypothesis import given, settings
from hypothesis import strategies as st

from dlpgate.config import Settings
from dlpgate.detect.pii import NerDetector, PatternDetector
from dlpgate.detect.registry import Context
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

SETTINGS = Settings()


def findings(detector, body, sender="Alice Jones <alice.jones@example-council.gov.uk>"):
    msg = parse(make_message(sender=sender, body=body))
    return [(f.entity, f.text) for f in detector.detect(msg, Context(SETTINGS))]


def test_patterns_run_over_every_part_and_explain_themselves():
    msg = parse(make_message(subject="NHS 943 476 5919", attachments=(
        ("list.csv", "text/csv", b"name,postcode\nx,LS1 4AP\n"),)))
    got = list(PatternDetector(SETTINGS).detect(msg, Context(SETTINGS)))
    assert {(f.entity, f.part) for f in got} >= {("UK_NHS", "subject"), ("UK_POSTCODE", "list.csv")}
    assert all(f.explanation for f in got)


def test_the_senders_own_name_is_not_a_data_subject():
    body = "Dear Callum,\nI visited Mrs Brown today.\nKind regards,\nAlice Jones\n"
    got = findings(NerDetector(SETTINGS), body) + findings(PatternDetector(SETTINGS), body)
    names = {t for e, t in got if e == "PERSON"}
    assert "Alice Jones" not in names and "Alice" not in names
    assert {"Callum", "Mrs Brown"} <= names


def test_a_number_spaced_with_no_break_spaces_or_typographic_hyphens_is_found_as_written():
    # a case system keeps an NHS number from breaking across lines with no-break spaces, and
    # Outlook's plain text keeps them: it went out unfound, as with thin spaces, en dashes,
    # non-breaking and soft hyphens
    for gap in ("\u00a0", "\u202f", "\u2009", "\u2013", "\u2011", "\u00ad"):
        number = f"943{gap}476{gap}5919"
        got = findings(PatternDetector(SETTINGS), f"Amy Reid, NHS number {number}, DOB\u00a0"
                       "12/03/2015")
        assert ("UK_NHS", number) in got and ("DATE_OF_BIRTH", "12/03/2015") in got, repr(gap)


ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


def test_a_number_split_by_zero_width_characters_is_found_where_it_is_written():
    # a web case system pastes an NHS number with zero-width spaces where it lets the line
    # break: read as written, it went out unfound
    for gap in ZERO_WIDTH:
        number, born = f"943{gap}476{gap}5919", f"12/{gap}03/{gap}2015"
        msg = parse(make_message(body=f"{gap}Amy Reid, NHS number {number}, date of birth "
                                      f"{born}{gap}\n"))
        text = msg.parts[1].text if msg.parts[0].name == "subject" else msg.parts[0].text
        got = [f for f in PatternDetector(SETTINGS).detect(msg, Context(SETTINGS))
               if f.entity in ("UK_NHS", "DATE_OF_BIRTH")]
        assert sorted((f.entity, f.text) for f in got) == [
            ("DATE_OF_BIRTH", born), ("UK_NHS", number)], repr(gap)
        assert all(text[f.start:f.end] == f.text for f in got)  # where the review app marks


SENTENCE = "Amy Reid, NHS number 943 476 5919, date of birth 12/03/2015, lives at LS1 4AP."


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SENTENCE)), st.sampled_from(ZERO_WIDTH)),
                max_size=12))
def test_zero_width_characters_anywhere_move_no_finding_off_what_it_found(inserted):
    text = SENTENCE
    for at, gap in sorted(inserted, reverse=True):
        text = text[:at] + gap + text[at:]
    detector = PatternDetector(SETTINGS)

    def found(body):
        msg = parse(make_message(subject="x", body=body))
        return [(f.entity, f.part, f.text) for f in detector.detect(msg, Context(SETTINGS))
                if f.part == "body"], msg

    clean, _ = found(SENTENCE)
    split, msg = found(text)
    body = next(p.text for p in msg.parts if p.name == "body")
    assert [(e, p, "".join(c for c in t if c not in ZERO_WIDTH)) for e, p, t in split] == clean
    for f in detector.detect(msg, Context(SETTINGS)):
        assert body[f.start:f.end] == f.text and f.text[:1] not in ZERO_WIDTH \
            and f.text[-1:] not in ZERO_WIDTH


def test_thresholds_per_entity_come_from_config():
    strict = Settings.model_validate({"detection": {"thresholds": {"UK_POSTCODE": 0.95}}})
    msg = parse(make_message(body="LS1 4AP and LS14AP"))
    got = [f.text for f in PatternDetector(strict).detect(msg, Context(strict))
           if f.entity == "UK_POSTCODE"]
    assert got == []  # spaced scores 0.85, unspaced 0.6: both under 0.95


def test_ner_stops_at_its_budget_and_says_so():
    settings = Settings.model_validate({"detection": {"ner_max_chars": 2000}})
    detector = NerDetector(settings)
    big = "Callum Reid met the team. " * 2000
    msg = parse(make_message(body="short body", attachments=(("big.txt", "text/plain",
                                                               big.encode()),)))
    detector.detect(msg, Context(settings))
    assert detector.notes and "NER capped: ran on 2000 of" in detector.notes[0]


def test_a_term_set_aside_as_a_places_or_a_names_is_found_when_the_message_identifies_someone():
    detector = PatternDetector(SETTINGS)

    def terms(body):
        return [t for e, t in findings(detector, body) if e == "SPECIAL_CATEGORY"]

    for body, term in [("Their Probation Officer will attend.", "Probation"),
                       ("He will need the autism-friendly room.", "autism")]:
        assert terms(body) == []
        assert terms(body + "\nDOB 04/05/2010, NHS number 943 476 5919") == [term]


def test_a_term_set_aside_is_found_when_its_sentence_names_someone():
    # the red team's letters: each relaxation let a named person's data go
    detector = PatternDetector(SETTINGS)

    def terms(body):
        return [t for e, t in findings(detector, body, "Jo Bloggs <jo.bloggs@example-council"
                                       ".gov.uk>") if e == "SPECIAL_CATEGORY"]

    for body, term in [
            ("Mrs Begum has asked for a disabled parking bay outside her home.", "disabled"),
            ("Ms Shah is one of the women fleeing domestic abuse we placed.", "domestic abuse"),
            ("Callum's Probation Officer will attend.", "Probation"),
            ("Kayden Reid will have an autism-trained one-to-one.", "autism"),
            ("Mr Patel's Blue Badge parking bay is outside 9 Mill Lane.", "Blue Badge")]:
        assert terms(body) == [term], body
    # and not for a place, a post, a lexicon term or the sender's own name
    for body in ["The Civic Hall has a disabled toilet and Blue Badge parking.",
                 "A memory cafe for people living with dementia at Ashfield Library.",
                 "Jo Bloggs, Mental Health First Aider, runs the session."]:
        assert terms(body) == [], body
