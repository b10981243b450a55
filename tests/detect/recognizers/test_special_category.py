import re
import shutil
import subprocess

import pytest
import yaml

from dlpgate.config import Settings
from dlpgate.detect.recognizers.special_category import (
    BUILTIN,
    DlpSpecialCategoryRecognizer,
    LexiconError,
    load_compounds,
    load_lexicon,
    load_phrases,
    load_welsh,
)
from dlpgate.testing import recognized

R = DlpSpecialCategoryRecognizer()


@pytest.mark.parametrize("text, expected", [
    ("She was diagnosed with epilepsy", ["diagnosed", "epilepsy"]),
    ("two Child Protection Plans", ["Child Protection Plans"]),
    ("self harm, self-harming", ["self harm", "self-harming"]),
    ("a Section 47 enquiry", ["Section 47"]),
    ("a looked-after child and an EHCP", ["looked-after child", "EHCP"]),
    ("please send the minutes", []),
    ("Christian called about the invoice", []),
    # the name of a post, a body, a building or an event is no one's data
    ("Post: Domestic Abuse Coordinator", []),
    ("room hire at the Ashfield Mental Health Resource Centre", []),
    ("Mental Health Awareness Week", []),
    ("Safeguarding Adults Board minutes", []),
    # a team is where a person is referred: still found
    ("referred to the Domestic Abuse Team", ["Domestic Abuse"]),
    ("a Child Protection Conference on Monday", ["Child Protection Conference"]),
    # the next cell of a pasted row, or the next field after " - ", is no part of a name
    ("Jo Bloggs\tDepression\tSupport Officer", ["Depression"]),
    ("Jo Bloggs - Schizophrenia - Review Day 3", ["Schizophrenia"]),
    # conditions a stairlift referral or an offender's record gives: none was found before
    ("She has severe osteoarthritis and heart failure.", ["osteoarthritis", "heart failure"]),
    ("He has two learning disabilities and a heroin habit.", ["learning disabilities", "heroin"]),
    ("treatment for his drug addiction", ["drug addiction"]),
    # the same words in another sense: a licence, a form, a joke
    ("the sale of alcoholic drinks until 11pm", []),
    ("All drivers must declare previous convictions on the form.", []),
    ("my addiction to coffee is now fully funded", []),
    ("previous convictions for sexual assault", ["previous convictions", "sexual assault"]),
])
def test_special_category_terms(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("text, expected", [
    # a signature's employer schemes and charters, and a helpline's advert, are no one's data
    ("Jo Bloggs\nHousing Officer\nDisability Confident Employer", []),
    ("We are proud to be disability confident.", []),
    ("Disability Confident: Committed", []),
    ("Working towards becoming a Dementia Friendly Council", []),
    ("I am a Mental Health First Aider - get in touch", []),
    ("Stonewall Diversity Champion | LGBT+ inclusive employer", []),
    ("If you are deaf or hard of hearing, call 18001 0161 496 0000", []),
    ("If you are experiencing domestic abuse, help is available 24 hours a day", []),
    ("Time to Change Employer Pledge", []),
    # the same words about a person are still found, in the same message too
    ("Mr Reid has a disability and is deaf.", ["disability", "deaf"]),
    ("She is experiencing domestic abuse.\nDisability Confident Employer", ["domestic abuse"]),
    ("Callum has dementia\n\nDementia Friendly Council", ["dementia"]),
    ("The Dementia Friendly Café is on Tuesday; his dementia is worse.", ["dementia"]),
])
def test_terms_in_a_signature_scheme_or_helpline_advert_are_no_finding(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("text, expected", [
    # said to whoever it may concern: an applicant, an enquirer
    ("Please let us know if you have a disability and need adjustments.", []),
    ("If you consider yourself to have a disability, we can arrange a room.", []),
    ("Should you be deaf, a signer can attend.", []),
    ("You can apply for a Blue Badge online.", []),
    ("You may be eligible for free school meals.", []),
    # said of someone: still found
    ("As you told us, you are disabled.", ["disabled"]),
    ("If you have any worries about his self-harm, call me.", ["self-harm"]),
    ("If you have a child with autism, the team can help.", ["autism"]),
    ("Callum may be eligible for an EHCP.", ["EHCP"]),
    ("You are eligible for free school meals.", ["free school meals"]),
    ("If you know. Autism was diagnosed in May.", ["Autism", "diagnosed"]),
])
def test_a_term_said_of_whoever_it_may_concern_is_no_finding(text, expected):
    assert recognized(R, text) == expected


def aside(text: str) -> list[str]:
    return [text[r.start:r.end] for r in R.analyze_all(text)[1]]


@pytest.mark.parametrize("text, expected", [
    ("He needs support with his autism-related needs.", ["autism"]),
    ("She was treated for her self-harm-related injuries.", ["self-harm"]),
    ("Mrs Reid had a dementia-related fall at home.", ["dementia"]),
    ("The school describes an ADHD-type presentation.", ["ADHD"]),
    ("He is deaf-blind and has a guide.", ["deaf"]),
    ("She has been cancer-free since May.", ["cancer"]),
])
def test_a_term_joined_by_a_hyphen_to_a_word_about_a_person_is_found(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("The autism-friendly room is on the first floor.", ["autism"]),
    ("We are proud to be a dementia-friendly council.", ["dementia"]),
    ("Is the venue disability-friendly?", ["disability"]),
    ("an LGBT-inclusive workplace", ["LGBT"]),
    ("Disability-accessible toilets are on every floor.", ["Disability"]),
    ("All our autism-trained staff wear a lanyard.", ["autism"]),
    ("a disability\u2013friendly venue", ["disability"]),  # a word processor's en dash
])
def test_a_term_joined_by_a_hyphen_to_a_place_a_service_or_a_policy_is_set_aside(text,
                                                                                  expected):
    # set aside, not dropped: "Callum Reid (DOB ...) needs the autism-friendly room" is his
    assert recognized(R, text) == [] and aside(text) == expected


def test_the_same_term_joined_to_a_person_in_the_same_message_is_still_found():
    text = "The autism-friendly room is booked for his autism-related needs."
    assert recognized(R, text) == ["autism"] and aside(text) == ["autism"]


@pytest.mark.parametrize("text, expected", [
    ("self-harm, self-harming, self-harm-related", ["self-harm", "self-harming", "self-harm"]),
    ("a self-employed carer made a self-referral", []),
    ("a non-binary pupil and a looked-after child", ["non-binary", "looked-after child"]),
    ("the non-disabled pupils", []),
    ("child protection-related work", ["child protection"]),
])
def test_a_hyphen_in_a_term_still_joins_it_and_no_part_of_one_is_found_alone(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("His Probation Officer says he missed two appointments.", ["Probation"]),
    ("I have spoken to her Probation Officer.", ["Probation"]),
    ("Mum's Domestic Abuse Advisor rang this morning.", ["Domestic Abuse"]),
    ("their Youth Offending Team worker", ["Youth Offending"]),
    # a post with no one's before it is a signature's or a starters' list's
    ("Jo Bloggs, Probation Officer", []),
    ("Please speak to your Safeguarding Adults Lead.", []),
])
def test_a_named_post_that_is_one_persons_is_found(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("text", [
    "Callum's Probation Officer will attend.",
    "Kayden\u2019s Probation Officer will attend.",
    "Schools should send their Child Protection Policy by Friday.",
    "the Council's Domestic Abuse Coordinator",
    "She has completed her Safeguarding Adults Training.",
])
def test_a_named_body_a_name_or_a_group_possesses_is_set_aside_not_dropped(text):
    # a person's, a place's or a group's: kept if the message identifies someone
    assert recognized(R, text) == [] and len(aside(text)) == 1


@pytest.mark.parametrize("text, expected", [
    # a term written with capitals in the lexicon matches in them alone
    ("The case went to the MASH on Monday.", ["MASH"]),
    ("a mash referral and a MASH referral", ["mash referral", "MASH referral"]),
    ("Friday's menu is pie and mash.", []),
    ("Sausage & Mash", []),
    ("at risk of CSE", ["CSE"]),
    # a word in its other sense
    ("Part of the car park will be sectioned off on Tuesday.", []),
    ("He was sectioned under the Mental Health Act.", ["sectioned", "Mental Health Act"]),
    ("Your probation period ends in March.", []),
    ("He is on probation until March.", ["probation"]),
    ("You will receive a Section 20 notice about the roof works.", []),
    ("She has been accommodated under Section 20 since May.", ["Section 20"]),
    ("You will be charged with the cost of the repair.", []),
    ("He was charged with assault.", ["charged with"]),
    ("Please don't neglect to return the form; I neglected to mention it.", ["neglected"]),
    ("The children suffered neglect.", ["neglect"]),
    ("Fly-tipping is a criminal offence.", []),
    ("He admitted the offence.", ["offence"]),
    ("He had a cardiac arrest in May.", ["cardiac arrest"]),  # health, not an arrest
    # a charity's or a place's name, a community's event
    ("the Macmillan Cancer Support coffee morning", []),
    ("the Race for Life for Cancer Research UK", []),
    ("Diabetes UK have a stall; the dementia cafe meets on Tuesday.", ["dementia"]),
    ("the Muslim community centre and the Hindu Temple", ["Muslim"]),
    ("the LGBT+ staff network", []),
    ("She has cancer. Support is arranged.", ["cancer"]),
    ("He goes to an autism support group.", ["autism"]),
])
def test_capitals_and_other_senses_of_a_word(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("text, expected", [
    # found again after the red team's cases: a phrase does not run across a comma
    ("He has dementia, friends and neighbours say.", ["dementia"]),
    ("despite her disability, confident with customers", ["disability"]),
    # said of someone after all
    ("As Ravi now can't walk, you can apply for a Blue Badge for him.", ["Blue Badge"]),
    ("The nurse rang: if you are pregnant again the midwife will see you.", ["pregnant"]),
    ("If you have a child protection plan for Kayden on file, send it.",
     ["child protection plan"]),
    ("Kelly is now receiving Domestic Abuse Support from the IDVA.", ["Domestic Abuse"]),
    ("Kayden was referred to the Mash on Monday.", ["Mash"]),
    ("Kayla - cse screening done, high risk", ["cse"]),
    ("Mum continues to neglect to send him to school.", ["neglect"]),
    ("Sending those messages is a criminal offence; the file has gone to the CPS.",
     ["offence"]),
])
def test_what_is_said_of_someone_is_found_though_it_looks_like_a_phrase(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("text, expected", [
    # a venue's facilities, in every invitation to an event, are for anyone who comes
    ("There is a disabled toilet, and disabled parking bays at the rear.", []),
    ("The hall has step-free access for disabled visitors and a hearing loop.", []),
    ("The library is accessible to wheelchair users; Blue Badge parking is by the door.", []),
    # the same words of someone are still found, beside the facilities too
    ("Callum is disabled and will need the disabled toilet.", ["disabled"]),
    ("Both of his parents are wheelchair users, so we visit at home.", ["wheelchair users"]),
    ("Her disabled son uses the disabled parking space.", ["disabled"]),
])
def test_a_venues_facilities_are_for_anyone_and_a_persons_disability_is_found(text, expected):
    assert recognized(R, text) == expected


def test_a_scheme_or_a_charity_named_in_a_message_is_set_aside_not_lost():
    found, aside = R.analyze_all("Ravi has the Epilepsy Action seizure card; if you have a "
                                 "disability, tell us.")
    assert found == [] and [r.entity_type for r in aside] == ["SPECIAL_CATEGORY"] * 2


def test_a_text_of_many_terms_drops_the_same_phrases_as_a_short_one():
    # past 64 terms the phrases are found in one pass over the text, not around each term
    text = "He has autism. " * 70 + "Autism Friendly Service. Dementia Friend. He has autism."
    found = recognized(R, text)
    assert found == ["autism"] * 71


def test_a_council_adds_its_own_signature_phrases(tmp_path):
    extra = tmp_path / "local.yaml"
    extra.write_text("not_about_anyone:\n  phrases: [Proud to be an Autism Accredited"
                     " council]\n")
    text = "Proud to be an autism accredited council"
    assert recognized(R, text) == ["autism"]
    rec = DlpSpecialCategoryRecognizer(load_lexicon([extra]), load_phrases([extra]))
    assert recognized(rec, text) == []
    assert recognized(rec, "Disability Confident Employer") == []  # the shipped ones stay
    assert "not_about_anyone" not in load_lexicon([extra])  # not a category rules could name


def test_each_finding_names_its_category():
    [r] = R.analyze("a MASH referral", None, None)
    assert r.analysis_explanation.textual_explanation == \
        "'mash referral': safeguarding and social care (social_care)"


def test_a_council_adds_its_own_compounds_and_keeps_the_shipped_ones(tmp_path):
    extra = tmp_path / "local.yaml"
    extra.write_text("not_about_anyone:\n  compounds: [led]\n")
    text = "an LGBT-led youth group"
    assert recognized(R, text) == ["LGBT"]
    rec = DlpSpecialCategoryRecognizer(load_lexicon([extra]), load_phrases([extra]),
                                       load_compounds([extra]))
    assert recognized(rec, text) == []
    assert recognized(rec, "an autism-friendly room") == []
    assert recognized(rec, "The car park will be sectioned off.") == []  # phrases stay


def test_a_council_extends_the_lexicon_with_its_own_file(tmp_path):
    extra = tmp_path / "local.yaml"
    extra.write_text("social_care:\n  terms: [front door referral]\n")
    rec = DlpSpecialCategoryRecognizer(load_lexicon([extra]))
    assert recognized(rec, "a Front Door referral today") == ["Front Door referral"]
    assert recognized(rec, "child protection") == ["child protection"]


def test_a_term_the_council_writes_in_capitals_matches_only_so(tmp_path):
    # its own acronym that is also a word: the Children's Assessment Team, not the cat
    extra = tmp_path / "local.yaml"
    extra.write_text("social_care:\n  terms: [CAT, CAT assessment]\n")
    rec = DlpSpecialCategoryRecognizer(load_lexicon([extra]))
    assert recognized(rec, "referred to CAT; the CAT Assessment is due") == ["CAT",
                                                                            "CAT Assessment"]
    assert recognized(rec, "the cat sat on the Cat flap") == []


def test_a_broken_lexicon_file_says_which(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("health: [not, a, mapping]\n")
    with pytest.raises(LexiconError, match="bad.yaml:1: category 'health' needs a list of terms"):
        load_lexicon([bad])


@pytest.mark.parametrize("text, says", [
    ("social_care:\n  terms: [unclosed\n", "local.yaml:3: not valid YAML"),
    ("social_care:\n  terms: [[front door, referral], edge of care]\n",
     "local.yaml:2: category 'social_care' needs a list of terms (words or phrases)"),
    ("not_about_anyone:\n  phrases: disability confident\n",
     "local.yaml:2: not_about_anyone needs a list of phrases (words)"),
    ("not_about_anyone:\n  compounds: [self-help]\n",
     "local.yaml:2: not_about_anyone needs a list of compounds (one word each)"),
    ("not_about_anyone:\n  description: nothing listed\n",
     "local.yaml:1: not_about_anyone needs a list of phrases (words)"),
])
def test_a_lexicon_mistake_stops_the_configuration_with_its_line(tmp_path, text, says):
    (tmp_path / "local.yaml").write_text(text)
    with pytest.raises(ValueError, match=re.escape(says)):
        Settings.model_validate({"detection": {"lexicons": [str(tmp_path / "local.yaml")]}})


@pytest.mark.parametrize("text, expected", [
    # a leaflet's, a tender's or an FOI answer's people in general: set aside
    ("A memory cafe for people living with dementia and their carers.", []),
    ("Pupils with special educational needs may be eligible for free travel.", []),
    ("Refuge places for adults fleeing domestic abuse, including those with substance misuse "
     "or mental health needs.", []),
    # one's own, or a person's
    ("Her children with ADHD need the quiet room.", ["ADHD"]),
    ("Callum has autism; his friends with ADHD came too.", ["autism", "ADHD"]),
    ("Kayden and the other pupils with ADHD", ["ADHD"]),
    ("one of our tenants living with HIV", ["HIV"]),
    ("two children with autism", ["autism"]),
])
def test_a_term_said_of_people_in_general_is_set_aside(text, expected):
    assert recognized(R, text) == expected


def test_a_group_term_counts_when_the_message_identifies_someone():
    findings, aside = R.analyze_all("The cafe is for people with dementia; Mr Reid, DOB "
                                    "04/05/1941, went.")
    assert [f.entity_type for f in aside] == ["SPECIAL_CATEGORY"] and not findings


# ------------------------------------------------------------------ Welsh

@pytest.mark.parametrize("text, expected", [
    # a term in each form its first word takes: after "ei" (his, her), "fy" (my), "y" (the)
    ("Bydd y gynhadledd amddiffyn plant ddydd Llun.", ["gynhadledd amddiffyn plant"]),
    ("Mae fy mhlentyn sy'n derbyn gofal yn yr ysgol.", ["mhlentyn sy'n derbyn gofal"]),
    ("Mae ei hiechyd meddwl yn wael ac mae ganddo ddementia.",
     ["hiechyd meddwl", "ddementia"]),
    ("Mae hi wedi cael diagnosis o ganser.", ["diagnosis", "ganser"]),
    ("Cafodd ei cham-drin gan ei phartner; mae'n dioddef cam-drin domestig.",
     ["ei cham-drin", "cam-drin domestig"]),
    ("Bydd Cai yn symud i'w leoliad maeth newydd.", ["leoliad maeth"]),
    ("Mae e'n derbyn ei thriniaeth feddygol yn Ysbyty Gwynedd.", ["thriniaeth feddygol"]),
    # a word processor's apostrophe, and letters beyond ASCII
    ("Mae Elin yn blentyn sy’n derbyn gofal.", ["blentyn sy’n derbyn gofal"]),
    ("Mae ei fam yn Hindŵ ac mae yntau'n Fwslim.", ["Hindŵ", "Fwslim"]),
    # services and bodies, not people: no term
    ("Bwrdd Iechyd Prifysgol Betsi Cadwaladr", []),
    ("Mae Gofal Cymdeithasol Cymru yn cofrestru gweithwyr gofal.", []),
    ("Bydd eich biniau'n cael eu casglu ddydd Mawrth.", []),
    ("Mae'r gwasanaeth gofal cartref ar gael i bawb.", []),
    # a Welsh term does not change what English words are found
    ("She was diagnosed with epilepsy", ["diagnosed", "epilepsy"]),
])
def test_welsh_terms_are_found_in_every_form(text, expected):
    assert recognized(R, text) == expected


@pytest.mark.parametrize("text", [
    # a name puts its post, body or event first in Welsh
    "Wythnos Ymwybyddiaeth Iechyd Meddwl",
    "Cofnodion Bwrdd Diogelu Oedolion Gogledd Cymru",
    "Cysylltwch â'r Swyddog Amddiffyn Plant",
    # schemes, helplines, a venue's facilities and a recruitment line are about no one
    "Cyflogwr Hyderus o ran Anabledd",
    "Os ydych chi'n profi cam-drin domestig, ffoniwch Byw Heb Ofn.",
    "Os ydych chi’n fyddar neu’n drwm eich clyw, cysylltwch â ni.",
    "Mae toiled anabl a lle parcio anabl ger y fynedfa.",
    "Rydym yn croesawu ceisiadau gan bobl anabl.",
    "Os hoffech ddod yn ofalwr maeth, ffoniwch ni.",
    "Mae lle i chi ar y cwrs Cymorth Cyntaf Iechyd Meddwl.",
])
def test_welsh_names_and_lines_about_no_one_are_not_findings(text):
    assert recognized(R, text) == []


def test_a_welsh_name_is_set_aside_not_dropped():
    # kept where the message identifies someone, as an English scheme's name is
    findings, aside = R.analyze_all("Bwrdd Diogelu Oedolion")
    assert findings == [] and [r.entity_type for r in aside] == ["SPECIAL_CATEGORY"]


def test_a_welsh_finding_is_explained_as_found_with_its_meaning_and_category():
    [r] = R.analyze("Mae fy mhlentyn sy'n derbyn gofal yn sâl.", None, None)
    assert r.analysis_explanation.textual_explanation == \
        "'mhlentyn sy'n derbyn gofal' (Welsh: looked after child): safeguarding and social " \
        "care (social_care)"
    [r] = R.analyze("a MASH referral", None, None)  # an English one as before
    assert r.analysis_explanation.textual_explanation == \
        "'mash referral': safeguarding and social care (social_care)"


def test_a_council_adds_welsh_terms_of_its_own(tmp_path):
    extra = tmp_path / "local.yaml"
    extra.write_text("social_care:\n  cy:\n    panel lleoli: placement panel\n")
    rec = DlpSpecialCategoryRecognizer(load_lexicon([extra]), welsh=load_welsh([extra]))
    assert recognized(rec, "Bydd y Banel Lleoli yn cwrdd") == ["Banel Lleoli"]
    assert recognized(rec, "gynhadledd amddiffyn plant") == ["gynhadledd amddiffyn plant"]


def test_a_welsh_term_without_its_meaning_says_which_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("health:\n  cy: [canser]\n")
    with pytest.raises(LexiconError, match="bad.yaml:2: category 'health' needs its Welsh terms"):
        load_lexicon([bad])


# Words of the Welsh terms that aspell's Welsh list (compiled in 2002) does not hold: newer
# medical and legal terms, loanwords as Welsh spells them, names, and acronyms. Each is the
# form Welsh public bodies write (NHS Wales, the Welsh Government's terms, the census).
NOT_IN_ASPELL_CY = frozenset({
    # medicine and health, Welsh spellings of loanwords
    "alcoholiaeth", "alcoholig", "anorecsia", "asthma", "awtistig", "bwlimia", "camesgoriad",
    "cemotherapi", "cocên", "dementia", "deubegwn", "dialysis", "dyslecsia", "dyslecsig",
    "epilepsi", "epileptig", "gorbryder", "gorddos", "heroin", "hunanladdol", "methadon",
    "niwronau", "obsesiynol", "presgripsiwn", "seicosis", "seicotig", "sgitsoffrenia",
    "sglerosis", "ymledol", "sirosis", "syndrom", "tiwmor", "trawma", "alzheimer", "parkinson",
    "arthritis", "diabetes", "diagnosis", "seiciatrig",
    "canser", "awtistiaeth", "dibyniaeth", "lliniarol", "beichiogrwydd", "anabl",
    "anableddau", "statws", "straen", "strategaeth", "asesiad",
    # law, care and equality terms
    "euogfarn", "euogfarnau", "galluedd", "gwarcheidiaeth", "interim", "radicaleiddio",
    "ymadawr", "ymadawyr", "digartrefedd", "ethnigrwydd", "hiliol", "mewnfudo", "rhywedd",
    "ailbennu", "cyfeiriadedd", "deurywiol", "trawsryweddol", "anneuaidd", "lesbiaidd",
    "domestig", "gofalwr", "gofalwyr", "camfanteisio", "atwrneiaeth", "mabwysiedig",
    "cynhwysol", "parcio", "staff", "prevent", "motor",
    # faiths and acronyms (LHDT: LGBT)
    "mwslim", "mwslimaidd", "bwdhydd", "bwdhaidd", "hindŵ", "sikh", "jehofa", "gristnogol",
    "lhdt", "lhdtc",
    # mutated forms of the above, as a phrase writes them
    "ddementia", "ofalwr", "ofalwyr", "berthnasau",
    # the short forms after an apostrophe: sy'n (yn), i'r (yr)
    "n", "r",
})


def test_every_word_of_the_welsh_terms_is_welsh():
    if shutil.which("aspell") is None or subprocess.run(
            ["aspell", "-l", "cy", "dump", "master"], capture_output=True).returncode != 0:
        pytest.skip("aspell's Welsh word list (Debian aspell-cy; scripts/dev test installs it) "
                    "is not installed")
    known = frozenset(subprocess.run(["aspell", "-l", "cy", "dump", "master"],
                                     capture_output=True, check=True
                                     ).stdout.decode("utf-8", "replace").lower().split())
    lexicon = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    welsh = [t for entry in lexicon.values() for t in entry.get("cy") or []]
    assert len(welsh) > 250
    words = {w.lower() for t in welsh for w in re.findall(r"[^\W\d_]+", t)}
    unknown = sorted(words - known - NOT_IN_ASPELL_CY)
    assert unknown == [], f"not Welsh, or misspelt: {unknown}"
    assert sorted(NOT_IN_ASPELL_CY & known) == []  # the list keeps only what aspell lacks


def test_every_form_of_every_welsh_term_is_found_in_a_sentence_as_its_term():
    """Every form the lexicon's Welsh terms generate, as written and capitalised, found
    whole where it stands by the one expression and named as its own term."""
    count = 0
    for form, (category, _term, _meaning) in load_welsh().items():
        for shown in (form, form[:1].upper() + form[1:]):
            text = f"Rydym wedi trafod {shown} heddiw."
            found, aside = R.analyze_all(text)
            at = text.index(shown)
            [hit] = [r for r in found + aside if (r.start, r.end) == (at, at + len(shown))]
            assert hit.recognition_metadata["category"] == category, shown
            count += 1
    assert count > 1000


def test_a_welsh_term_of_any_spelling_is_found_in_all_its_forms():
    """The property for terms a council may add: any Welsh-looking word or phrase, mutated,
    is matched in a sentence by the expression built from it."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from dlpgate.detect.welsh import mutations

    word = st.text("abcdefghilmnoprstuwyâêîôûŵŷ", min_size=2, max_size=10)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(word, min_size=1, max_size=3).map(" ".join), st.booleans())
    def check(term, capital):
        forms = [f for f in dict.fromkeys(mutations(term)) if f not in ("gwelais", "ddoe")]
        recognizer = DlpSpecialCategoryRecognizer(
            lexicon={"health": ("health", forms)}, phrases=[], compounds=[],
            welsh={f: ("health", term, "a term") for f in forms})
        for form in forms:
            shown = form[:1].upper() + form[1:] if capital else form
            text = f"Gwelais {shown} ddoe."
            found, aside = recognizer.analyze_all(text)
            assert (8, 8 + len(shown)) in [(r.start, r.end) for r in found + aside], shown

    check()


@pytest.mark.timeout(300)  # a guard against a stall, not a measure: nothing here is timed
def test_a_megabyte_of_welsh_looking_text_is_read_by_expressions_that_cannot_backtrack():
    """As tests/test_backtracking.py has it: no repetition the lexicon's expressions hold can
    split its text many ways, so a body costs time in proportion to its length. Then a
    megabyte of Welsh terms, their first words left unfinished, runs of spaces and hyphens
    and everyday words, every planted term found and nothing else."""
    from dlpgate.backtracking import ambiguous_repetition

    assert not ambiguous_repetition(R._regex.pattern)
    assert not ambiguous_repetition(R._phrases.pattern)
    assert not ambiguous_repetition(R._compounds.pattern)
    import random

    forms = sorted(load_welsh())
    firsts = sorted({f.split()[0] for f in forms if " " in f} - set(forms))
    rng = random.Random(2026)
    chunks, planted, size = [], 0, 0
    while size < 1_000_000:
        size += len(chunks[-1]) + 1 if chunks else 0
        pick = rng.randrange(4)
        if pick == 0:
            chunks.append(rng.choice(forms) + " mae")
            planted += 1
        elif pick == 1:
            chunks.append(rng.choice(firsts) + " -" + " " * rng.randrange(200) + "yn")
        else:
            chunks.append(rng.choice(["mae", "yn", "y", "a", "ac", "ar", "yr", "o", "ysgol",
                                      "Cyngor", "heddiw", "llythyr", "fe"]))
    found, aside = R.analyze_all(" ".join(chunks) + ".")
    assert len(found) + len(aside) == planted > 5_000


def test_a_word_opens_a_term_with_or_without_an_ending_as_each_ending_tried_found():
    # each word of a message was tried against the term's first words once for every ending;
    # the first words with their endings are one set, which must say the same of every word
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from dlpgate.detect.recognizers.special_category import _ENDINGS

    def tried(word):
        return word in R._starts or any(word.endswith(e) and word[: -len(e)] in R._starts
                                        for e in _ENDINGS)

    starts = sorted(R._starts)
    for word in {*starts, *(s + e for s in starts for e in _ENDINGS), *(s[:-1] for s in starts),
                 *(s + "x" for s in starts), *_ENDINGS, ""}:
        assert (word in R._openers) == tried(word), word

    @settings(max_examples=500, deadline=None)
    @given(st.sampled_from(starts), st.text("degins'", max_size=4), st.integers(0, 3))
    def same(start, tail, cut):
        word = start[: len(start) - cut] + tail
        assert (word in R._openers) == tried(word)

    same()
