"""Whom a message's own text writes about in the third person.

The reply to all that reaches the person it discusses is how a council's mail about a
family most often reaches the family: the mother starts a thread with the social worker and
the health visitor, and the social worker's answer to the health visitor ("Hi Sarah, Kerry
has not engaged again, and we are considering legal planning") goes to everyone on it, the
mother still in Cc. Nothing about her address is wrong: she is a known correspondent, in
the conversation, who wrote in. Only the text says the message is about her, not to her.

A recipient is written about when the new text (not the quoted conversation, not the
signature) names them anywhere but where a sentence turns to them ("Kerry, could you...",
"Kerry can you...", "Thanks Kerry"): by full name, by title and surname, or by first name
("Kerry has not engaged", "I visited Kerry", "Kerry's tenancy"). A first name counts only
when no one else on the message has it and it is not the sender's own, and not when it is
also a word that opens the sentence ("Will you...", "May I...").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from dlpgate.detect import greeting, names, signature, thread, whom
from dlpgate.detect.names import folded
from dlpgate.model import Message

_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'\u2019-]*")
_TITLES = frozenset("mr mrs ms miss mx dr".split())
_TO_THEM = re.compile(r"\s*[,:!\u2013\u2014-]|\s+\w+\s+you\b", re.IGNORECASE)
# First names that are words too, capitalised when they open a sentence
# ("Hope you are well", "Mark the date", "June's rota")
_WORD_NAMES = frozenset("will may mark hope june april august summer bill chase sunny".split())
# The words a sentence that speaks to someone opens with before their name: "Thanks Kerry"
_OPENERS = frozenset("""thanks thank you cheers hi hello dear morning afternoon evening ok okay
and but so yes no sorry well""".split())


@dataclass(frozen=True)
class Person:
    """A recipient's name as the message could write it: first name and surname, folded."""

    address: str
    first: str
    surname: str


def person(address: str, shown_as: str) -> Person | None:
    """The recipient's name from the name To or Cc shows, else from the address; None for
    a role's mailbox or an address with no first name and surname in it."""
    if names.is_role_address(address):
        return None
    words = greeting.person_words(shown_as) or names.name_words(address)
    if "," in greeting.person_shown(shown_as):  # "Doyle, Kerry", as a directory lists her
        words = words[::-1]
    return Person(address, words[0], words[-1]) if len(words) >= 2 else None


def written_about(message: Message, asked: list[str], targets: list[str],
                  shown_as: dict[str, str]) -> dict[str, str]:
    """Each recipient in `asked` the message's new text writes about, with the words that do
    (the name as written). A first name alone counts only when no other recipient in
    `targets` has it, and never the sender's own."""
    new = thread.new_text(message.body[:thread.THREAD_CHARS])
    everyone = {a: p for a in targets if (p := person(a, shown_as.get(a, ""))) is not None}
    # not those it brings in or asks by name ("copying in Kerry", "Kerry, could you...")
    brought = greeting.introduced(message.body, len(new))
    people = [everyone[a] for a in asked if a in everyone
              and not (brought and any(greeting.greets(a, one, shown_as.get(a, ""), False)
                                       for one in greeting.each_person(brought)))]
    if not new.strip() or not people:
        return {}
    firsts = Counter(p.first for p in everyone.values())
    own = whom.own_names(message)
    signed = signature.spans(new, frozenset(own), message.from_addr.rpartition("@")[0])
    # looked up by the word read, not tried one by one: a circular to 3,000 residents is
    # 3,000 people for every word of its text
    by_first: dict[str, list[Person]] = {}
    by_surname: dict[str, list[Person]] = {}
    for p in people:
        by_first.setdefault(p.first, []).append(p)
        by_surname.setdefault(p.surname, []).append(p)
    out: dict[str, str] = {}
    left = 0
    for end in [m.start() for m in whom.SENTENCE_END.finditer(new)] + [len(new)]:
        part, start, left = new[left:end], left, end + 1
        words = list(_WORD.finditer(part))
        for i, w in enumerate(words):
            if not w.group()[:1].isupper() or \
                    signature.within(signed, start + w.start(), start + w.end()):
                continue
            key = _key(w.group())
            named = by_first.get(key, [])
            if key in _TITLES and i + 1 < len(words):
                named = by_surname.get(_key(words[i + 1].group()), [])
            for p in named:
                if p.address not in out and (
                        said := _spoken_of(part, words, i, p, firsts[p.first] == 1, own)):
                    out[p.address] = said
    return out


def _spoken_of(part: str, words: list[re.Match[str]], i: int, p: Person, only_one: bool,
               own: set[str]) -> str:
    word = words[i].group()  # capitalised: the caller reads no other
    key = _key(word)
    nxt = words[i + 1] if i + 1 < len(words) else None
    adjacent = nxt is not None and not part[words[i].end():nxt.start()].strip()
    if key in _TITLES and adjacent and _key(nxt.group()) == p.surname:
        return "" if _to_them(part, words, i, i + 1) else f"{word} {nxt.group()}"
    if key != p.first or key in own:
        return ""
    if adjacent and _key(nxt.group()) == p.surname:
        if _to_them(part, words, i, i + 1) or whom.introduced(part, words[i].start()):
            return ""
        return f"{word} {nxt.group()}"
    if not only_one or _to_them(part, words, i, i):
        return ""
    if key in _WORD_NAMES and all(_key(w.group()) in _OPENERS for w in words[:i]):
        return ""  # "Will you be there?", "May I ask": a word, capitalised to open a sentence
    return word[:-2] if word.endswith(("'s", "\u2019s")) else word


def _to_them(part: str, words: list[re.Match[str]], first: int, last: int) -> bool:
    """Whether the name in words[first..last] is spoken to: at the head of its sentence
    (past "Thanks", "Hi") and followed by a comma, a dash or "can you"."""
    if not all(_key(w.group()) in _OPENERS for w in words[:first]):
        return False
    after = part[words[last].end():]
    return not after.strip() or bool(_TO_THEM.match(after))


def _key(word: str) -> str:
    word = re.sub(r"['\u2019]s$", "", word)
    return folded(word).replace("'", "").replace("\u2019", "").lower()
