"""Personal data in the content: the pattern recognizers on all text, NER within a budget.

Two detectors, because they cost different amounts:
- `PatternDetector` (cheap): every recognizer in detect/recognizers over every part,
  subject, body and each attachment, whatever its size.
- `NerDetector` (costly): spaCy NER for PERSON, on the first `detection.ner_max_chars`
  of the message. The pipeline runs it only when it could change the verdict.

Both drop the sender's own name (the signature block, "Thanks, Alice"): the
person writing is not a data subject of their own message. For the same reason a
special-category term in the signature's name of the writer's post or team ("Fostering
Team", "Clinical Psychologist, CAMHS") is dropped (detect/signature.py).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from presidio_analyzer import RecognizerResult

from dlpgate.config import Settings
from dlpgate.detect import ner, recognizers, signature, whom
from dlpgate.detect.recognizers.base import longest_digits
from dlpgate.detect.registry import Context, register
from dlpgate.detect.summary import CASE_REFERENCE_DETECTOR, CONFIDENT, STRONG_IDENTIFIERS
from dlpgate.detect.whom import sender_names
from dlpgate.model import Finding, Message, TextPart


def identifies(findings: list[Finding]) -> bool:
    """Whether the findings name someone by an identifier that points at one person (an NHS
    number, a date of birth, a case reference), as `data_subjects` counts them."""
    return any(f.score >= CONFIDENT and (f.entity in STRONG_IDENTIFIERS or
                                         f.detector.startswith(CASE_REFERENCE_DETECTOR))
               for f in findings)


def is_sender(value: str, names: set[str]) -> bool:
    words = [w for w in re.findall(r"[a-z]{2,}", value.lower())
             if w not in ("mr", "mrs", "ms", "miss", "mx", "dr", "prof")]
    return bool(words) and all(w in names for w in words)


class _Thresholds:
    def __init__(self, settings: Settings) -> None:
        d = settings.detection
        self.per_entity = d.thresholds
        self.default = d.default_threshold

    def keep(self, entity: str, score: float) -> bool:
        return score > 0 and score >= self.per_entity.get(entity, self.default)


# Spaces and hyphens other than the ASCII ones the patterns look for, read as those, a character
# for a character so a finding keeps its offsets and its text as written: an NHS number kept
# from breaking across lines with no-break spaces (943\u00a0476\u00a05919, as case systems and web
# pages write it, and as Outlook's plain text keeps it) went out unfound, and so did one with
# thin spaces, en dashes, non-breaking or soft hyphens between its groups
_SPACING = str.maketrans({**dict.fromkeys("\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                                          "\u200a\u202f\u205f\u3000", " "),
                          **dict.fromkeys("\u00ad\u2010\u2011\u2012\u2013\u2212", "-")})


# Characters that take no room, left out before the patterns look: a web case system pastes
# an NHS number as 943\u200b476\u200b5919 (zero-width spaces where it lets the line break),
# a word processor joins with \u2060 or \u200d, and a byte order mark turns up mid-text where
# files were pasted together; each went out unfound. They cannot be read as a space, a
# character for a character, as a no-break space is: "94\u200b34765919" is no spaced number.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


class _Seen:
    """A part's text as the patterns read it (`_SPACING`, without `_INVISIBLE`), and the way
    back from an offset in it to the part's own text, where findings point: the review app
    marks them there, and a finding's text is as written, its invisible characters in it."""

    def __init__(self, text: str) -> None:
        spaced = text.translate(_SPACING)
        # for each character left out, the offset in the text read at which it stood (before
        # the character read there), in order
        self.gaps = [m.start() - n for n, m in enumerate(_INVISIBLE.finditer(spaced))]
        self.text = _INVISIBLE.sub("", spaced) if self.gaps else spaced

    def span(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) in the text read, as offsets into the part's text: from its first
        character to its last, the characters left out between them inside it."""
        if not self.gaps or end <= start:
            return start, end
        return (start + bisect.bisect_right(self.gaps, start),
                end - 1 + bisect.bisect_right(self.gaps, end - 1) + 1)


def _finding(part: TextPart, r: RecognizerResult, detector: str,
             seen: _Seen | None = None) -> Finding:
    why = r.analysis_explanation.textual_explanation if r.analysis_explanation else ""
    start, end = seen.span(r.start, r.end) if seen is not None else (r.start, r.end)
    return Finding(entity=r.entity_type, part=part.name, start=start, end=end,
                   score=r.score, text=part.text[start:end], explanation=why,
                   detector=detector)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Overlapping findings of one entity in one part: keep the longest, then the surest."""
    findings.sort(key=lambda f: (f.part, f.entity, f.start, -(f.end - f.start), -f.score))
    out: list[Finding] = []
    for f in findings:
        last = out[-1] if out else None
        if last and (last.part, last.entity) == (f.part, f.entity) and f.start < last.end:
            continue
        out.append(f)
    return out


class PatternDetector:
    name = "patterns"
    costly = False

    def __init__(self, settings: Settings) -> None:
        self.recognizers = recognizers.build(settings.detection)
        self.thresholds = _Thresholds(settings)

    def detect(self, message: Message, ctx: Context) -> Iterable[Finding]:
        names = sender_names(message)
        found: list[Finding] = []
        # Terms about no one in a letter to a resident (a scheme in the footer, the writer's
        # team under their name, "if you have a disability"): dropped unless the message
        # identifies someone, where "Ravi Patel (DOB ...) has the Epilepsy Action card" and a
        # case list pasted under "Thanks, Jo" are about them
        aside: list[Finding] = []
        posts: list[Finding] = []  # the writer's own, by where they stand: no name check
        for part in message.parts:
            roles: list[tuple[int, int]] | None = None  # the signature's posts, when needed
            seen = _Seen(part.text)
            digits = longest_digits(seen.text)  # once a text, for every number's recognizer
            for rec in self.recognizers:
                if digits < rec.DIGITS:
                    continue  # none of its matches could be in this text
                results, doubted = rec.analyze_all(seen.text)
                aside += [_finding(part, r, rec.name, seen) for r in doubted]
                for r in results:
                    if not self.thresholds.keep(r.entity_type, r.score):
                        continue
                    f = _finding(part, r, rec.name, seen)
                    if f.entity == "PERSON" and is_sender(f.text, names):
                        continue
                    if f.entity == "SPECIAL_CATEGORY" and part.name != "subject":
                        if roles is None:
                            roles = signature.role_spans(part.text, frozenset(names),
                                                         message.from_addr.rpartition("@")[0])
                        if signature.within(roles, f.start, f.end):
                            posts.append(f)  # "Fostering Team" under the writer's name
                            continue
                    found.append(f)
        if posts and identifies(found):
            found += [f for f in posts if self.thresholds.keep(f.entity, f.score)]
        if aside:
            found += self._kept(message, found, aside)
        return _dedupe(found)

    def _kept(self, message: Message, found: list[Finding],
              aside: list[Finding]) -> list[Finding]:
        """The terms set aside that count after all: every one in a message that identifies
        someone, and otherwise each whose sentence names a person ("Mrs Begum and the other
        residents with dementia", "Ms Shah needs disabled access to her flat")."""
        aside = [f for f in aside if self.thresholds.keep(f.entity, f.score)]
        if identifies(found):
            return aside
        own = whom.own_names(message)
        text = {p.name: p.text for p in message.parts}
        terms: dict[str, list[tuple[int, int]]] = {}
        for f in (*found, *aside):
            if f.entity == "SPECIAL_CATEGORY":
                terms.setdefault(f.part, []).append((f.start, f.end))
        return [f for f in aside if f.part in text and whom.names_someone(
            text[f.part], f.start, f.end, own, terms.get(f.part, ()))]


class NerDetector:
    name = "ner"
    costly = True
    provides = ("PERSON",)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.max_chars = settings.detection.ner_max_chars
        self.thresholds = _Thresholds(settings)
        self._nlp = None
        self.notes: list[str] = []

    @property
    def nlp(self):  # loaded on first use, once per worker process
        if self._nlp is None:
            self._nlp = ner.load(self.settings.detection.model)
        return self._nlp

    def detect(self, message: Message, ctx: Context) -> Iterable[Finding]:
        """One spaCy pass over the message: its parts joined (subject and body first),
        since each separate document costs spaCy a fixed overhead."""
        self.notes = []
        if not self.thresholds.keep("PERSON", 0.85):
            return []
        pieces: list[tuple[TextPart, int, int]] = []  # part, offset in joined text, length
        joined: list[str] = []
        budget, offset = self.max_chars, 0
        total = sum(len(p.text) for p in message.parts)
        for part in message.parts:
            if budget <= 0:
                break
            text = part.text[:budget]
            pieces.append((part, offset, len(text)))
            joined.append(text)
            offset += len(text) + 2
            budget -= len(text)
        scanned = sum(n for _, _, n in pieces)
        if scanned < total:
            self.notes.append(f"NER capped: ran on {scanned} of {total} characters "
                              f"(detection.ner_max_chars); patterns covered all of it")
        if not pieces:
            return []
        names = whom.own_names(message)
        found = []
        [spans] = ner.persons(self.nlp, ["\n\n".join(joined)])
        for start, end in spans:
            for part, base, length in pieces:
                if base <= start and end <= base + length:
                    value = part.text[start - base:end - base]
                    if not is_sender(value, names):
                        found.append(Finding("PERSON", part.name, start - base, end - base,
                                             0.85, value, "a person's name (spaCy NER)",
                                             self.name))
                    break
        return found


@register("patterns")
def _patterns(settings: Settings) -> PatternDetector:
    return PatternDetector(settings)


@register("ner")
def _ner(settings: Settings) -> NerDetector | None:
    return NerDetector(settings) if settings.detection.ner else None
