from presidio_analyzer import RecognizerRegistry

from dlpgate.detect.recognizers import PATTERN_RECOGNIZERS


def test_every_recognizer_is_a_presidio_recognizer_a_registry_accepts():
    registry = RecognizerRegistry()
    for cls in PATTERN_RECOGNIZERS:
        registry.add_recognizer(cls())
    names = {r.name for r in registry.recognizers}
    assert {cls.__name__ for cls in PATTERN_RECOGNIZERS} <= names


def test_every_result_explains_itself():
    for cls in PATTERN_RECOGNIZERS:
        for r in cls().analyze("Mrs J Brown, NHS 943 476 5919, LS1 4AP, a@b.org", None, None):
            assert r.analysis_explanation.textual_explanation


def test_in_a_labelled_row_only_a_values_own_label_is_its_context():
    from dlpgate.detect.recognizers.date_of_birth import DlpDateOfBirthRecognizer
    from dlpgate.detect.recognizers.uk_nhs import DlpUkNhsRecognizer
    from dlpgate.testing import recognized

    # the next cell's label made six referral dates dates of birth
    row = "Child: Amy Reid; Date referred: 10/01/2025; DOB: 04/05/2016; Address: 2 Wren Close"
    assert recognized(DlpDateOfBirthRecognizer(), row) == ["04/05/2016"]
    # and a phone column beside the NHS number's, on either side, took the number away
    for row in ("Child: Amy Reid; NHS number: 943 476 5919; Home phone: 01632 960100",
                "Child: Amy Reid; Mobile: 07700 900123; NHS number: 943 476 5919\n"
                "Child: Leo Barnes; NHS number: 401 023 2137; Mobile: 07700 900456"):
        assert "943 476 5919" in recognized(DlpUkNhsRecognizer(), row), row
    # prose is read as it was: a clause after a semicolon is no cell
    assert recognized(DlpDateOfBirthRecognizer(), "Her date of birth is 04/05/2016; she") == \
        ["04/05/2016"]
    assert recognized(DlpUkNhsRecognizer(), "tel: 943 476 5919") == []


def test_a_line_that_opens_with_a_name_and_a_colon_is_prose_not_a_cell():
    from dlpgate.detect.recognizers.date_of_birth import DlpDateOfBirthRecognizer
    from dlpgate.testing import recognized

    text = "The children are (DOB):\nJayden: 04/05/2016"
    assert recognized(DlpDateOfBirthRecognizer(), text) == ["04/05/2016"]


def _unlooked(words):
    """Context words as `_words` matched them before it looked at the first character."""
    import re

    from dlpgate.detect.recognizers.base import _ENDS, _STARTS

    alternatives = "|".join(re.escape(w).replace(r"\ ", r"[\s\-_]*") for w in
                            sorted(words, key=len, reverse=True))
    return re.compile(rf"{_STARTS}(?:{alternatives}){_ENDS}", re.IGNORECASE)


def test_context_words_are_found_where_they_were_before_the_first_letter_was_looked_at():
    # the look at a word's first character made the search two to four times as fast; it
    # finds the same: in any case, in labels, after a letter whose case folds to a word's
    # (the long s, the Kelvin sign), and for a site's own words opening with a space or a sign
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from dlpgate.detect.recognizers.base import _words

    letters = "sSkKabcdo \u017f\u212a-_./#:;\n0"
    word = st.text(letters, min_size=1, max_size=6)

    @settings(max_examples=3000, deadline=None)
    @given(st.lists(word, min_size=1, max_size=4).map(tuple), st.text(letters, max_size=40))
    def same(words, text):
        assert [m.span() for m in _words(words).finditer(text)] == \
            [m.span() for m in _unlooked(words).finditer(text)]

    same()
    for words, text in [(("sort code", "bank"), "ſort code 12-34-56; BankAccount"),
                        (("kids",), "\u212aids"), ((" ref", "ref"), "a  ref"),
                        (("d.o.b", "dob"), "PersonDOB: 04/05/2016 (d.o.b.)")]:
        assert [m.span() for m in _words(words).finditer(text)] == \
            [m.span() for m in _unlooked(words).finditer(text)] != []


def test_a_pattern_given_its_first_characters_matches_what_it_matched_without_them():
    # `FIRST` lets re skip to where a match can open; a class that left out a character a
    # match can open with would lose those matches silently
    import re

    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    hinted = [cls() for cls in PATTERN_RECOGNIZERS if cls.FIRST]
    assert len(hinted) == 9
    plain = [re.compile(r.PATTERN, r.FLAGS) for r in hinted]
    alphabet = "0123456789" * 3 + " -+().:/\n" + "ABDEGJKLMNPRSTWXYZ9a\u0663\uff14"

    def agree(text):
        for r, p in zip(hinted, plain, strict=True):
            assert [m.span() for m in r._regex.finditer(text)] == \
                [m.span() for m in p.finditer(text)], type(r).__name__

    @settings(max_examples=3000, deadline=None)
    @given(st.text(st.sampled_from(alphabet), max_size=60))
    @example("NHS 943 476 5919, tel +44 (0)113 496 0000 or (0113) 496 0000, UPN A123456789012")
    @example("GB82 WEST 1234 5698 7654 32; card 4111 1111 1111 1111; 12-34-56, 12345678")
    @example("passport 123456789, licence MORGA657054SM9IJ, \u0669\u0664\u0663 476 5919")
    def same(text):
        agree(text)

    same()
    # every character in the place of a match's first, as whatever comes next
    samples = ["943 476 5919", "123456789", "MORGA657054SM9IJ", "+44 113 496 0000",
               "(0113) 496 0000", "A123456789012", "GB82 WEST 1234 5698 7654 32",
               "4111 1111 1111 1111", "12-34-56", "12345678"]
    for c in [chr(n) for n in range(32, 127)] + ["\u0663", "\uff14", "\u017f", "\u212a"]:
        for sample in samples:
            agree(f"x {c}{sample[1:]} {c}{sample}")


def test_every_match_holds_the_digits_in_a_row_its_class_says():
    # `PatternDetector` does not ask a recognizer whose DIGITS a text's longest run of digits
    # falls short of; a class that asked too many would lose those matches silently
    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    from dlpgate.detect.recognizers.base import longest_digits

    counted = [cls() for cls in PATTERN_RECOGNIZERS if cls.DIGITS]
    assert len(counted) == 12
    pieces = ["0", "1", "4", "9", "12", "44", "943", "5919", "2016", "\u0663", "\uff14", " ", "-",
              "/", ".", "+", "(", ")", "A", "GB", "MORGA", "SM", "LS1", "4AP", " May ", "aged ",
              " years old", "DOB: ", "NHS number ", "account number ", "sort code ",
              "passport ", "card ", "tel "]

    def agree(text):
        for r in counted:
            found = r.analyze(text, None, None) + [
                m for m in r._regex.finditer(text)]  # the pattern's own matches too
            for f in found:
                start, end = (f.start, f.end) if hasattr(f, "entity_type") else f.span()
                assert longest_digits(text[start:end]) >= r.DIGITS, (type(r).__name__, text)

    @settings(max_examples=3000, deadline=None)
    @given(st.lists(st.sampled_from(pieces), max_size=30).map("".join))
    @example("NHS 943 476 5919, tel +44 (0)113 496 0000 or (0113) 496 0000, UPN A123456789012")
    @example("GB82 WEST 1234 5698 7654 32; card 4111 1111 1111 1111; sort code 12-34-56, "
             "account number 12345678, passport 123456789, licence MORGA657054SM9IJ")
    @example("DOB: 4/5/16, born 4 May 2016, aged 7, 7 years old, LS1 4AP, JT 48 22 91 B")
    @example("tel 01 23 45 67 89 or +44 12 34 56 78, GB12 ABCD EFGH IJKL")
    def same(text):
        agree(text)

    same()
    assert longest_digits("") == longest_digits("no digits") == 0
    assert longest_digits("12 345-6789 \u0663\u0664") == 4
