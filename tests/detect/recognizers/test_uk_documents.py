import pytest

from dlpgate.detect.recognizers.uk_documents import (
    DlpUkDrivingLicenceRecognizer,
    DlpUkPassportRecognizer,
)
from dlpgate.testing import recognized


@pytest.mark.parametrize("text, expected", [
    ("passport 123456789", ["123456789"]),
    ("order 123456789", []),
])
def test_passport_numbers_need_the_word(text, expected):
    assert recognized(DlpUkPassportRecognizer(), text) == expected


@pytest.mark.parametrize("text, expected", [
    ("licence MORGA753116SM9IJ", ["MORGA753116SM9IJ"]),
    ("MORGA779116SM9IJ has month 79", []),
])
def test_driving_licence_numbers(text, expected):
    assert recognized(DlpUkDrivingLicenceRecognizer(), text) == expected
