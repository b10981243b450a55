"""Whether an out-of-office tells whoever writes in about a case.

An automatic reply goes to everyone who writes while the sender is away, spam included,
so recipient risk counts its recipient as having written to us (`wrote-to-us`): "If you
have a safeguarding concern, call the MASH or my manager Sarah Khan" is a signpost, and
holding it until the social worker is back helps no one. "I am at Kayden Reid's child
protection conference" is the same text to the same strangers, and it tells each of them
something about a child. The difference is whom the special-category term's sentence
names: a person it is about, or only people to contact instead and the sender herself.

An identifier (an NHS number, a date of birth) settles it without this (`pii.identifies`);
this reads the names, for an out-of-office that gives none. A first name alone ("for
Kayden's conference") is not read: capitalised single words are too often a team or a
day, and NER still counts that child for the policy's named-person rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dlpgate.detect import whom
from dlpgate.model import Finding, Message

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


def names_a_case(message: Message, findings: Iterable[Finding]) -> bool:
    """Whether an automatic reply's special-category term shares its sentence with the full
    name of someone who is neither the sender nor given as a contact."""
    if not message.auto_reply:
        return False
    body = message.body
    spans = [(f.start, f.end) for f in findings
             if f.entity == "SPECIAL_CATEGORY" and f.part == "body"]
    if not spans:
        return False
    own = whom.own_names(message)
    done: set[int] = set()
    for start, end in spans:
        left, right = whom.sentence(body, start, end)
        if left in done:
            continue
        done.add(left)
        if _names_someone(body, left, right, spans, own):
            return True
    return False


def _names_someone(body: str, left: int, right: int, spans: list[tuple[int, int]],
                   own: set[str]) -> bool:
    sentence = body[left:right]
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
        return True
    return False
