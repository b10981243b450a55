import pytest

from dlpgate.detect.recognizers.person import DlpPersonTitleRecognizer
from dlpgate.testing import recognized

R = DlpPersonTitleRecognizer()


@pytest.mark.parametrize("text, expected", [
    ("visited Mrs J Brown at home", ["Mrs J Brown"]),
    ("Dr. Amira Khan said", ["Dr. Amira Khan"]),
    ("Dear Callum,\nthanks", ["Callum"]),
    ("Hi Sarah Jones\n", ["Sarah Jones"]),
    ("Dear Sir/Madam", []),
    ("Dear all,", []),
    # a post or a role the letter goes to is no one's name
    ("Dear Bidder,\nthe tender closes", []),
    ("Dear Requester\nYour request", []),
    ("Dear Headteacher,", []),
    ("Dear Tenant Aisha Khan,\nyour flat", ["Aisha Khan"]),
    ("Mrs smith in lower case", []),
])
def test_titles_and_salutations_name_people(text, expected):
    assert recognized(R, text) == expected
