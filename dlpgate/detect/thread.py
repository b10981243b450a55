"""The conversation a message carries: whether it replies, what it quotes, who wrote what it
answers.

A reply or forward quotes the messages before it under header blocks ("-----Original
Message-----", Notes' "Name <addr> on 03/23/2001 01:47 PM"). Recipient risk reads them to
tell who was in the conversation (a recipient added to it may be a wrong one) and whose
message a reply answers (the other Tom, when the reply goes to a Tom who did not write it).
Pure functions of text, no store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dlpgate.detect import names, signature, whom
from dlpgate.history import normalise
from dlpgate.model import Message

_REPLY = re.compile(r"^\s*(?:re|fw|fwd|aw|tr)\s*:", re.IGNORECASE)
_FORWARD = re.compile(r"^\s*(?:fw|fwd|tr)\s*:", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z]{3,}")


# The header block a mail client writes above a quoted or forwarded message: Outlook's
# "-----Original Message-----", Notes' "Forwarded by" and "Name <addr> on 03/23/2001
# 01:47 PM" over "To:" (or over "Please respond to" and "Sent by:" lines, then "To:"), a
# "From:" line with "Sent:" or "Date:" under it, "On ... wrote:".
_QUOTED = re.compile(
    r"^[ \t>]*-{2,}\s*(?:original message|forwarded (?:by|message))"
    r"|\bon \d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*[ap]m\s*\n"
    r"(?:[ \t]*(?:please respond to|sent by:)[^\n]*\n){0,2}\s*to:"
    r"|^[ \t>]*from:[^\n]*\n(?:[^\n]*\n){0,2}?[ \t>]*(?:sent|date):"
    r"|^[ \t>]*on [^\n]{5,120} wrote:\s*$",
    re.IGNORECASE | re.MULTILINE)


def carries_conversation(body: str) -> bool:
    """Whether a body quotes or forwards an earlier message under its header block.

    A reply's subject is not always marked ("REMOVE FROM LIST!! Re: ...", a client that
    strips prefixes); the quoted header block is what says who was in the conversation.
    """
    return bool(_QUOTED.search(body[:50000]))


def is_reply(message: Message) -> bool:
    """A reply or forward by its subject or its threading headers."""
    return bool(_REPLY.match(message.subject)) or any(
        k.lower() in ("in-reply-to", "references") for k, _ in message.headers)


# How much of a body is read for the conversation it carries: the quoted headers are at its
# top, and folding 4.8 MB of words took 10 s a message.
THREAD_CHARS = 200_000


def words_of(text: str) -> set[str]:
    """The words of a conversation as addresses spell names: accents folded (Siân, Seán,
    Zoë), and a name with an apostrophe both whole and apart (O'Connor: oconnor, connor)."""
    plain = names.folded(text.replace("\u2019", "'"))
    return set(_TOKEN.findall(plain)) | set(_TOKEN.findall(plain.replace("'", "")))


def outside_thread(message: Message, targets: list[str],
                   carried: bool | None = None) -> set[str]:
    """The recipients added to a conversation they were not part of.

    A reply (by its subject or headers) is the conversation going on, so anyone outside it
    was added. A forward, or a message that only quotes a conversation under an unmarked
    subject (a circular quoting a note, "REMOVE ME!! Re: ..."), may be sharing it with a
    new audience, which is what forwarding is for: a recipient outside it stands out only
    when at least half the message's recipients were in it. `carried`:
    carries_conversation(message.body), when the caller has it already.
    """
    reply = is_reply(message)
    if not reply and not (carries_conversation(message.body) if carried is None else carried):
        return set()
    thread = words_of(message.body[:THREAD_CHARS])
    outside = {t for t in targets if not names.in_thread(t, thread)}
    if (reply and not _FORWARD.match(message.subject)) or 2 * len(outside) <= len(targets):
        return outside
    return set()


# The line naming who wrote the first message quoted: Outlook's "From:" over "Sent:" (or
# "Date:"), Notes' "Name <addr> on 03/15/2001 10:25:53 AM", "On <date>, Name wrote:".
_AUTHOR = re.compile(
    r"^[ \t>]*from:[ \t]*(?P<from>[^\n]+)\n(?:[^\n]*\n){0,2}?[ \t>]*(?:sent|date):"
    r"|^[ \t>]*(?:from:[ \t]*)?(?P<notes>[^\n]{3,120}?)[ \t]+on \d{1,2}/\d{1,2}/\d{2,4}"
    r"[ \t]+\d{1,2}:\d{2}"
    r"|^[ \t>]*(?P<wrote>on [^\n]{5,200}?) wrote:[ \t]*$",
    re.IGNORECASE | re.MULTILINE)
# The time in "On Mon, Mar 2, 2026 at 10:14 AM Sarah Khan <...> wrote:": the name follows it.
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\b\.?)?", re.IGNORECASE)
# Asides on an author line: a mailto, an address, a bracketed team, quotes around the name
# (an apostrophe inside one, O'Connor, stays)
_ASIDE = re.compile(r"\[mailto:[^\]]*\]|<[^>]*>|\([^)]*\)|\"|(?<![A-Za-z])'|'(?![A-Za-z])")
# What follows a name on an author line: a role ("Sarah Khan - Named Nurse Safeguarding",
# "Sarah Khan | Housing Officer")
_ROLE_AFTER = re.compile(r"\s+[-\u2013\u2014|]\s+.*$")
# Letters after a name: qualifications and honours ("Sarah Khan BSc RGN")
_POSTNOMINALS = frozenset("""bsc msc ba ma ma phd mba llb llm rgn rmn rn rsw dipsw cqsw mbe obe
cbe kc qc jp mp ms mbbs mrcgp frcp frcs fca aca cipfa cima acca pgce med bed""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "mbe", "obe"})
_ROLE_WORDS = names.TEAM_WORDS


@dataclass(frozen=True)
class Author:
    """Who wrote the message a reply answers: first name and surname as an address spells
    them (lower case, no hyphen or apostrophe: schulerlegal, obrien), the address when the
    quoted header gives one, and the name as written."""

    first: str
    last: str
    address: str = ""
    name: str = ""

    def __str__(self) -> str:
        return self.name or f"{self.first.capitalize()} {self.last.capitalize()}"


def _spelt(word: str) -> str:
    return re.sub(r"[-']", "", word.lower())


def _author(text: str) -> Author | None:
    """The person on an author line: "Siekman, Tom" <tom.siekman@compaq.com>, "John J
    Lavorato/ENRON@enronXgate" (Notes: the name ends at the slash), a bare address."""
    found = names.ADDRESS.search(text)
    address = normalise(found.group(0)) if found else ""
    if not found:
        text = re.split(r"[/@]", text, maxsplit=1)[0]
    # accents folded as addresses spell them (Siân Jones is sian.jones@), case kept
    text = names.unaccented(text.replace("\u2019", "'"))
    text = _ROLE_AFTER.sub("", names.ADDRESS.sub(" ", _ASIDE.sub(" ", text)).strip())
    if "," in text:  # Exchange's "Surname, First"
        last, _, first = text.partition(",")
        words = _name_words(first)[:1] + _name_words(last)[-1:]
    else:
        words = _name_words(text)
    if 2 <= len(words) <= 5 and all(w[0].isupper() for w in words):
        return Author(_spelt(words[0]), _spelt(words[-1]), address, f"{words[0]} {words[-1]}")
    if address and len(from_address := names.name_words(address)) >= 2:
        return Author(from_address[0], from_address[-1], address)
    return None


def _name_words(text: str) -> list[str]:
    """The words of a name, without a title before it ("Cllr", "Dr", "Mrs") or honours and
    qualifications after it ("Jr", "BSc RGN", "MBE")."""
    words = [w for w in _WORD.findall(text) if not names.is_title(w)]
    while len(words) > 2 and (w := words[-1].lower()) and (
            w in _SUFFIXES or w in _POSTNOMINALS or (words[-1].isupper() and len(w) <= 5)):
        words.pop()
    return [w for w in words if w.lower() not in _SUFFIXES]


def quote_start(body: str) -> int:
    """Where the first quoted message's header starts (the new text ends), or the body's
    length when it quotes none."""
    m = _AUTHOR.search(body[:50000])
    return m.start() if m else len(body)


def new_text(body: str) -> str:
    """The text a message adds above what it quotes: up to the first quoted header block,
    or to the "-----Original Message-----" banner over it."""
    cut = quote_start(body)
    banner = _QUOTED.search(body, 0, cut)
    return body[:banner.start() if banner else cut]


def replied_to(message: Message) -> Author | None:
    """Who wrote the message this one replies to: the first quoted header block's author.

    None for a message that is no reply, for a forward (it shares a message with someone
    new; its author need not be on it), and when the first block is a forwarding banner.
    """
    if not is_reply(message) or _FORWARD.match(message.subject):
        return None
    m = _AUTHOR.search(message.body[:50000])
    if m is None:
        return None
    text = m.group("from") or m.group("notes") or m.group("wrote")
    if re.search(r"forwarded (?:by|message)", text, re.IGNORECASE):
        return None
    if m.group("wrote"):  # the name comes after the time, or after the date's last comma
        parts = _TIME.split(text)
        text = parts[-1].lstrip(" ,") if len(parts) > 1 else text.rpartition(",")[2]
    # "Ann Brown on behalf of Sarah Khan": the reply goes to the one written for.
    text = re.split(r"\bon behalf of\b", text, flags=re.IGNORECASE)[-1]
    author = _author(text)
    if author is None or {author.first, author.last} & _ROLE_WORDS:
        return None  # a team mailbox wrote: whoever shares a word with it is no namesake
    return author


def is_author(address: str, author: Author) -> bool:
    """Whether an address is the author's: theirs, or one with their name (tom.siekman@,
    tsiekman@, ken.lay@ for Kenneth Lay)."""
    if address == author.address:
        return True
    words = names.name_words(address)
    if len(words) >= 2:
        return _surname(words, author) and names.first_names_match(words[0], author.first)
    return bool(words) and words[0] in (author.first[:1] + author.last, author.last)


def _surname(words: list[str], author: Author) -> bool:
    """lance.schuler-legal@ spells Schuler-Legal in two words."""
    return author.last in (words[-1], "".join(words[1:]))


def shares_a_name(address: str, author: Author) -> str | None:
    """The one name this address shares with the author and no other: "Tom" for tom.briggs@
    when Tom Siekman wrote, "Siekman" for carol.siekman@; None for the author's own
    address, for an address with no full name in it (or a team's: housing.repairs@), and for
    one that shares neither."""
    words = names.name_words(address)
    if len(words) < 2 or {words[0], words[-1]} & _ROLE_WORDS:
        return None
    first = names.first_names_match(words[0], author.first)
    last = _surname(words, author)
    if first == last:
        return None
    written = str(author).split()
    return written[0] if first else written[-1]


# A full name as a letter writes it, each pair of capitalised words tried: "Callum Reid",
# "Callum O'Brien", "Amy McDonald".
_FULL_NAME = re.compile(
    r"(?=\b([A-Z][a-z]+)[ \t]+((?:O['\u2019]|Mc)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b)")


def names_someone_new(message: Message, own: Iterable[str] = ()) -> bool:
    """Whether a reply's own text names someone the conversation it quotes does not:
    "Callum Patel's autism diagnosis came through", added to Mrs Reid's thread, is another
    family's case, so the reply is no answer to her alone.

    Names are read as the rest of detection reads them (`whom.is_name`), not as any two
    capitalised words: every reply a council sends is signed with a post, a team and an
    address ("Revenues Officer", "Civic Centre, High Street") and names the service or the
    officer who will act, and read so no reply to a resident who wrote in was one. Not
    read: the writer's signature (`signature.spans`), the sender's own name (`own`, and
    `whom.own_names`), and a person given by their post or as someone to contact ("a
    surveyor, Gareth Thomas, will visit", "the conference chair is Jane Holt", "call my
    colleague Sarah Khan": `whom.introduced`), unless whose something is ("Sarah Khan's").
    A name with a title ("Mrs Reid", "Mr Patel") is read as a name.
    """
    body = message.body[:THREAD_CHARS]
    new = new_text(body)
    quoted = body[len(new):].lower()
    own = set(own) | whom.own_names(message)
    signed = signature.spans(new, frozenset(own), message.from_addr.rpartition("@")[0])
    for left, right in _sentences(new):
        part = new[left:right]
        for m in whom.TITLED.finditer(part):
            surname = re.sub(r"['\u2019]s$", "", m.group(1).lower())  # "Mr Reid's"
            if surname not in own and surname not in quoted and \
                    not signature.within(signed, left + m.start(), left + m.end()):
                return True
        for m in _FULL_NAME.finditer(part):
            if names.is_title(m.group(1)) or names.is_title(m.group(2)) or \
                    not whom.is_name(part, m, own, places=False):
                continue
            if signature.within(signed, left + m.start(1), left + m.end(2)):
                continue
            whose = part.startswith(("'s", "\u2019s"), m.end(2))
            if not whose and whom.introduced(part, m.start(1)):
                continue
            if m.group(2).lower() not in quoted:
                return True
    return False


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence or line of `text`."""
    left = 0
    for m in whom.SENTENCE_END.finditer(text):
        yield left, m.start()
        left = m.end()
    yield left, len(text)
