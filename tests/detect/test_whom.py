"""A term set aside is said of no one only when its sentence names no one but the sender."""

import pytest

from dlpgate.detect.whom import introduced, names_someone


def named(text: str, term: str, own: frozenset[str] = frozenset({"jo", "bloggs"}),
          terms: tuple[str, ...] = ()) -> bool:
    start = text.index(term)
    spans = [(text.index(t), text.index(t) + len(t)) for t in terms]
    return names_someone(text, start, start + len(term), set(own), spans)


@pytest.mark.parametrize("text, term", [
    ("Mrs Begum has asked for a disabled parking bay outside her home.", "disabled"),
    ("Callum's Probation Officer will attend.", "Probation"),
    ("Kayden Reid will have an autism-trained one-to-one.", "autism"),
    ("Families affected by domestic abuse: the Reids at 12 Elm Road have moved.", "domestic"),
    ("Please collect the Reid children with autism at 8am.", "autism"),
    ("I am at court today for Thomas Hall's care proceedings.", "care proceedings"),
])
def test_a_person_in_the_terms_sentence_is_named(text, term):
    assert named(text, term)


@pytest.mark.parametrize("text, term, terms", [
    ("The Civic Hall has a disabled toilet and Blue Badge parking.", "disabled",
     ("Blue Badge",)),
    ("A memory cafe for people living with dementia at Ashfield Library.", "dementia", ()),
    ("The library on Elm Road has a disabled toilet.", "disabled", ()),
    ("Jo Bloggs, Mental Health First Aider, runs the session.", "Mental Health",
     ("Mental Health",)),
    ("We are a Disability Confident Leader | Mindful Employer", "Disability", ("Disability",)),
    ("The Parkinson's exercise class follows at noon.", "Parkinson's", ("Parkinson's",)),
    # a person named in another sentence is not whom this one is about
    ("Dear Mrs Evans.\nThe venue has a disabled toilet.", "disabled", ()),
    # a Welsh scheme's and a body's name: "Cyflogwr Hyderus" (Confident Employer) is no one
    ("Cyflogwr Hyderus o ran Anabledd | Disability Confident Employer", "Anabledd",
     ("Anabledd",)),
    ("Mae Bwrdd Iechyd Prifysgol Betsi Cadwaladr yn trefnu'r clinig anabledd dysgu.",
     "anabledd dysgu", ()),
])
def test_a_place_a_body_a_term_or_the_sender_is_no_one(text, term, terms):
    assert not named(text, term, terms=terms)


@pytest.mark.parametrize("text, name, given", [
    ("A surveyor, Gareth Thomas, will visit.", "Gareth", True),
    ("The conference chair is Jane Holt.", "Jane", True),
    ("An occupational therapist, Rebecca Lloyd, will call.", "Rebecca", True),
    ("Please contact Sarah Khan on Monday.", "Sarah", True),
    ("My colleague Sarah Khan is covering.", "Sarah", True),
    ("Callum Patel has been referred.", "Callum", False),
    ("The referral for Callum Patel is attached.", "Callum", False),
    ("The social worker for Callum Patel will call.", "Callum", False),
])
def test_a_name_given_by_its_post_or_as_a_contact_is_introduced(text, name, given):
    assert introduced(text, text.index(name)) is given
