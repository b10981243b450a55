"""SPECIAL_CATEGORY: health, safeguarding and the other Article 9/10 terms, from a lexicon.

The lexicon is data (dlpgate/data/special_category.yaml, plus files a council
adds in `detection.lexicons`), compiled here into one regular expression:
whole words, any case, with the usual English endings, so "diagnosed",
"Safeguarding concerns" and "child protection plans" all match. Welsh terms
(each category's `cy`) join the same expression in every mutated form of their
first word ("plentyn sy'n derbyn gofal", "mhlentyn sy'n derbyn gofal"), and
with either apostrophe.
"""

from __future__ import annotations

import bisect
import re
from importlib import resources
from pathlib import Path

from presidio_analyzer import AnalysisExplanation, RecognizerResult

from dlpgate import yamlsrc
from dlpgate.detect import welsh
from dlpgate.detect.recognizers.base import FastRecognizer

BUILTIN = resources.files("dlpgate") / "data" / "special_category.yaml"


# A word, its letters any script's ("strôc", "Hindŵ"): in English text the same words as
# ASCII letters alone gave, since no term may start just after a letter.
_WORD = re.compile(r"[^\W_]+(?:'[a-z]+)?")
_ENDINGS = ("'s", "s", "es", "ed", "d", "ing")


class LexiconError(Exception):
    pass


# The lexicon's one key that is not a category: phrases in which a term is about no one.
NOT_ABOUT_ANYONE = "not_about_anyone"


def _documents(paths: list[Path] | None) -> list[yamlsrc.Located]:
    try:
        docs = [yamlsrc.parse(BUILTIN.read_text(encoding="utf-8"), str(BUILTIN))]
        docs += [yamlsrc.load(Path(p)) for p in paths or []]
    except yamlsrc.SourceError as exc:
        raise LexiconError(str(exc)) from None
    for doc in docs:
        if not isinstance(doc.data, dict):
            raise LexiconError(f"{doc.filename}: must map category names to a description and "
                               "terms")
    return docs


def load_lexicon(paths: list[Path] | None = None) -> dict[str, tuple[str, list[str]]]:
    """category -> (description, terms), built-in first, then each extra file; a mistake in
    a file is a LexiconError naming the file and line. The terms end with the Welsh ones in
    all their forms (`load_welsh`)."""
    out: dict[str, tuple[str, list[str]]] = {}
    for doc in _documents(paths):
        for category, entry in doc.data.items():
            if category == NOT_ABOUT_ANYONE:
                continue  # see load_phrases
            terms = entry.get("terms", [] if "cy" in entry else None) \
                if isinstance(entry, dict) else None
            if not isinstance(terms, list) or not all(
                    isinstance(t, str | int) and str(t).strip() for t in terms):
                raise LexiconError(f"{doc.where((category, 'terms'))}: category {category!r} "
                                   "needs a list of terms (words or phrases)")
            desc, known = out.get(category, (entry.get("description", category), []))
            out[category] = (entry.get("description", desc),
                             known + [_as_written(str(t)) for t in terms])
    for form, (category, _base, _meaning) in load_welsh(paths).items():
        out[category][1].append(form)
    return out


def load_welsh(paths: list[Path] | None = None) -> dict[str, tuple[str, str, str]]:
    """Each form of each Welsh term -> (category, the term as listed, its meaning in English),
    from the categories' `cy` ("cam-drin domestig: domestic abuse"). Forms are the term's
    mutations (`welsh.mutations`), each also with a typographic apostrophe where the term
    has one ("plentyn sy’n derbyn gofal", as a word processor writes it); a form that is also
    an English term ("dementia", "diagnosis") is left to the English term."""
    english: set[str] = set()
    out: dict[str, tuple[str, str, str]] = {}
    for doc in _documents(paths):
        for category, entry in doc.data.items():
            if category == NOT_ABOUT_ANYONE or not isinstance(entry, dict):
                continue
            english.update(str(t).lower() for t in entry.get("terms") or [])
            if (cy := entry.get("cy")) is None:
                continue
            if not isinstance(cy, dict) or not all(
                    isinstance(t, str) and t.strip() and isinstance(m, str) and m.strip()
                    for t, m in cy.items()):
                raise LexiconError(f"{doc.where((category, 'cy'))}: category {category!r} "
                                   "needs its Welsh terms as `term: meaning in English`")
            for term, meaning in cy.items():
                for form in _welsh_forms(term):
                    out.setdefault(form, (category, term.lower(), meaning))
    return {form: v for form, v in out.items() if form not in english}


def _welsh_forms(term: str) -> list[str]:
    """A Welsh term or phrase in all its forms: mutated, and with either apostrophe."""
    forms = welsh.mutations(term.strip().lower())
    return forms + [f.replace("'", "\u2019") for f in forms if "'" in f]


def _as_written(term: str) -> str:
    """A term lower-cased, unless it is written with capitals: then only those match (MASH,
    the safeguarding hub, not the mash of pie and mash)."""
    return term if any(c.isupper() for c in term) else term.lower()


def load_phrases(paths: list[Path] | None = None) -> list[str]:
    """The `not_about_anyone` phrases of the built-in lexicon and each extra file, the Welsh
    ones (`cy`) in all their forms."""
    return _about_no_one(paths, "phrases", _WORD.search, "a list of phrases (words)") + [
        form for p in _about_no_one(paths, "cy", _WORD.search, "a list of Welsh phrases (words)")
        for form in _welsh_forms(p)]


def load_compounds(paths: list[Path] | None = None) -> list[str]:
    """The `not_about_anyone` compounds ("friendly" in "autism-friendly") of the built-in
    lexicon and each extra file."""
    return _about_no_one(paths, "compounds", re.compile(r"[A-Za-z]+").fullmatch,
                         "a list of compounds (one word each)")


def _about_no_one(paths: list[Path] | None, key: str, valid, needs: str) -> list[str]:
    out: list[str] = []
    for doc in _documents(paths):
        entry = doc.data.get(NOT_ABOUT_ANYONE)
        if entry is None:
            continue
        # a file may give phrases, compounds or both, but not neither
        items = entry.get(key, [] if entry.keys() & {"phrases", "compounds", "cy"} else None) \
            if isinstance(entry, dict) else None
        if not isinstance(items, list) or not all(isinstance(t, str) and valid(t) for t in items):
            raise LexiconError(f"{doc.where((NOT_ABOUT_ANYONE, key))}: "
                               f"{NOT_ABOUT_ANYONE} needs {needs}")
        out += [t.lower() for t in items]
    return out


# What follows a term, capitalised, when the term is part of the name of a post, a body, a
# building or an event ("Domestic Abuse Coordinator", "Safeguarding Adults Board", "Mental
# Health Resource Centre", "Mental Health Awareness Week"): on a starters' list, a signature
# or a room-hire invoice these made "special-category data about 8 people" of job titles.
# Not "Team" or "Service": "referred to the Domestic Abuse Team" is about a person. Words of
# a name are one space apart: a tab is the next cell of a pasted row ("Jo Bloggs\tDepression
# \tSupport Officer"), and " - " the next field.
_NAMED_BODY = re.compile(
    r" (?:[A-Z][\w'&+-]* ){0,2}?(?:(?P<post>Co-?ordinator|Officer|Manager|Lead|Advisor|Adviser)|"
    r"Centre|Center|Board|Partnership|Society|Association|Trust|Week|Month|Day|Forum|"
    r"Network|Strategy|Policy|Training|Conference|Directorate|Department|Charity|Alliance|"
    r"Foundation|Campaign|Fund|Committee)\b")
# Unless the name is someone's: "His Probation Officer says ...", "Callum's Probation Officer".
# One person's post ("his", "her", "Mum's") is a finding: "his Probation Officer" tells that he
# is on probation, and with no identifier in the message a term set aside would be lost.
# Anything else possessed is set aside, kept when the message identifies someone: "their" is as
# often a group's ("schools should send their Child Protection Policy"), a name's a place's or
# a body's ("Ashfield's Domestic Abuse Co-ordinator", "the Council's Mental Health Lead"), and
# "her Safeguarding Adults Training" is a course she went on. Not "your" or "our": "speak to
# your Safeguarding Lead", "our Domestic Abuse Co-ordinator" are a circular's.
_WHOSE = re.compile(
    r"(?:\b(?P<one>his|her|(?:mum|dad|mother|father|son|daughter|brother|sister|husband|wife|"
    r"boyfriend|girlfriend|nan|gran|grandad)['’]s)|\btheir|\w['’]s|\ws['’])\s+$",
    re.IGNORECASE)
# A Welsh name puts the post, body or event first: "Bwrdd Diogelu Oedolion" (Safeguarding
# Adults Board), "Wythnos Ymwybyddiaeth Iechyd Meddwl" (Mental Health Awareness Week),
# "Swyddog Amddiffyn Plant" (Child Protection Officer). A Welsh term, capitalised, just after
# one of these words (and up to two more capitalised words) is set aside as a name, not
# dropped: the Welsh possessive stands before the post ("ei Swyddog Prawf", his probation
# officer), so whose it is is less plain, and in a message that identifies someone it is kept.
# Not "Tîm" or "Gwasanaeth" (Team, Service), as in English.
_NAMED_BEFORE_CY = re.compile(
    r"\b(?:Bwrdd|Byrddau|Canolfan|Wythnos|Mis|Diwrnod|Fforwm|Strategaeth|Polisi|Hyfforddiant|"
    r"Adran|Elusen|Cynghrair|Sefydliad|Ymgyrch|Cronfa|Pwyllgor|Partneriaeth|Cymdeithas|"
    r"Ymddiriedolaeth|Rhwydwaith|Deddf|Ddeddf|Cod|Swyddog|Swyddogion|Rheolwr|Cydlynydd|"
    r"Arweinydd|Ymgynghorydd|Cynghorydd|Pencampwr|Siarter|Addewid|Cynhadledd|"
    r"Llinell Gymorth)(?: (?-i:[A-ZÂÊÎÔÛŴŶ])[\w'’-]*){0,2} $")

# The same for a scheme's, a charity's or a place of worship's name ("Disability Confident
# Employer", "Cancer Research UK", "Epilepsy Action", "the Sikh Temple"): set aside rather than
# dropped, since "Ravi Patel (DOB ...) has the Epilepsy Action seizure card" is about him (see
# `analyze_all`). Not "Support": "receiving Domestic Abuse Support", "gets Autism Support in
# class" are about someone.
_NAMED_ORG = re.compile(
    r" (?:[A-Z][\w'&+-]* ){0,2}?(?:Helpline|Employer|Champion|Charter|Pledge|Commitment|"
    r"Research|UK|Action|Now|Cafe|Café|Network|Temple|Mosque|Church|Synagogue|Gurdwara|"
    r"Festival|Appeal|Aider|Aiders)\b")

# A term said of no one in particular: "let us know if you have a disability", "if you
# consider yourself to have a disability", "should you be deaf", "you may be eligible for
# free school meals" (but not "Callum may be eligible for an EHCP"). Recruitment and
# customer-service mail says this to every applicant and enquirer; with the greeting's name
# it was "special-category data about a named person". Only these words may stand between
# "if you" and the term, so "if you have a child with autism" and "if Callum's ADHD..." are
# still findings, as is "you are eligible for".
_IF = frozenset({"if", "whether", "unless", "should"})
_YOU = frozenset({"you", "you're", "youre"})
_BETWEEN = frozenset({
    "have", "has", "are", "were", "be", "being", "need", "consider", "yourself", "to", "a",
    "an", "any", "or", "and", "experience", "experiencing", "live", "living", "with",
    "identify", "as", "affected", "by", "suffer", "from", "require", "get", "had", "may",
    "might", "think", "feel", "believe", "own", "some", "kind", "of", "form", "type"})
_MAY_QUALIFY = re.compile(
    r"\byou\s+(?:can|could|may|might)\s+(?:also\s+)?(?:apply|claim|be\s+eligible|qualify|ask)\s+"
    r"for\s+(?:an?\s+|the\s+|any\s+)?$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.?!;:\n]")
_ABOUT_SOMEONE = re.compile(
    r"\b(?:for|about|of|on|with|to)\s+(?:him|her|them|his|hers|their|[A-Z][a-z]+)\b")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z']*")


def _hypothetical(text: str, start: int, end: int, category: str) -> bool:
    """Whether the term at `start` is said of whoever it may concern (see above): "if you
    have a disability" (the disability words only: "if you are pregnant again", from the
    nurse with your results, is about you), "you can apply for a Blue Badge", but not when
    the clause goes on to someone ("... for him", "... about Kayden")."""
    before = text[max(0, start - 100):start]
    if "you" not in before.lower():
        return False  # most terms: asked at every one, so the cheapest question first
    after = _CLAUSE_END.split(text[end:end + 80], 1)[0]
    if _ABOUT_SOMEONE.search(after):
        return False
    if (cut := max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)):
        before = before[cut:]
    if _MAY_QUALIFY.search(before):
        return True
    if category != "disability":
        return False
    words = [w.lower() for w in _TOKEN.findall(before)]
    for i in range(len(words) - 1, 0, -1):
        if words[i] in _YOU:
            return words[i - 1] in _IF
        if words[i] not in _BETWEEN:
            return False
    return False


# Said of a group of people in general: "services for people living with dementia",
# "pupils with special educational needs may be eligible", "adults fleeing domestic abuse".
# Tenders, FOI answers, leaflets and invitations are full of it, and with the greeting's name
# each was "special-category data about a named person". Not one's own or some ("her children
# with ADHD", "Callum's friends with autism", "the other residents with dementia", "two
# children with autism", "one of our tenants living with HIV"): the words before the group
# are looked at too, and a term set aside is kept when its sentence names someone
# (`detect.whom`).
_GROUPS = ("people", "persons", "pupils", "children", r"young\s+people", "adults", "residents",
           "tenants", "families", "households", "those", "anyone", "everyone", "customers",
           "carers", "patients", "parents", "staff", "employees", "workers", "women", "men",
           "girls", "boys", "learners", "students", "users", "visitors", "clients",
           "individuals", "applicants", "claimants", "survivors", "victims", "veterans",
           r"older\s+people", r"service\s+users")
_GROUP_LINKS = (r"who\s+(?:have|has|are|is|were|may\s+have|might\s+have)"
                r"(?:\s+(?:had|been|a|an))?",
                r"(?:who\s+are\s+)?(?:living\s+with|affected\s+by|experiencing|suffering\s+from|"
                r"at\s+risk\s+of|fleeing|recovering\s+from|caring\s+for\s+someone\s+with|"
                r"diagnosed\s+with|with)")
_GROUP_OF = re.compile(
    rf"(?P<whose>\b(?:his|her|their|my|your|other|both|two|three|four|five|one\s+of"
    rf"(?:\s+(?:the|our|your|their))?|(?-i:the\s+[A-Z][a-z]+))\s+|\w['’]s\s+)?"
    rf"\b(?:{'|'.join(_GROUPS)})\s+"
    rf"(?:{'|'.join(_GROUP_LINKS)})\b(?P<between>[^.?!;:\n]{{0,60}})$", re.IGNORECASE)


def _of_a_group(text: str, start: int) -> bool:
    """Whether the term at `start` is said of a group of people in general (see above):
    up to five words (other terms, "a", "complex", "and") between the group and the term."""
    pos = max(0, start - 140)
    while (m := _GROUP_OF.search(text, pos, start)) is not None:
        if len(m["between"].split()) <= 5:  # the nearest group may be a later match
            return not m["whose"]
        pos = m.start() + 1
    return False


# Terms looked around for a phrase before one pass over the whole text finds them all.
_LOOK_AROUND = 64

# How far before a term a `not_about_anyone` phrase holding it may start (the longest shipped,
# "if you or someone you know is experiencing domestic abuse", is 57 characters).
_PHRASE_REACH = 120


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    """One expression for the phrases: whole words, any case, anything but letters, digits
    and a clause's punctuation between words ("LGBT+ inclusive", "Confident: Committed"), each
    word with the terms' endings ("neglected to mention")."""
    endings = "(?:s|es|ed|d|ing|'s)?"
    # between words anything but letters, digits and what ends a clause: "he has dementia,
    # friends say" is no Dementia Friends
    between = r"[^\w,.;!?()]+"
    alternatives = sorted({(endings + between).join(map(re.escape, _WORD.findall(p)))
                           for p in phrases}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)}){endings}(?![\w-])",
                      re.IGNORECASE)


def _compound_pattern(compounds: list[str]) -> re.Pattern[str] | None:
    """What follows a term joined by a hyphen to a word that makes it about no one: a hyphen
    (or a Unicode one, or the en dash a word processor puts in) and one of `compounds`."""
    if not compounds:
        return None
    words = "|".join(sorted(map(re.escape, set(compounds)), key=len, reverse=True))
    return re.compile(rf"[-\u2010\u2011\u2013](?:{words})\b", re.IGNORECASE)


def _alternative(term: str) -> str:
    """A term's part of the one expression: a space as any run of spaces and hyphens, a
    hyphen as one or none ("self harm", "self-harm", "selfharm"), a word written with
    capitals matched in them alone."""
    words = re.split(r"([\s\-]+)", term)
    out = []
    for w in words:
        if not w.strip(" -") and w:
            out.append("[\\s\\-]?" if w == "-" else r"[\s\-]+")
        elif any(c.isupper() for c in w):
            out.append(f"(?-i:{re.escape(w)})")
        else:
            out.append(re.escape(w))
    return "".join(out)


class DlpSpecialCategoryRecognizer(FastRecognizer):
    ENTITY = "SPECIAL_CATEGORY"
    PATTERN = r"(?!x)x"  # replaced per instance from the lexicon

    def __init__(self, lexicon: dict[str, tuple[str, list[str]]] | None = None,
                 phrases: list[str] | None = None, compounds: list[str] | None = None,
                 welsh: dict[str, tuple[str, str, str]] | None = None) -> None:
        super().__init__()
        self.lexicon = lexicon or load_lexicon()
        self._welsh = load_welsh() if welsh is None else welsh
        self._phrases = _phrase_pattern(load_phrases() if phrases is None else phrases)
        self._compounds = _compound_pattern(load_compounds() if compounds is None else compounds)
        self._category: dict[str, str] = {}
        alternatives = []
        for category, (_desc, terms) in self.lexicon.items():
            for term in terms:
                self._category.setdefault(term.lower(), category)
                alternatives.append(_alternative(term))
        alternatives.sort(key=len, reverse=True)
        # A hyphen may follow ("his autism-related needs", "a dementia-related fall"): the
        # compound is about someone unless it is one of `compounds` ("autism-friendly").
        # A hyphen inside a term is matched by the term's own alternative ("self-harm"), and
        # the longest alternative that fits is tried first.
        self._regex = re.compile(
            rf"(?:{'|'.join(alternatives)})(?:s|es|ed|d|ing|'s)?(?!\w)", re.IGNORECASE)
        self._plain = re.compile(r"[\s\-]+")
        # Words a term can start with. Trying a few hundred alternatives at every
        # position is slow in `re`; trying them only where a word that can start a term
        # begins is several times faster and finds the same matches.
        self._starts = {re.split(r"[\s\-]+", term)[0] for term in self._category}
        # A Welsh form's first word as the words are read ("sy’n" is read "sy", "n"), and its
        # spelling with spaces for hyphens, as `_lookup` sees a match ("cam drin domestig").
        self._starts |= {w[0] for t in self._welsh if (w := _WORD.findall(t))}
        # They and they with each ending ("carers"): a word of the message is looked up once,
        # not once an ending (a fifth of the pattern recognizers' time on ordinary mail)
        self._openers = frozenset(self._starts | {s + e for s in self._starts for e in _ENDINGS})
        self._welsh_plain = {self._plain.sub(" ", t): t for t in self._welsh}

    def _lookup(self, matched: str) -> str | None:
        key = self._plain.sub(" ", matched.lower())
        for ending in ("", "'s", "s", "es", "ed", "d", "ing"):
            if ending and not key.endswith(ending):
                continue
            stem = key[: len(key) - len(ending)] if ending else key
            for candidate in (stem, stem.replace(" ", "-"), stem.replace(" ", "")):
                if candidate in self._category:
                    return candidate
            if stem in self._welsh_plain:
                return self._welsh_plain[stem]
        return None

    def _matches(self, text: str):
        pos = 0
        openers = self._openers
        for w in _WORD.finditer(text):
            if w[0].lower() not in openers:  # most words: asked first, the one question
                continue
            start = w.start()
            if start < pos:
                continue
            if start and (text[start - 1].isalnum() or text[start - 1] in "-_"):
                continue
            m = self._regex.match(text, start)
            if m:
                pos = m.end()
                yield m

    def _in_phrase(self, text: str, start: int, end: int,
                   spans: list[tuple[int, int]] | None) -> bool:
        """Whether a `not_about_anyone` phrase holds text[start:end]: looked for around it, or
        in `spans`, the phrases of the whole text when a text has so many terms that one pass
        over it costs less than a look around each (a list of 200,000 diagnoses took 4x)."""
        if self._phrases is None:
            return False
        if spans is not None:
            at = bisect.bisect_right(spans, (start, len(text))) - 1
            return at >= 0 and spans[at][1] >= end
        for p in self._phrases.finditer(text, max(0, start - _PHRASE_REACH),
                                        min(len(text), end + _PHRASE_REACH)):
            if p.start() <= start and p.end() >= end:
                return True
            if p.start() > start:
                return False
        return False

    def analyze(self, text, entities=None, nlp_artifacts=None):
        """The findings, without those `analyze_all` sets aside (Presidio's entry point)."""
        return self.analyze_all(text)[0]

    def analyze_all(self, text: str) -> tuple[list[RecognizerResult], list[RecognizerResult]]:
        """(findings, set aside). Set aside: terms in a `not_about_anyone` phrase or
        compound ("autism-friendly"), in a scheme's or a charity's name, in a named body
        someone possesses ("Callum's Probation Officer"), or said to whoever it may concern.
        They are about no one in a letter to a resident, but in a message that identifies
        someone (an NHS number, a date of birth) the doubt goes the other way: "Ravi Patel
        (DOB ...) has the Epilepsy Action seizure card". The caller (`PatternDetector`)
        decides."""
        results: list[RecognizerResult] = []
        aside: list[RecognizerResult] = []
        spans: list[tuple[int, int]] | None = None  # the whole text's phrases, once many terms
        for n, m in enumerate(self._matches(text)):
            if n == _LOOK_AROUND and self._phrases is not None:
                spans = [p.span() for p in self._phrases.finditer(text)]
            capital = m.group(0)[:1].isupper()
            named = _NAMED_BODY.match(text, m.end()) if capital else None
            whose = _WHOSE.search(text, max(0, m.start() - 40), m.start()) if named else None
            if named and not whose:
                continue  # "Fostering Team", "Mental Health Awareness Week": a name, no one's data
            term = self._lookup(m.group(0))
            category = self._category.get(term or "", "special category")
            desc = self.lexicon.get(category, (category, []))[0]
            cy = self._welsh.get(term or "")
            # "Disability Confident Employer", "Cancer Research UK", "if you have a disability",
            # "an autism-friendly room", "their Child Protection Policy", "Bwrdd Diogelu
            # Oedolion"
            doubt = (whose and not (whose["one"] and named["post"])) or \
                (capital and _NAMED_ORG.match(text, m.end())) or \
                (capital and cy and _NAMED_BEFORE_CY.search(text, max(0, m.start() - 60),
                                                             m.start())) or \
                (self._compounds and self._compounds.match(text, m.end())) or \
                self._in_phrase(text, m.start(), m.end(), spans) or \
                _hypothetical(text, m.start(), m.end(), category) or _of_a_group(text, m.start())
            # a Welsh term as found, and what it means: "'mhlentyn sy'n derbyn gofal' (Welsh:
            # looked after child): safeguarding and social care (social_care)"
            said = f"'{term or m.group(0).lower()}'" + (f" (Welsh: {cy[2]})" if cy else "")
            (aside if doubt else results).append(RecognizerResult(
                self.ENTITY, m.start(), m.end(), 0.9,
                AnalysisExplanation(recognizer=self.name, original_score=0.9,
                                    pattern_name=category,
                                    textual_explanation=f"{said}: {desc} ({category})"),
                recognition_metadata={"category": category},
            ))
        return results, aside
