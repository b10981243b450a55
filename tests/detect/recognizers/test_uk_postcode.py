import pytest

from dlpgate.detect.recognizers.uk_postcode import DlpUkPostcodeRecognizer
from dlpgate.testing import recognized

R = DlpUkPostcodeRecognizer()


@pytest.mark.parametrize("text, expected", [
    ("12 Acacia Avenue, Leeds LS1 4AP", ["LS1 4AP"]),
    ("SW1A 1AA", ["SW1A 1AA"]),
    ("EC1A 1BB and M1 1AE", ["EC1A 1BB", "M1 1AE"]),
    ("QX1 1AA: Q never starts a postcode", []),
    ("LS1 4CI: C and I are never in the inward code", []),
    ("version 2.1 4AP", []),
])
def test_postcodes(text, expected):
    assert recognized(R, text) == expected


def test_an_unspaced_postcode_is_less_certain():
    [r] = R.analyze("code LS14AP here", None, None)
    assert r.score < 0.85


@pytest.mark.parametrize("text", ["cod post LL551SH", "Cyfeiriad: 3 Heol y Bont, LL551SH"])
def test_an_unspaced_postcode_with_welsh_context_words_is_as_sure_as_with_english(text):
    # "cod post" (postcode), "cyfeiriad" (address), "heol" (road)
    [r] = R.analyze(text, None, None)
    assert r.score == R.CONTEXT_SCORE
