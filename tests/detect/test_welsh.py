import shutil
import subprocess
from functools import cache

import pytest

from dlpgate.detect.welsh import mutations


@pytest.mark.parametrize("word, forms", [
    # soft, nasal, aspirate
    ("plentyn", ["plentyn", "blentyn", "mhlentyn", "phlentyn"]),
    ("triniaeth", ["triniaeth", "driniaeth", "nhriniaeth", "thriniaeth"]),
    ("cynhadledd", ["cynhadledd", "gynhadledd", "nghynhadledd", "chynhadledd"]),
    # soft and nasal only
    ("beichiog", ["beichiog", "feichiog", "meichiog"]),
    ("diagnosis", ["diagnosis", "ddiagnosis", "niagnosis"]),
    # a soft g is lost
    ("gofal", ["gofal", "ofal", "ngofal"]),
    # soft only
    ("mam", ["mam", "fam"]),
    ("lleoliad maeth", ["lleoliad maeth", "leoliad maeth"]),
    ("rhiant", ["rhiant", "riant"]),
    # a vowel takes an h after "ei" (her), "ein", "eu"
    ("iechyd meddwl", ["iechyd meddwl", "hiechyd meddwl"]),
    ("anabledd", ["anabledd", "hanabledd"]),
    ("ŵyr", ["ŵyr", "hŵyr"]),
    # never changed: ch, dd, ff, ng, ph, th, and an unmutated l, n, s
    ("chwaer", ["chwaer"]), ("ffydd", ["ffydd"]), ("lesbiaidd", ["lesbiaidd"]),
    ("seicosis", ["seicosis"]), ("hoyw", ["hoyw"]),
    # a phrase changes its first word only; a capital stays one
    ("cam-drin domestig", ["cam-drin domestig", "gam-drin domestig", "ngham-drin domestig",
                           "cham-drin domestig"]),
    ("Mwslim", ["Mwslim", "Fwslim"]),
    ("", []),
])
def test_a_word_is_given_in_each_form_welsh_puts_it_in(word, forms):
    assert mutations(word) == forms


@cache
def _aspell_welsh() -> frozenset[str]:
    out = subprocess.run(["aspell", "-l", "cy", "dump", "master"], capture_output=True,
                         check=True).stdout.decode("utf-8", "replace")
    return frozenset(w.lower() for w in out.split())


def _need_aspell() -> None:
    if shutil.which("aspell") is None or subprocess.run(
            ["aspell", "-l", "cy", "dump", "master"], capture_output=True).returncode != 0:
        pytest.skip("aspell's Welsh word list (Debian aspell-cy; scripts/dev test installs it) "
                    "is not installed")


@pytest.mark.parametrize("word", ["plentyn", "gofal", "triniaeth", "cynhadledd", "pryder",
                                  "teulu", "tad", "bwrdd", "dyn", "gwaith", "llys", "rhif",
                                  "anabledd", "iechyd", "meddyginiaeth", "cartref"])
def test_every_form_made_is_one_a_welsh_dictionary_knows(word):
    _need_aspell()
    assert [f for f in mutations(word) if f not in _aspell_welsh()] == []


def test_any_text_gives_itself_first_then_forms_differing_only_in_their_first_letters():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=2000, deadline=None)
    @given(st.one_of(st.text(max_size=20), st.text("abcdefghilmnoprstuwyâŵŷ ABCDGLMPRT'’-",
                                                   max_size=20)))
    def check(term):
        forms = mutations(term)
        assert forms[:1] == ([term] if term else [])
        for form in forms[1:]:
            assert form and form != term
            # at most the first three letters change; what follows is the term's own
            assert any(form[len(form) - len(term) + cut:] == term[cut:] for cut in (0, 1, 2))
            # a capital stays a capital: never a small letter made of one (a script without
            # capitals, as "Gఅ" softened to "అ", has none to keep)
            assert not form[:1].islower() or not term[:1].isupper()

    check()
