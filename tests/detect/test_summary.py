from dlpgate.detect.summary import identifiers_said, mask, summarize
from dlpgate.model import Finding


def f(entity, text, score=0.9, why=""):
    return Finding(entity, "body", 0, len(text), score, text, why, "t")


def test_a_value_quoted_down_a_thread_counts_once():
    s = summarize([f("UK_NHS", "943 476 5919"), f("UK_NHS", "9434765919"),
                   f("PERSON", "Mrs J Brown"), f("PERSON", "J Brown")])
    assert s.counts == {"UK_NHS": 2, "PERSON": 2}
    assert s.distinct == {"UK_NHS": 1, "PERSON": 1}
    assert s.data_subjects == 1 and s.identified_subjects == 1


def test_only_confident_identifiers_count_as_identified_people():
    s = summarize([f("DATE_OF_BIRTH", "aged 7", score=0.6)])
    assert s.identified_subjects == 0 and s.data_subjects == 1


def test_a_councils_case_reference_under_its_own_entity_name_identifies_people():
    # thirty council tax accounts under COUNCIL_TAX_ACCOUNT went as identifiers of 0 people
    accounts = [Finding("COUNCIL_TAX_ACCOUNT", "a.csv", 0, 8, 0.9, f"9184013{i}", "",
                        "case-reference:council tax account") for i in range(3)]
    assert summarize(accounts).identified_subjects == 3
    assert summarize([f("COUNCIL_TAX_ACCOUNT", "91840131")]).identified_subjects == 0


def test_the_identifiers_that_counted_people_are_said_in_words_never_their_values():
    found = [f("UK_NHS", "943 476 5919"), f("UK_NHS", "9434765919"),
             f("DATE_OF_BIRTH", "03/04/2015"), f("DATE_OF_BIRTH", "12/01/2016"),
             f("DATE_OF_BIRTH", "aged 7", score=0.6), f("PERSON", "Amy Reid"),
             Finding("MOSAIC_ID", "body", 0, 6, 0.9, "123456", "", "case-reference:Mosaic ID")]
    said = identifiers_said(found)
    assert said == "an NHS number, 2 dates of birth and a Mosaic ID"
    assert "943" not in said and "Amy" not in said
    assert identifiers_said([f("UK_NINO", "QQ123456C")]) == "a National Insurance number"
    assert identifiers_said([f("PERSON", "Amy Reid")]) == "no identifier"


def test_special_categories_are_listed():
    s = summarize([f("SPECIAL_CATEGORY", "asthma", why="'asthma': a health condition (health)")])
    assert s.special_category and s.special_categories == ("health",)


def test_masks_show_enough_to_recognise_not_to_learn():
    assert mask("UK_NHS", "943 476 5919") == "\u2022\u2022\u2022 \u2022\u2022\u2022 \u2022919"
    assert mask("PERSON", "Callum Reid") == "C\u2022\u2022\u2022\u2022\u2022 R\u2022\u2022\u2022"
    assert mask("EMAIL_ADDRESS", "callum@example.org") == "c\u2022\u2022\u2022@example.org"
    assert mask("UK_POSTCODE", "LS1 4AP") == "LS1 \u2022\u2022\u2022"
