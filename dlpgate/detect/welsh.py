"""Welsh initial mutations: the forms a Welsh word takes after the word before it.

Welsh changes a word's first sound after certain words: "plentyn" (child) is "ei blentyn"
(his child, soft), "fy mhlentyn" (my child, nasal), "ei phlentyn" (her child, aspirate), and
a word starting with a vowel takes an h after "ei" (her), "ein" (our) and "eu" (their): "ei
hiechyd meddwl" (her mental health). A lexicon that listed only "plentyn" would miss most of
the places a child is written about, and listing every form by hand invites a missing one.

    mutations("triniaeth") -> ["triniaeth", "driniaeth", "nhriniaeth", "thriniaeth"]
"""

from __future__ import annotations

# first letters -> (soft, nasal, aspirate); "" where that mutation leaves the word alone.
# Two-letter onsets first: "ll" and "rh" soften, "ch", "dd", "ff", "ng", "ph", "th" never change.
_ONSETS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    ("ll", ("l", "", "")), ("rh", ("r", "", "")),
    ("ch", ("", "", "")), ("dd", ("", "", "")), ("ff", ("", "", "")), ("ng", ("", "", "")),
    ("ph", ("", "", "")), ("th", ("", "", "")),
    ("p", ("b", "mh", "ph")), ("t", ("d", "nh", "th")), ("c", ("g", "ngh", "ch")),
    ("b", ("f", "m", "")), ("d", ("dd", "n", "")), ("g", ("-", "ng", "")), ("m", ("f", "", "")),
)
_VOWELS = frozenset("aeiouwyâêîôûŵŷáéíóúẃýàèìòùẁỳäëïöüẅÿ")


def mutations(term: str) -> list[str]:
    """The term and its mutated forms, the first word changed and the rest as written (a
    phrase's later words are written in the form they take after the first): soft, nasal,
    aspirate, and the h before a vowel. A capital stays a capital ("Mwslim", "Fwslim")."""
    if not term:
        return []
    first = term[:2].lower()
    forms = [term]
    if first[0] in _VOWELS:
        forms.append(("H" if term[0].isupper() else "h") + term[0].lower() + term[1:])
        return forms
    for onset, changes in _ONSETS:
        if not first.startswith(onset):
            continue
        rest = term[len(onset):]
        for new in changes:
            if not new:
                continue
            new = "" if new == "-" else new  # soft g is lost: gofal, ofal
            if not new and not rest:
                continue
            word = new + rest
            if term[0].isupper():
                word = word[:1].upper() + word[1:]
            forms.append(word)
        break
    return forms
