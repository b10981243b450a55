import pytest

from dlpgate.detect.recognizers.email import DlpEmailRecognizer
from dlpgate.testing import recognized


@pytest.mark.parametrize("text, expected", [
    ("write to jo.bloggs+case@example-council.gov.uk.", ["jo.bloggs+case@example-council.gov.uk"]),
    ("<a@b.org>", ["a@b.org"]),
    ("not@an address", []),
])
def test_email_addresses(text, expected):
    assert recognized(DlpEmailRecognizer(), text) == expected
