"""Whether an out-of-office tells whoever writes in about a case.

An automatic reply goes to everyone who writes while the sender is away, spam included,
so recipient risk counts its recipient as having written to us (`wrote-to-us`): "If you
have a safeguarding concern, call the MASH or my manager Sarah Khan" is a signpost, and
holding it until the social worker is back helps no one. "I am at Kayden Reid's child
protection conference" is the same text to the same strangers, and it tells each of them
something about a child. The difference is whom the special-category term's sentence
names: a person it is about, or only people to contact instead and the sender herself.

An identifier (an NHS number, a date of birth) settles it without this (`pii.identifies`);
this reads the names, for an out-of-office that gives none. A first name alone is read where
the sentence makes it whose case this is: in the possessive ("in court for Kayden's care
proceedings") or after "for", "with", "about", "visiting" ("at the hospital with Kayden"),
and only a given name of the list in dlpgate/data/first_names.txt, never a team's, a day's, a
month's, a post's or a place's word. A capitalised word alone is as often a team ("Duty") or
a day as a person, and a first name as often a colleague to ask for ("ask for Sarah", "Sarah
in the team will cover"), which stays a contact. Each name so read is a PERSON finding
(`case_names`), so the policy's named-person rules see the person without NER too.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from dlpgate.detect import names, signature, whom
from dlpgate.model import Finding, Message

DETECTOR = "autoreply"

# Words before a name in its sentence that give it as someone to turn to instead.
_CONTACT_CUES = whom.CONTACT_CUES
# ... and words just after one: "Sarah Khan is covering my cases", "Tom Price will deal with"
_COVER_AFTER = re.compile(
    r"\s+(?:is|will|can|has|\w+ly)?\s*(?:be\s+)?(?:cover|covering|covers|deal|dealing|deals|"
    r"handle|handling|available|contactable|on duty|the duty|responding|picking up|looking after"
    r" my|managing my)\b", re.IGNORECASE)
_JOINERS = frozenset({"or", "and", "either", "my", "our", "the", "your", "team", "senior"})
# A phone number or an address just after a name: a contact ("Sarah Khan on 0161 496 0001",
# "Sarah Khan (sarah.khan@...)", "Sarah Khan: 07700 900123"). Not "at" or "on Monday": "with
# Jack Smith at CAMHS", "for Kayden Reid on Monday" are about them.
_PHONE = r"(?:\+|\(?0)[0-9() -]{8,}"  # 0161 496 0001, (0161) 4960001, +44...; not "12 March"
_CONTACT_AFTER = re.compile(
    rf"\s*(?:\([^)]*(?:@|[0-9]{{4}})|,?\s*(?:on|tel|t|telephone|phone|mobile|email|e-mail|e)"
    rf"[.:]?\s*(?:{_PHONE}|[\w.+-]+@)|[-:,]\s*{_PHONE}|<?[\w.+-]+@)", re.IGNORECASE)


_WHY = {
    "full": "a full name an automatic reply gives in the sentence of a special-category term, "
            "not as someone to contact: every stranger who writes in is told it",
    "first": "a first name an automatic reply gives as whose case a special-category term's "
             "sentence is about ('for ...'s care proceedings'): every stranger who writes in is "
             "told it",
}


def names_a_case(message: Message, findings: Iterable[Finding]) -> bool:
    """Whether an automatic reply's special-category term shares its sentence with the name
    of someone who is neither the sender nor given as a contact (`case_names`)."""
    return bool(case_names(message, findings))


def case_names(message: Message, findings: Iterable[Finding]) -> list[Finding]:
    """The people an automatic reply tells a case of, as PERSON findings: a full name in a
    special-category term's sentence, or a known first name whose case the sentence is
    about; not the sender's, nor one given as someone to contact instead."""
    if not message.auto_reply:
        return []
    body = message.body
    spans = sorted((f.start, f.end) for f in findings
                   if f.entity == "SPECIAL_CATEGORY" and f.part == "body")
    if not spans:
        return []
    starts = [s for s, _ in spans]
    longest = max(e - s for s, e in spans)
    own = whom.own_names(message)
    done: set[int] = set()
    told: set[tuple[int, int]] = set()
    out: list[Finding] = []
    for start, end in spans:
        left, right = whom.sentence(body, start, end)
        if left in done:
            continue
        done.add(left)
        # the terms in this sentence only: a line without a sentence's end, each term's
        # sentence the 400 characters either side, looked through every term of the body
        # took time growing with the square of the terms (a megabyte of them, minutes)
        near = [(s, e) for s, e in spans[bisect.bisect_left(starts, left - longest):
                                         bisect.bisect_left(starts, right)] if e > left]
        named = _full_names(body, left, right, near, own)
        named += _first_names(body, left, right, near, own, named)
        # such sentences overlap: a name in two of them is one finding, not one a sentence
        out += [Finding("PERSON", "body", a, b, 0.85, body[a:b], _WHY[kind], DETECTOR)
                for a, b, kind in named if (a, b) not in told and not told.add((a, b))]
    return out


def _full_names(body: str, left: int, right: int, spans: list[tuple[int, int]],
                own: set[str]) -> list[tuple[int, int, str]]:
    sentence = body[left:right]
    out = []
    contact_end = -1  # where the last name given as a contact ended, in `sentence`
    for m in whom.PAIR.finditer(sentence):
        first, last = m.group(1).lower(), m.group(2).lower()
        a, b = left + m.start(1), left + m.end(2)
        if first in whom.NOT_NAME_WORDS or last in whom.NOT_NAME_WORDS:
            continue
        if any(s < b and a < e for s, e in spans):  # "Child Protection": the term itself
            continue
        if {first, last} <= own:
            continue  # the sender's own name, in her signature
        before = sentence[:m.start(1)].lower().split()[-5:]
        after = sentence[m.end(2):]
        possessive = after.startswith(("'s", "\u2019s"))
        # "covering Kayden Reid's conference": whose case it is, not whom to call
        given = not possessive and any(w.strip(",;:()") in _CONTACT_CUES for w in before)
        joined = contact_end >= 0 and all(
            w.strip(",;:()") in _JOINERS for w in sentence[contact_end:m.start(1)].lower().split())
        if given or joined or (not possessive and (_CONTACT_AFTER.match(after)
                                                   or _COVER_AFTER.match(after))):
            contact_end = m.end(2)
            continue
        out.append((a, b, "full"))
    return out


# One capitalised word, perhaps in the possessive: "Kayden's", "Kayden"
_WORD = re.compile(r"\b([A-Z][a-z]+)(['\u2019]s\b)?")
# The words after which a first name is whose case it is: "in court for Kayden today", "at
# the hospital with Kayden", "a strategy meeting about Kayden", "visiting Kayden"
_ABOUT = frozenset("""for with about regarding re visiting seeing supporting accompanying
escorting taking""".split())
# ... unless the work is handed to them, among the eight words before: "ask for Sarah", "speak
# with Sarah", "I have left my child protection cases with Sarah" (not "leave": "on leave")
_HANDED = _CONTACT_CUES | frozenset("""ask asking left passed handed liaise refer forward
forwarded redirect redirected send sent""".split())
# What a possessive gives to reach its person by: "Sarah's team", "Sarah's mobile"
_REACH = frozenset("""team mobile phone number line extension email inbox office desk manager
colleague deputy diary""".split())
# ... or one of a team the writer is out with: "with Penny from the MASH", "with Grace and
# the Child Protection team", "with Tom of the duty team"; not "with Leah from the care home"
_COLLEAGUE_AFTER = re.compile(
    r",?\s+(?:from|of|and)\s+(?:the|our|my)\s+(?:[\w'\u2019-]+\s+){0,3}?(?:team|service|"
    r"MASH|department|unit|hub|duty)\b", re.IGNORECASE)
_CAPITAL_BEFORE = re.compile(r"\b[A-Z][\w'\u2019.-]*[ \t]+$")
_CAPITAL_AFTER = re.compile(r"[ \t]+[A-Z]")


def _first_names(body: str, left: int, right: int, spans: list[tuple[int, int]],
                 own: set[str], full: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The known first names written alone in a term's sentence as whose case it is."""
    sentence = body[left:right]
    terms = {s for s, _ in spans}
    out = []
    for m in _WORD.finditer(sentence):
        word = m.group(1).lower()
        a, b = left + m.start(1), left + m.end(1)
        if (word not in names.FIRST_NAMES or word in whom.NOT_NAME_WORDS or word in own
                or signature.is_post_word(m.group(1))):
            continue
        if any(s < b and a < e for s, e in [*spans, *((x, y) for x, y, _ in full)]):
            continue  # part of a term or of a full name already read
        if _CAPITAL_BEFORE.search(sentence, 0, m.start()):
            continue  # "St Mary's", "Sarah Khan": a place's or a full name's last word
        after = sentence[m.end():]
        if (c := _CAPITAL_AFTER.match(after)) and left + m.end() + c.end() - 1 not in terms:
            continue  # "Guy's Hospital", "Sarah Khan"; not "Kayden's Child Protection ..."
        before = [w.strip(",;:()") for w in sentence[:m.start()].lower().split()[-8:]]
        if m.group(2):  # "Kayden's care proceedings"; not "Sarah's team"
            if after.split()[:1] and after.split()[0].strip(",;:().").lower() in _REACH:
                continue
        elif not before or before[-1] not in _ABOUT or any(w in _HANDED for w in before):
            continue
        elif (_CONTACT_AFTER.match(after) or _COVER_AFTER.match(after)
              or _COLLEAGUE_AFTER.match(after)):
            continue  # "for Sarah on 0161 ...", "with Sarah, who is covering", "with Penny
            # from the MASH"
        out.append((a, b, "first"))
    return out
