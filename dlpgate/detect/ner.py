"""spaCy NER for PERSON: the costly evidence, loaded once per worker, run within a budget.

Only the components NER needs are loaded (tok2vec and ner; tagger, parser and
lemmatizer cost half the time and change nothing here). Text goes through in
chunks of a few KB with `nlp.pipe`, subject and body first, and stops at
`detection.ner_max_chars` per message; the result says when it stopped.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator

from dlpgate.detect import whom

_CHUNK = 4000
_KEEP = ("tok2vec", "ner")


class ModelMissing(Exception):
    def __init__(self, model: str) -> None:
        package = model.replace("_", "-")
        super().__init__(
            f"the spaCy model {model!r} is not installed: pip install {package} "
            "(or set detection.ner: false to run the pattern recognizers alone)")


def check_model(model: str) -> None:
    if importlib.util.find_spec(model) is None:
        raise ModelMissing(model)


def load(model: str):  # -> spacy.Language
    check_model(model)
    import spacy

    nlp = spacy.load(model, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer",
                                     "senter", "morphologizer"])
    for name in nlp.pipe_names:
        if name not in _KEEP:
            nlp.remove_pipe(name)
    return nlp


def chunks(text: str, size: int = _CHUNK) -> Iterator[tuple[int, str]]:
    """(offset, chunk) pieces of at most `size` characters, cut at a line or a space."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start + size // 2, end)
            if cut < 0:
                cut = text.rfind(" ", start + size // 2, end)
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


_NAMEISH = re.compile(r"[A-Za-z]")
_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+|\n|$)")
_CAPITALISED = re.compile(r"\b[A-Z][a-z'\u2019]+|\b[A-Z]{2,}\b")
# Words that start sentences in ordinary prose. A sentence whose only capitalised
# word is one of these (or "I") cannot hold a name, so NER is not run on it.
_STARTERS = frozenset("""
a about after all also although an and any are as at be because before best but by can
could dear did do does due during each even every few following for from further good
had has have he her here hi hello his how however i if in is it its just kind let many
may maybe might more most much my no not now of ok okay on once one only or other our
please regards since so some sorry still such thank thanks that the their then there
these they this those though thus to today tomorrow unfortunately unless until we
well what when where whether which while who why will with would yes yesterday yet you
your
""".split())


def candidate_text(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pieces of `text` that could contain a name.

    Names are capitalised; a sentence whose only capital is its first word, and
    that word a common sentence opener ("Thanks", "Please", "As agreed"), has no
    name in it. Skipping such sentences halves NER's work on ordinary prose.
    """
    out = []
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        if not sentence.strip():
            continue
        words = _CAPITALISED.findall(sentence)
        stripped = sentence.lstrip()
        first = re.match(r"[A-Za-z'\u2019]+", stripped)
        first_word = first.group(0) if first else ""
        rest = [w for w in words if w != "I"]
        if rest and rest[0] == first_word and first_word.lower() in _STARTERS:
            rest = rest[1:]
        if rest:
            out.append((m.start(), sentence))
    return out


# Words of a form's or a table's labels and of a greeting, which spaCy reads as names beside
# one ("Postcode", "Child" in a column header; "Smith John DOB" in a file name; "Dear Julie"):
# taken off either end of a PERSON span, and a span of nothing else is no one.
_NOT_NAME_WORDS = frozenset("""
dear hi hello dob nhs upn nino ni postcode address name names surname forename child
children pupil parent carer guardian status school gender ethnicity notes placement mobile
phone telephone email date birth ref reference number year class group age
cheers thanks regards wishes
""".split()) | whom.ADDRESSEES | whom.WELSH_WORDS | {"mae", "ddydd"}  # Welsh "is", "on (day)"
# Words of a place's or a body's name, which spaCy now and then reads as a person's from a
# footer or an invitation ("Civic Centre", "Memory Cafe", "Managing Attendance"): taken off a
# span's end, and a span left with one word, or holding one inside, is no one ("Kayden Reid
# Oakfield Academy" keeps "Kayden Reid Oakfield").
_PLACE_WORDS = whom.PLACE_WORDS | {"council", "attendance", "partnership", "lottery"}
_WORD_AT = re.compile(r"[A-Za-z'\u2019]+")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without label or greeting words at its ends; None when nothing is left, or
    when what is left names a place."""
    words = [(m.start(), m.end(), _plain(m.group(0)))
             for m in _WORD_AT.finditer(text, start, end)]
    while words and words[0][2] in _NOT_NAME_WORDS:
        words.pop(0)
    while words and words[-1][2] in _NOT_NAME_WORDS:
        words.pop()
    placed = False
    while words and words[-1][2] in _PLACE_WORDS:  # "Amira Hussain Hub": the name stays
        words.pop()
        placed = True
    if placed and len(words) < 2 or any(w[2] in _PLACE_WORDS for w in words):
        return None  # "Civic Centre", "Ashfield Library", "Memory Cafe"
    return (words[0][0], words[-1][1]) if words else None


def _plain(word: str) -> str:
    return re.sub(r"['\u2019]s$", "", word).lower()


def persons(nlp, texts: list[str]) -> list[list[tuple[int, int]]]:
    """For each text, the (start, end) spans spaCy labels PERSON."""
    pieces = []
    for i, text in enumerate(texts):
        candidates = candidate_text(text)
        joined, offsets = "", []  # candidate sentences, kept at their own offsets
        for off, sentence in candidates:
            offsets.append((len(joined), off, len(sentence)))
            joined += sentence + "\n"
        for coff, chunk in chunks(joined):
            pieces.append((i, coff, chunk, offsets))
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    docs = nlp.pipe((c for _, _, c, _ in pieces), batch_size=32)
    for (i, coff, _chunk, offsets), doc in zip(pieces, docs, strict=True):
        for ent in doc.ents:
            if ent.label_ != "PERSON" or not _NAMEISH.search(ent.text):
                continue
            start, end = coff + ent.start_char, coff + ent.end_char
            if ent.text.endswith(("'s", "\u2019s")):
                end -= 2
            if len(ent) > 4:
                continue
            for jstart, orig, length in offsets:
                if jstart <= start and end <= jstart + length:
                    kept = _trimmed(texts[i], orig + start - jstart, orig + end - jstart)
                    if kept is not None:
                        out[i].append(kept)
                    break
    return out

