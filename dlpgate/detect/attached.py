"""Whether what a message attaches is about the person the message says it is about.

The wrong attachment is the other half of misdirected mail: the address is right and the
mother asked for her son's assessment, but the file picked from the folder was the next
child's. History cannot see it; the message can. Its subject or its own text says whose
document it is ("Jayden's assessment", "RE: Jayden Reid - plan"), and the document says whom
it is about (a name with a date of birth, an NHS number or an age after it, or a form's
"Name:" field). When every attached document that identifies someone never names the person
the message speaks of, and the message's own text never names whom the documents are about,
the sender is asked.

Only names a message gives as its topic are read: a first name with 's before a document's
word ("Jayden's assessment", not "Tom's request"), or a first name and surname in the subject.
A first name alone in the text is as often the colleague who will ring ("Sarah will call you")
as the child.
"""

from __future__ import annotations

import re

from dlpgate.detect import names, thread
from dlpgate.model import Message

# How much of a document is read for whom it is about, and whether it names someone
DOCUMENT_CHARS = 200_000
# What a form calls the person it is about: "Name:", "Child's name:", "Pupil name -"
# (the label in any case, the name capitalised: "Name: to be confirmed" names no one)
_FIELD = re.compile(
    r"^[ \t]*(?i:(?:(?:child|young person|pupil|patient|service user|client|resident|tenant|"
    r"applicant|person)(?:['\u2019]s)?[ \t]+)?(?:full[ \t]+)?name)[ \t]*[:\-][ \t]*"
    r"([A-Z][a-z'\u2019-]+)[ \t]+([A-Z][a-z'\u2019-]+)", re.MULTILINE)
_POSSESSIVE = re.compile(r"\b([A-Z][a-z]+)['\u2019]s\b")
# A document's word after a possessive: "Jayden's assessment", "Jayden's EHCP review" ("Tom's
# request" is a colleague's, no one's document)
_DOCUMENT = re.compile(r"[ \t]+(?:[a-z]+[ \t]+)?(?:assessment|report|plan|review|referral|"
                       r"letter|records?|notes|minutes|file|form|details|ehcp|statement|"
                       r"chronology|case|care plan|paperwork|documents|application)\b",
                       re.IGNORECASE)
# Who sent or wrote it, not whose it is: "Referral from Sarah Khan", "FAO Sarah Khan"
_BY = re.compile(r"\b(?:from|by|fao|attn|cc|to)[ \t:]*$", re.IGNORECASE)
_FULL = re.compile(r"\b([A-Z][a-z]+)[ \t]+([A-Z][a-z'\u2019-]+)\b")
_WORDS = re.compile(r"[a-z]+")


def topic_names(message: Message, skip: set[str], new: str | None = None) -> set[str]:
    """The first names (lower case) the message gives as whose document it sends: a full name
    in the subject, a possessive before a document's word in the subject or its own text.
    `skip`: the sender's and recipients' name words, who are no topic; `new`: the message's
    own text, if already read off its body."""
    subject = message.subject
    found = {m.group(1) for m in _POSSESSIVE.finditer(subject)
             if _DOCUMENT.match(subject, m.end())}
    found |= {m.group(1) for m in _FULL.finditer(subject)
              if m.group(1).lower() in names.FIRST_NAMES
              and not _BY.search(subject, 0, m.start())}
    if new is None:
        new = thread.new_text(message.body[:thread.THREAD_CHARS])
    found |= {m.group(1) for m in _POSSESSIVE.finditer(new) if _DOCUMENT.match(new, m.end())}
    return {n.lower() for n in found if n.lower() in names.FIRST_NAMES} - skip


def about_another(message: Message, skip: set[str]) -> tuple[str, str, int] | None:
    """(the name the message gives, the first person its documents are about, how many others
    they are about) when no attached
    document that identifies someone names the person the message speaks of, and the
    message's own text names none of the people the documents are about; else None."""
    documents = [p.text[:DOCUMENT_CHARS] for p in message.parts if p.is_attachment and p.text]
    if not documents:
        return None
    own_text = thread.new_text(message.body[:thread.THREAD_CHARS])
    topics = topic_names(message, skip, own_text)
    if not topics:
        return None
    people: list[tuple[str, str]] = []
    for text in documents:
        written = set(_WORDS.findall(names.folded(text)))
        if topics & written:
            return None  # a document names the person: it may be theirs
        people += [(m.group(1), m.group(2)) for m in _FIELD.finditer(text)]
        people += [(f.capitalize(), s.capitalize()) for f, s in names.subjects_in(text)]
    if not people:
        return None  # no document says whom it is about
    new = set(_WORDS.findall(names.folded(message.subject + " " + own_text)))
    if any(w in new and w not in skip for f, s in people for w in (f.lower(), s.lower())):
        return None  # the sender writes of them too: they know what they are sending
    return min(topics).capitalize(), " ".join(people[0]), len(dict.fromkeys(people)) - 1
