"""Content profiles: what has gone to whom, kept as salted word hashes, never as text.

The hardest misdirection is to a real contact: autocomplete picked the other
Sarah. History says "known"; only the message can say "not for her". Each
message leaves a fingerprint (keyed hashes of its distinctive words, the quoted
thread left out) against each recipient it went to; a new message's fingerprint
is compared with the profiles of its recipients and of their look-alike
contacts. The key is generated per installation and kept in the store, so the
hashes cannot be matched against a dictionary elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from dlpgate.model import Finding, Message

_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_QUOTE = re.compile(r"^(?:-{2,}\s*original message|>|from:\s.+\bsent:)", re.IGNORECASE | re.M)
_STOP = frozenset("""
about above after again against also another because been before being below between both
could does doing down during each from further have having here into itself just like more
most other ought over same should some such than that their theirs them then there these they
this those through under until very were what when where which while whom will with would
your yours thanks thank please regards kind dear best hello morning afternoon today tomorrow
week weeks next last time meeting email message attached attachment sent forward forwarded
know think want need good great also just make sure call said
""".split())
MAX_TOKENS = 60
# Short first names (Amy, Leo, Mia: a child's name as often as anyone's) are too short for
# the word pattern; a capitalised three-letter word counts, bar those that open sentences
# and dates. At most MAX_NAMES of them, beside the words.
_SHORT_NAME = re.compile(r"(?<![\w.])[A-Z][a-z]{2}(?!\w)")
_NOT_NAMES = frozenset("""the and for you our are not but can has was had her his him she how who
why may any all its own one two new old yes see get got let put say use way day per via off
out now did ask try due end few lot big top yet nor etc mon tue wed thu fri sat sun jan feb
mar apr jun jul aug sep oct nov dec mrs hey dear""".split())
MAX_NAMES = 10


def _hash(key: bytes, word: str) -> int:
    digest = hashlib.blake2b(word.encode(), key=key[:64], digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # fits SQLite's signed 64-bit integer


# Identifiers that pick out one person: the NHS number that has gone only to one contact is
# the strongest sign of whom a message is for. Postcodes, phone numbers and dates other than
# birth dates are shared too widely to say so.
IDENTIFYING = frozenset({"UK_NHS", "UK_NINO", "UK_UPN", "UK_CASE_REFERENCE", "UK_PASSPORT",
                         "UK_DRIVING_LICENCE", "DATE_OF_BIRTH"})
MAX_IDENTIFIERS = 20


def fingerprint(message: Message, key: bytes, findings: Iterable[Finding] = ()) -> tuple[int, ...]:
    """Keyed hashes of the subject's and the new text's distinctive words (short first names
    among them), and of the people's identifiers detection found (`findings`), each as its
    kind and its characters alone, so "943 476 5919" and "9434765919" are one token."""
    body = message.body
    quoted = _QUOTE.search(body)
    new_text = f"{message.subject}\n{body[: quoted.start() if quoted else 4000][:4000]}"
    words: dict[str, None] = {}
    for w in _WORD.findall(new_text.lower()):
        w = w.strip("'-")
        if len(w) >= 4 and w not in _STOP:
            words.setdefault(w, None)
        if len(words) >= MAX_TOKENS:
            break
    names = dict.fromkeys(n.lower() for n in _SHORT_NAME.findall(new_text)
                          if n.lower() not in _NOT_NAMES)
    words.update(dict.fromkeys(list(names)[:MAX_NAMES]))
    ids: dict[str, None] = {}
    for f in findings:
        if f.entity in IDENTIFYING and len(ids) < MAX_IDENTIFIERS:
            ids.setdefault(f"\x00{f.entity}:{re.sub(r'[^0-9a-z]', '', f.text.lower())}", None)
    return tuple(_hash(key, w) for w in words) + tuple(_hash(key, i) for i in ids)
