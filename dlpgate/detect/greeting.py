"""Whom a message opens by greeting, and whether a recipient can be the one greeted.

"Hi, Suzanne." "Dear Mr Khan:" "Jeff -" "Hi Sarah and Tom," "Annwyl Siân,": the first line
under any banner, read for the names it greets (or none: "Dear Resident", "Thanks,"). A
greeted name fits a recipient by the display name it was addressed with, a name word of
its address, a short form or another spelling of one (`names.first_names_match`), or an
initial run into a surname. Recipient risk uses it both ways: a new recipient greeted was
meant (`greeted`); one not greeted when another is came along by mistake.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from dlpgate.detect.names import (
    RANKS,
    SEPARATOR,
    TITLE_WORDS,
    Spellings,
    first_names_match,
    folded,
    name_words,
    quote,
)
from dlpgate.history import getaddresses, normalise
from dlpgate.model import Message


@dataclass(frozen=True)
class Greeting:
    """Whom a message opens by addressing: "Hi, Suzanne." "Dear Mr Khan:" "Jeff -" "Hi Sarah
    and Tom,"."""

    names: tuple[str, ...]  # as written, one for each person greeted
    surname: bool           # after a title (Mr Khan): surnames, not first names
    opener: bool            # after Dear, Hi, Hello, Greetings: certainly a greeting
    surnames: tuple[str, ...] = ()  # the surname written after each first name, or ""
    title: str = ""         # as written before a surname: "Ms", "Mr and Mrs", "Dr"
    others: bool = False    # and the rest of a group: "Hi Sarah and team", "and family"

    def __str__(self) -> str:
        if len(self.names) == 1:
            return self.names[0]
        return f"{', '.join(self.names[:-1])} and {self.names[-1]}"


def said(hello: Greeting) -> str:
    """The greeting as an explanation gives it, the name marked for masking and the title
    not ("Ms K•••", where "K•••" alone read as a first name)."""
    return f"{hello.title} {quote(hello)}" if hello.title else quote(hello)


def each_person(hello: Greeting) -> list[Greeting]:
    """One greeting for each person a greeting names ("Hi Sarah and John": Sarah, John)."""
    surnames = hello.surnames or ("",) * len(hello.names)
    return [Greeting((name,), hello.surname, hello.opener, (surname,) if hello.surnames else (),
                     hello.title)
            for name, surname in zip(hello.names, surnames, strict=True)]


_TITLE = rf"(?:(?i:{'|'.join(TITLE_WORDS)})|{'|'.join(RANKS)})"
_NAME = r"[^\W\d_]+(?:[-'’][^\W\d_]+)*"
_GREETING = re.compile(
    r"(?P<open>(?i:hey\s+up|(?:dear|hi|hiya|hello|hey)(?:\s+again)?|howdy|alright|greetings"
    r"|fao|attn|for\s+the\s+attention\s+of"
    r"|good\s+day|(?:good\s+)?(?:morning|afternoon|evening)"
    # Welsh and Irish: Annwyl (Dear), Helo, Shwmae, Bore da, Prynhawn da, Noswaith dda; Dia duit
    r"|annwyl|helo|shwmae|bore\s+da|prynhawn\s+da|noswaith\s+dda|dia\s+dhuit|dia\s+duit)"
    r"\b[\s,:]*)?"
    rf"(?P<title>(?:{_TITLE}\.?\s+(?:(?:and|&)\s+)?)+)?"
    # initials before a surname: "Dear Mr J Smith", "Dear Ms. S. Khan", "Dear S Khan"
    r"(?P<initials>(?:[A-Z]\.?\s+){1,2}(?=[A-Z][^\W\d_]))?"
    rf"(?P<name>{_NAME})(?:\s+(?!and\b)(?:[A-Z]\.?\s+)?(?P<surname>{_NAME}))?")
# One more person greeted: ", Tom", " and Priya", " & Tom Baker", ", hi Jo", "/Tom" (each
# greeted).
_ANOTHER = re.compile(
    r"\s*(?:,|&|/|\band\b)\s*(?:(?i:hi|hello|hiya|hey|dear)\s+)?"
    rf"(?P<name>{_NAME})(?:\s+(?!and\b)(?P<surname>{_NAME}))?")
# ... after a surname greeted with its title or initials, the next with its own: "Dear Mr
# Smith and Ms Jones", "Dear Dr. Khan and Dr. Patel", "Dear J Smith and K Jones".
_ANOTHER_TITLED = re.compile(
    rf"\s*(?:,|&|\band\b)\s*(?P<title>{_TITLE}\.?\s+)?(?:[A-Z]\.?\s+){{0,2}}"
    rf"(?=[A-Z])(?P<name>{_NAME})(?:\s+(?!and\b)(?P<surname>{_NAME}))?")
# The people greeted with the rest of a group: "Dear Mr Smith and family", "Hi Sarah and
# team", "Dear Ms Khan and colleagues", "Hi Jo and all"
_AND_GROUP = re.compile(r"\s*(?:,|&|\band\b)\s*(?:the\s+)?(?i:family|team|colleagues|all"
                        r"|everyone|co)\b")
_AFTER = re.compile(r"(?P<end>\s*[,:!.\-]?)(?P<rest>\s+.*)?$")
# Openings that are not a person: "Gentlemen:", "Thanks,", "All -", and the roles council
# letters are addressed to ("Dear Parent/Carer", "Dear Resident"), in Welsh too, as a
# greeting mutates them ("Annwyl Riant", "Annwyl Breswylydd", "Annwyl bawb").
_NOT_GREETED = frozenset("""sir madam all team colleague colleagues everyone both
folks guys gentlemen ladies friends bros fam family gang hello hi hey dear morning
afternoon evening greetings to this that it he she they we thanks thank thx please
attached fyi here see note update reminder importance urgent perfect great yes no ok
okay sorry regards cheers
customer customers resident residents applicant applicants parent parents carer carers
guardian tenant tenants householder occupier landlord member members client patient
manager officer headteacher head chair editor mayor supplier contractor neighbour
neighbours partners sirs doctor doctors gp gps nurse nurses midwife midwives governor
governors trustee trustees team teams hub service services unit department office desk panel
board committee group worker workers carer coordinator administrator admin lead support
staff practice surgery school nursery centre network forum mash admissions housing
safeguarding reception finance payroll planning licensing highways benefits revenues
fostering adoption hiya howdy alright annwyl helo shwmae syr fadam bawb pawb riant rhiant rieni
apologies apology oops whoops correction resending resend reminder request query question
info information summary background agenda minutes action actions ps nb also further
following right well so now just quick welcome congratulations congrats happy merry ta
firstly finally again day
breswylydd preswylydd breswylwyr gyfaill gyfeillion gydweithwyr cydweithwyr warcheidwad
gwarcheidwad denant denantiaid gwsmer cwsmer ymgeisydd gynghorydd cynghorydd gynghorwyr
cynghorwyr gydweithiwr cydweithiwr aelod aelodau bennaeth pennaeth swyddog swyddogion feddyg
meddyg
councillors provider providers professional professionals stakeholder stakeholders person pupil
pupils student students leaseholder leaseholders homeowner homeowners ratepayer ratepayers
claimant claimants complainant complainants agent agents representative representatives
volunteer volunteers friend elector electors owner owners dsl senco sencos governor partner
director directors commissioner commissioners colleagues""".split())


# More people than one greeting names ("Hi Sarah, Tom and Priya,"): a longer list of names
# on the first line is a roll call, and each name would be tried against every recipient.
GREETED_MAX = 12

# Longer than the longest names are written (a double-barrelled surname, a Welsh or
# Arabic name in full): 40 letters.
NAME_MAX = 40


def _is_name(word: str | None) -> bool:
    """A title on its own ("Dear Judge,", "Dear Councillor,") is a role, not a name; nor is
    a run longer than any name ("Dear Sarah-Sarah-Sarah-...")."""
    return bool(word) and 2 <= len(word) <= NAME_MAX and word[0].isupper() and \
        word.lower() not in _NOT_GREETED and word.lower() not in TITLE_WORDS


# Lines a council writes above a letter besides capitals: a marking and its label
# ("Classification: OFFICIAL-SENSITIVE", "Official - Sensitive"), "Private and Confidential".
BANNER = re.compile(r"^\W*(?:(?:security\s+)?classification|protective\s+marking|sensitivity"
                    r"|dosbarthiad)\s*:"  # Welsh: Dosbarthiad, classification
                    r"|^\W*(?:(?:private|strictly)\s+(?:and\s+|&\s+)?)?confidential\W*$"
                    r"|^\W*(?:official|swyddogol)\b", re.IGNORECASE)


def banner_lines(body: str) -> list[str]:
    """The body's first non-empty lines, stripped: where a greeting or a banner is."""
    return [x.strip() for x in body[:2000].splitlines() if x.strip()]


def greeting(message: Message) -> Greeting | None:
    """Whom the message opens by greeting, from its first line under any banner in capitals;
    None when it opens otherwise.

    A bare capitalised word is a greeting only on a line of its own and punctuated as one
    ("Jeff," "Jeff -"); after Dear, Hi, Hello or Greetings it is, and a sentence may follow
    it. Several people may be greeted ("Hi Sarah, Tom and Priya,"); the list ends at the
    first word that is no name ("Hi Sarah, Thanks for...").
    """
    lines = banner_lines(message.body)
    while len(lines) > 1 and (not any(c.islower() for c in lines[0]) or BANNER.match(lines[0])):
        lines.pop(0)  # a banner above the greeting: OFFICIAL-SENSITIVE, [EXTERNAL]
    line = lines[0] if lines else ""
    m = _GREETING.match(line)
    if not m or not _is_name(m.group("name")):
        return None
    if m.group("surname") and not m.group("surname")[0].isupper():
        return None  # "Hi Jeff thanks for": not a name and a surname
    if (m.group("surname") or "").lower() in _NOT_GREETED:
        return None  # "Dear Housing Team", "Dear Practice Manager": a role, not a person
    title = bool(m.group("title") or m.group("initials"))  # after initials, a surname
    # After a title the surname is the name to fit: "Dear Mr John Smith" greets a Smith.
    names, pos = [m.group("surname") if title and m.group("surname") else m.group("name")], m.end()
    surnames = ["" if title else m.group("surname") or ""]
    titled = False  # a second title: the greeting's title is no longer one for all
    while (more := (_ANOTHER_TITLED if title else _ANOTHER).match(line, pos)) and \
            _is_name(more.group("name")):
        titled = titled or bool(title and more.group("title"))
        names.append(more.group("surname") if title and more.group("surname")
                     else more.group("name"))
        surnames.append("" if title else more.group("surname") or "")
        pos = more.end()
    others = bool(group := _AND_GROUP.match(line, pos))  # "Dear Ms Khan and colleagues"
    pos = group.end() if group else pos
    people = list(dict.fromkeys(zip(names, surnames, strict=True)))  # "Hi Sarah, Sarah," is one
    if len(people) > GREETED_MAX:
        return None  # a roll call, not a greeting of the people written to
    names, surnames = [n for n, _ in people], [s for _, s in people]
    after = _AFTER.match(line, pos)
    if after is None:
        return None  # "Dear Parent/Carer": not a name the line goes on from
    opener, end = bool(m.group("open")), after.group("end").strip()
    if after.group("rest") and not (opener and end):
        return None  # "Hi, Diomedes.  I tried to call": a greeting; "Jeff said" is not
    if not opener and not title and end not in (",", ":", "-"):
        return None
    # "Mr  and Mrs" as "Mr and Mrs"; none for "Mr Smith and Ms Jones", each with their own
    written = "" if titled else " ".join((m.group("title") or "").split())
    return Greeting(tuple(names), title, opener, tuple(surnames), written, others)


def display_names(message: Message) -> dict[str, str]:
    """Each To and Cc address (normalised) with the display name it was written with.

    The headers are decoded, and a name that was an encoded word is no longer quoted:
    "Khan, Siân <s@x.org>" reads as "Khan" and "Siân <s@x.org>"; a piece with no @ and no
    name is put back in front of the next name."""
    values = [v for k, v in message.headers if k.lower() in ("to", "cc")]
    out: dict[str, str] = {}
    pieces: list[str] = []
    for n, a in getaddresses(values):
        if a and not n and "@" not in a:
            pieces.append(a)
            continue
        if a and n:
            out[normalise(a)] = ", ".join([*pieces, n])
        pieces = []
    return out


# A display name holding an address, before the address the mail goes to: '"a@b.org" <c@d.org>',
# 'Sarah (a@b.org) <c@d.org>', or 'a@b.org <c@d.org>' as an encoded word decodes; in a list of
# plain addresses ("a@b.org, Tom <t@d.org>") a comma comes between the @ and the "<"
_NAMED_ADDRESS = re.compile(r"([^,<>]*@[^,<>]*)<\s*([^<>\s]+@[^<>\s]+?)\s*>")


def addresses_shown_in_names(message: Message) -> dict[str, str]:
    """Each To and Cc address (normalised) whose display name holds an address, with that
    display name: read off the decoded headers with one pattern, for the email package's
    parser takes a decoded 'a@b.org <c@d.org>' for something else."""
    out: dict[str, str] = {}
    for k, v in message.headers:
        if k.lower() in ("to", "cc") and v.count("@") > 1:
            for shown, actual in _NAMED_ADDRESS.findall(v):
                out.setdefault(normalise(actual), shown.strip())
    return out


_NAME_WORD = re.compile(r"[a-z]{2,}")
_MAC = re.compile(r"^mac(?=[a-z]{3})")
_TITLES = frozenset(TITLE_WORDS)  # in a display name, folded: the ranks' capitals are gone


# What a display name puts beside the person: a council's team ("(Children's Services)",
# " - Housing", " | Adults", "/ DSL") and NHSmail's organisation ("KHAN, Sarah (LEEDS
# TEACHING HOSPITALS NHS TRUST)", "[LTHT]"), and a service's ("Sarah Khan via Teams"), which
# read as name words made "Services" or "Trust" the surname
_ROLE_AFTER_NAME = re.compile(r"\s*(?:\([^)]*\)|\[[^\]]*\])|\s+(?:[-\u2013|/]|via)\s.*$")


def person_shown(shown_as: str) -> str:
    """The person a display name shows, without the team or organisation beside them."""
    return _ROLE_AFTER_NAME.sub("", shown_as)


def person_words(shown_as: str) -> list[str]:
    """The name words of the person a display name shows, as an address spells them."""
    return name_words_of(person_shown(shown_as))


def name_words_of(shown_as: str) -> list[str]:
    """A display name's words as an address would spell them (Siân O'Brien -> sian,
    obrien), titles left out."""
    return [w for w in _NAME_WORD.findall(_folded(shown_as)) if w not in _TITLES]


@functools.lru_cache(maxsize=4096)  # the greeted names, asked of every recipient's namesakes
def _folded(text: str) -> str:
    """Lower case without accents or apostrophes, as addresses spell names: Siân -> sian,
    O'Brien -> obrien."""
    return folded(text).replace("'", "").replace("\u2019", "")


def greets(address: str, hello: Greeting, shown_as: str = "", initials: bool = True) -> bool:
    """Whether the greeted name can be this recipient's: by the display name they were
    addressed with, a name word of the address (ken for kenneth, jeff for jeffrey), or an
    initial and surname run together (smurphy for "Hi Suzanne", jskilling for "Jeff")."""
    # name_words keeps words of three letters or more; a two-letter first name written in
    # full as one part of the address (jo.bloggs@, ed_walsh@) is a name too
    parts = SEPARATOR.split(address.rpartition("@")[0].lower())
    shown = _NAME_WORD.findall(_folded(shown_as))
    words = shown + name_words(address) + [p for p in parts[:-1] if len(p) == 2 and p.isalpha()]
    # an initial run into a surname stands for a name the address does not spell; a display
    # name that gives the first name says whose it is ("Hi George" is not "Grace Turner"
    # <graceturner67@...>, though both start with g)
    initials = initials and len(person_words(shown_as)) < 2
    full = zip(hello.names, hello.surnames or ("",) * len(hello.names), strict=True)
    # k.shah@ stands for the Kiran greeted only beside the surname greeted, if any ("Hi
    # Kiran Patel" is not k.shah@)
    return any(_fits(_folded(name), hello.surname, words, address, initials,
                     not surname or _folded(surname) in words) or
               (surname and Spellings.of({_folded(name): [_folded(surname)]}).spelled(address))
               for name, surname in full)


def _fits(name: str, surname: bool, words: list[str], address: str, initials: bool,
          same_surname: bool = True) -> bool:
    if surname:
        # MacDonald greeted, kelly.mcdonald@ written to: one name in two spellings
        name = _MAC.sub("mc", name)
        if "-" in name:  # Ms Smith-Jones: a.smith-jones@, a.smithjones@, or one half
            parts = name.split("-")
            return "".join(parts) in words or \
                any(words[i:i + len(parts)] == parts for i in range(len(words))) or \
                bool({ws[-1] for ws in (name_words(address), words) if ws} & set(parts))
        return any(w == name or (len(w) > len(name) and w.endswith(name))
                   for w in (_MAC.sub("mc", w) for w in words))
    # "Hi Sarah-Jane" to sarahjane.doe@: the address runs the two names together
    joined = name.replace("-", "").replace(" ", "")
    if any(first_names_match(w, name) or w == joined for w in words):
        return True
    local = address.rpartition("@")[0].lower()
    if initials and SEPARATOR.search(local):  # j.smith@ for "Dear John"
        return same_surname and SEPARATOR.split(local, maxsplit=1)[0] == name[:1]
    return initials and len(local) >= 5 and local[0] == name[0]


# Bringing someone into a conversation by name: "copying in Mark", "I've added Ann Lee and
# Priya", "cc'ing my colleague Tom", "@Mark Brown" (Outlook's mention, which puts them in
# To), "Ann - copying you in". Only the message's own text, above what it quotes.
_BRING = r"(?:copying|copied|cc'?ing|cc-ing|cc'?d|looping|looped|adding|added|bringing)"
_ASKING = (r"(?i:(?:could|can|would|will|are|do|did|have|might)[ \t]+you|please|thank[ \t]+you"
           r"|thanks|if[ \t]+you|when[ \t]+you|let[ \t]+me[ \t]+know|fyi|for[ \t]+info"
           # Welsh: could/can/will you, thanks
           r"|(?:allech|allwch|wnewch|fedrwch)[ \t]+chi|diolch"
           r"|you(?:'ll|\u2019ll|'re|\u2019re|[ \t]+(?:will|are|may|might|could|can)))\b")
# A name as written ("Jo", not the "and" of "and Jo is copied in"), read from a word's start
# and bounded: tried at every word, an unbounded run ("Sarah-Sarah-...", a megabyte of it)
# was read to its end from each of its words
_CAPITAL = "(?<![\\w'\u2019-])(?=[A-Z\u00c0-\u00de])"
_NAME_REST = r"[^\W\d_]{1,40}(?:[-'\u2019][^\W\d_]{1,40}){0,3}"
_INTRODUCED = re.compile(
    # "copying in Mark", "I've included Jo", "cc: Jo Patel", "Copied in: Jo", "forwarding
    # this to Jo"; "copying in my line manager, Ann Lee", "cc'ing the duty social worker
    # Tom": a role of up to three words in lower case, between
    rf"\b(?i:{_BRING}|cc|including|included|forwarding\s+(?:this\s+)?to"
    r"|passing\s+(?:this\s+)?(?:on\s+)?to)\s*:?\s+(?:(?i:in)\s*:?\s+)?"
    rf"(?:(?i:my|our|the)(?:\s+[a-z]+){{1,3}},?\s+)?"
    rf"(?P<name>{_NAME})(?:\s+(?!and\b)(?P<surname>{_NAME}))?"
    # "Jo is copied in", "Jo Patel has been cc'd", "Jo (cc'd) will reply", "Jo cc'd"
    rf"|\b(?P<passive>{_CAPITAL}{_NAME_REST})(?:[ \t]+(?P<passive_surname>{_CAPITAL}{_NAME_REST}))?"
    rf"[ \t]+(?:\((?i:{_BRING}|cc|included)\)|(?i:cc'?d)\b"
    r"|(?i:is|has[ \t]+been)[ \t]+(?i:copied|cc'?d|cc'?ed|included|added|looped)\b)"
    # an Outlook or Gmail mention: "@Mark Brown", "+Mark Brown"
    rf"|(?<![\w.@+])[@+](?P<mention>{_NAME})(?:\s+(?P<mentioned_surname>{_NAME}))?"
    rf"|^[ \t]*(?P<vocative>{_NAME})[ \t]*[,\-\u2013:][ \t]*(?i:(?:I(?:'ve|\u2019ve| have)"
    rf"[ \t]+)?{_BRING}[ \t]+you)\b"
    # a sentence that turns to a recipient and asks them: "Thanks Sarah. Jo, could you book
    # the visit?", "Mark - please can you ...": someone the reply addresses is meant; a run
    # of names ("Sarah and Jo, could you both ...") read whole
    rf"|(?:^|(?<=[.!?])[ \t])[ \t]*(?P<asked>{_NAME}(?:(?:[ \t]*,[ \t]*|[ \t]+and[ \t]+)"
    rf"{_NAME})*)[ \t]*[,\-\u2013:][ \t]*{_ASKING}",
    re.MULTILINE)
_INTRODUCED_MAX = 12
_RUN = re.compile(r"\s*,\s*|\s+and\s+")


def introduced(body: str, quote_start: int) -> Greeting | None:
    """Whom the message's own text brings into the conversation by name, as a greeting of
    them: a reply that adds a colleague says so, by first name as often as not."""
    people: list[tuple[str, str]] = []
    text = body[:min(quote_start, 20000)]
    for m in _INTRODUCED.finditer(text):
        if m.group("asked"):
            people += [(n, "") for n in _RUN.split(m.group("asked")) if _is_name(n)
                       and not n.isupper()]
            continue
        name = m.group("name") or m.group("mention") or m.group("vocative") or \
            m.group("passive")
        if not _is_name(name) or name.isupper() or name.endswith(("'s", "\u2019s")):
            continue  # "copying in HR", "copying in Ken's notes": no one brought in
        found = [(name, m.group("surname") or m.group("mentioned_surname") or
                  m.group("passive_surname") or "")]
        if m.group("name"):  # "copying in Ann and Mark", "adding Priya, Tom & Sam"
            pos = m.end()
            while (more := _ANOTHER.match(text, pos)) and _is_name(more.group("name")):
                found.append((more.group("name"), more.group("surname") or ""))
                pos = more.end()
        # a surname only as one is written ("copying in Mark now": Mark alone)
        people += [(n, s if s[:1].isupper() and _is_name(s) else "") for n, s in found]
    people = list(dict.fromkeys(people))
    if not people or len(people) > _INTRODUCED_MAX:
        return None
    return Greeting(tuple(n for n, _ in people), False, True, tuple(s for _, s in people))
