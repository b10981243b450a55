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


def persons(nlp, texts: list[str]) -> list[list[tuple[int, int]]]:
    """For each text, the (start, end) spans spaCy labels PERSON."""
    pieces = [(i, off, chunk) for i, text in enumerate(texts) for off, chunk in chunks(text)]
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    docs = nlp.pipe((c for _, _, c in pieces), batch_size=32)
    for (i, off, _chunk), doc in zip(pieces, docs, strict=True):
        for ent in doc.ents:
            if ent.label_ != "PERSON" or not _NAMEISH.search(ent.text):
                continue
            start, end = ent.start_char, ent.end_char
            if ent.text.endswith(("'s", "\u2019s")):
                end -= 2
            if len(ent) > 4:
                continue
            out[i].append((off + start, off + end))
    return out
