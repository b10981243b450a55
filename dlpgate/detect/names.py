"""Names in addresses and in messages: who an address seems to be, and who a message names.

Recipient risk asks these of every recipient: is this address another one mistyped, could an
autocomplete have offered one for the other (the same first or last name), and does the
message or the conversation it carries name this person (`thread` says where that
conversation is). Pure functions of text, no store.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from importlib import resources

from dlpgate.detect import lookalike
from dlpgate.detect.summary import mask
from dlpgate.history import normalise
from dlpgate.model import Message
from dlpgate.store.base import ContactRow, Correspondence

# Given names common in England and Wales (dlpgate/data/first_names.txt): where a capitalised
# word must be a person's first name to count, not a team's, a day's or a place's
FIRST_NAMES = frozenset(
    line.strip() for line in (resources.files("dlpgate") / "data" / "first_names.txt")
    .read_text("utf-8").splitlines() if line.strip() and not line.startswith("#"))
_TOKEN = re.compile(r"[a-z]{3,}")


SEPARATOR = re.compile(r"[._\-]")


def unseparated(local: str) -> str:
    """A local part without what separates its words: jo.bloggs, jo_bloggs and jo-bloggs are
    one person's spellings, not a slip; and sarah_khan@ or sarahkhan@ at another domain carry
    the name of sarah.khan@ as much as sarah.khan@ there does."""
    # SEPARATOR's three characters dropped: the same as SEPARATOR.sub, in a third of the time
    return local.replace(".", "").replace("_", "").replace("-", "")


def is_slip(address: str, other: str) -> bool:
    """`address` is `other` mistyped: the same domain, the local part one slip away (two
    for eight letters or more), and not merely another separator between the same names.

    Two slips must fall in different words, or in a word of eight letters or more:
    samanta.blogs for samantha.bloggs is a hurried hand, john.greg for john.gore is John Greg.
    """
    local, _, domain = address.rpartition("@")
    o_local, _, o_domain = other.rpartition("@")
    edits = 1 if len(local) < 8 else 2
    if o_domain != domain or len(local) < 4 or not close(local, o_local, edits) \
            or unseparated(local) == unseparated(o_local) or _other_initial(local, o_local):
        return False  # (the cheap bound in close() first: most pairs end there)
    if edits == 1 or lookalike.distance(local, o_local, 2) <= 1:  # only near pairs get here
        return True
    words, o_words = SEPARATOR.split(local), SEPARATOR.split(o_local)
    return len(words) == len(o_words) and all(
        close(w, o, 1 if len(o) < 8 else 2) for w, o in zip(words, o_words, strict=True))


# Keys next to each other on a UK keyboard: a finger that slips lands on one of these.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEXT_TO = {c: {r[j] for j in (i - 1, i + 1) if 0 <= j < len(r)} | {
    o[j] for o in _ROWS[max(0, n - 1):n + 2] if o != r for j in (i - 1, i, i + 1)
    if 0 <= j < len(o)} for n, r in enumerate(_ROWS) for i, c in enumerate(r)}


def _other_initial(local: str, other: str) -> bool:
    """triley for jriley, t.riley for j.riley: another person's initial before the same
    surname, not a slip, unless the two keys are neighbours (kriley for jriley)."""
    if len(local) != len(other) or local[1:] != other[1:] or local[0] == other[0]:
        return False
    rest = local[1:].lstrip("._-")
    return len(rest) >= 4 and rest.isalpha() and other[0] not in _NEXT_TO.get(local[0], ())


@functools.lru_cache(maxsize=1 << 16)  # every message compares with the same contacts
def _names(local: str) -> tuple[str, str, frozenset[str]]:
    """(first, last) name words of a local part (sarah.khan -> sarah, khan; jskilling
    twice) and its letters, for a cheap bound before an edit distance."""
    words = _TOKEN.findall(local)
    return (words[0], words[-1], frozenset(local)) if words else ("", "", frozenset(local))


def close(a: str, b: str, edits: int) -> bool:
    """Local parts within `edits` slips. Each slip changes the set of letters used by at
    most two, so most pairs are ruled out without computing the distance."""
    if abs(len(a) - len(b)) > edits or len(_names(a)[2] ^ _names(b)[2]) > 2 * edits:
        return False
    return lookalike.distance(a, b, edits) <= edits


def similar_names(a: str, b: str) -> bool:
    """Two addresses a hurried autocomplete could swap: the same first or last name, or close.

    Autocomplete offers every contact whose name starts with what was typed, so a shared
    first name (sarah.khan, sarah.jones) or surname (sarah.khan, imran.khan) is enough;
    otherwise the local parts must be within two slips.
    """
    la, lb = a.rpartition("@")[0], b.rpartition("@")[0]
    (fa, sa, _), (fb, sb, _) = _names(la), _names(lb)
    if fa and (fa == fb or sa == sb):
        return True
    return len(la) >= 5 and close(la, lb, 2)


# Short forms a first name is written in that do not begin like it (Ken for Kenneth needs
# no entry: one name starting the other is a match already). Each maps to the full names it
# stands for; two short forms of one name (Bill, Will) match each other too.
_SHORT_FORMS = {
    "andy": "andrew", "drew": "andrew", "tony": "anthony antony", "bill": "william",
    "billy": "william", "will": "william", "liam": "william", "bob": "robert",
    "bobby": "robert", "robbie": "robert", "bert": "robert albert herbert", "dick": "richard",
    "rick": "richard", "ricky": "richard", "liz": "elizabeth", "lizzie": "elizabeth",
    "beth": "elizabeth bethany", "betty": "elizabeth", "libby": "elizabeth",
    "kate": "katherine catherine kathryn", "katie": "katherine catherine kathryn",
    "kath": "katherine kathleen kathryn", "kathy": "katherine kathleen kathryn",
    "cathy": "catherine", "jim": "james", "jimmy": "james", "jamie": "james",
    "jack": "john", "johnny": "john jonathan", "mike": "michael", "mick": "michael",
    "micky": "michael",
    "tom": "thomas", "tommy": "thomas", "ted": "edward", "ned": "edward", "harry": "henry harold",
    "hal": "henry harold", "peggy": "margaret", "maggie": "margaret", "meg": "margaret",
    "larry": "lawrence laurence", "dave": "david", "davy": "david", "joe": "joseph",
    "joey": "joseph", "jerry": "gerald gerard jeremy", "gerry": "gerald gerard",
    "sandy": "alexander alexandra sandra", "terry": "terence teresa theresa",
    "steve": "stephen", "geoff": "geoffrey", "jeff": "geoffrey", "chuck": "charles",
    "charlie": "charles charlotte", "fred": "frederick alfred", "freddie": "frederick alfred",
    "sally": "sarah", "molly": "mary", "polly": "mary", "jenny": "jennifer", "sue": "susan",
    "susie": "susan suzanne", "vicky": "victoria", "vikki": "victoria", "penny": "penelope",
    "becky": "rebecca", "patsy": "patricia", "mandy": "amanda", "nell": "helen eleanor",
    "frank": "francis", "fran": "frances francesca", "bernie": "bernard bernadette",
    "jo": "joanne joanna josephine joan", "ed": "edward edmund edwin",
    "al": "alan allan alastair alistair albert alfred", "dai": "david",
    "nick": "nicholas nicola", "nicky": "nicholas nicola nicole", "debbie": "deborah debra",
    "debs": "deborah debra", "jackie": "jacqueline", "danny": "daniel", "ollie": "oliver",
    "rosie": "rosemary rose rosalind", "millie": "millicent amelia camilla",
    "abby": "abigail", "abbie": "abigail", "tasha": "natasha", "tina": "christina christine",
    "trish": "patricia", "tricia": "patricia", "ellie": "eleanor elizabeth ellen",
    "mo": "mohammed maureen maurice", "di": "diana diane", "em": "emma emily",
    "pat": "patricia patrick", "sam": "samuel samantha", "alex": "alexander alexandra",
    "bex": "rebecca", "becca": "rebecca", "nikki": "nicola nicole", "gaz": "gareth gary",
    "baz": "barry", "shaz": "sharon", "tash": "natasha", "jonny": "jonathan john",
    "sasha": "alexander alexandra", "xander": "alexander", "suzy": "susan suzanne",
    "dot": "dorothy", "dotty": "dorothy", "izzy": "isabel isabella isobel elizabeth",
    "issy": "isabel isabella isobel", "frankie": "frances francesca francis",
    "tori": "victoria", "gabby": "gabriella gabrielle", "gabi": "gabriella gabrielle",
    "sammy": "samuel samantha", "manny": "emmanuel manuel", "olly": "oliver",
    "alfie": "alfred", "lottie": "charlotte", "kez": "kerry kerrie", "mags": "margaret",
    "ally": "alison alexandra alistair alastair", "kenny": "kenneth", "archie": "archibald",
    "reggie": "reginald", "ronnie": "ronald veronica", "lenny": "leonard", "jez": "jeremy",
    "shelley": "michelle rochelle", "tess": "teresa theresa", "tessa": "teresa theresa",
    "pip": "philippa phillipa", "pippa": "philippa phillipa", "hattie": "harriet",
    "kit": "christopher", "stevie": "stephen stephanie", "del": "derek", "bridie": "bridget",
    "jacqui": "jacqueline", "angie": "angela", "hatty": "harriet", "hettie": "harriet henrietta",
    "georgie": "georgina georgia", "bella": "isabella arabella isabel", "eddie": "edward edwin",
    "zak": "zachary zakariya", "zac": "zachary", "paddy": "patrick", "annie": "ann anne anna",
    "toni": "antonia", "fliss": "felicity", "flick": "felicity", "immy": "imogen",
    "tilly": "matilda", "kitty": "katherine catherine kathleen", "livvy": "olivia",
    "maddie": "madeleine madeline", "cassie": "cassandra", "vinny": "vincent",
}
_FULL_NAMES = {short: frozenset(full.split()) for short, full in _SHORT_FORMS.items()}

# Spellings of one name (the first of each group stands for the rest), English, Welsh,
# Irish and Arabic names as UK mail writes them. A table, not a rule: a rule that took
# Muhammad for Mohammed would take an address's slip (ddavid, keenneth) for David and
# Kenneth, and the slip is what the recipient signals are there to see.
_SPELLINGS = """
mohammed muhammad mohammad mohamed muhammed mohamad mohd; ahmed ahmad; mahmood mahmud
mehmood; yusuf yousef yousuf youssef yusef; aisha ayesha aysha; hussain hussein husain;
hasan hassan; zainab zaynab; ibrahim ebrahim; abdullah abdulla; usman osman uthman;
catherine katherine katharine kathryn cathryn; stephen steven; philip phillip;
clare claire; brian bryan; teresa theresa; isobel isabel isabelle; rachel rachael;
lindsay lindsey; hayley haley hailey; aaron arron; nicola nichola; geoffrey jeffrey;
shaun sean shawn; john jon; david dafydd dewi; kieran ciaran; connor conor;
caitlin kaitlyn katelyn; callum calum; karen karin; christopher kristopher;
christine kristine; christina kristina; hugh huw; evan ifan
"""
_CANONICAL = {name: group.split()[0] for group in _SPELLINGS.replace("\n", " ").split(";")
              for name in group.split()}


@functools.lru_cache(maxsize=1 << 14)  # asked for every greeted name against every contact
def _forms(name: str) -> frozenset[str]:
    """The names this first name can stand for, each as its group's first spelling."""
    return frozenset(_CANONICAL.get(n, n) for n in (*_FULL_NAMES.get(name, ()), name))


# Yoruba names are shortened to what follows their first part: Seun for Oluwaseun, Tunde for
# Babatunde, Femi for Olufemi, Bayo for Adebayo, Wale for Olawale, Kemi for Oluwakemi.
_YORUBA_FIRST_PARTS = ("oluwa", "olu", "ola", "ade", "baba", "omo", "ayo", "ibi", "oye", "ife")


def _yoruba_short(short: str, full: str) -> bool:
    return len(short) >= 4 and any(full == part + short for part in _YORUBA_FIRST_PARTS)


def first_names_match(a: str, b: str) -> bool:
    """Two first names one person could be written with: the same, one starting the other
    (Ken, Kenneth; Jeff, Jeffrey), a short form of the other (Bill, William; Liz,
    Elizabeth; Bill, Will; Seun, Oluwaseun), or another spelling of it (Stephen, Steven;
    Mohammed, Muhammad). Lower case, accents folded."""
    if a == b or (min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a))):
        return True
    if bool(_forms(a) & _forms(b)) or _yoruba_short(a, b) or _yoruba_short(b, a):
        return True
    # Chris for Kristopher: the start of another spelling of it
    ca, cb = _CANONICAL.get(a, a), _CANONICAL.get(b, b)
    return min(len(a), len(b)) >= 3 and (ca != a or cb != b) and \
        (ca.startswith(cb) or cb.startswith(ca))


# Gmail ignores dots in the local part, and googlemail.com (its name in the UK until 2010)
# delivers to the same mailboxes.
_GMAIL = ("gmail.com", "googlemail.com")


_QUOTE, _UNQUOTE = "\x02", "\x03"  # never in an address: control characters are refused


def quote(name: object) -> str:
    """A name the message writes (a greeting, a quoted author, a name in the body), marked
    in an explanation so that `explained` can mask it."""
    return f"{_QUOTE}{name}{_UNQUOTE}"


def explained(why: str) -> tuple[str, str]:
    """(the explanation with each `quote`d name masked, the same in full; "" if it quotes
    none)."""
    if _QUOTE not in why:
        return why, ""
    pattern = re.compile(f"{_QUOTE}(.*?){_UNQUOTE}", re.S)
    return pattern.sub(lambda m: mask("PERSON", m.group(1)), why), pattern.sub(r"\1", why)


def one_mailbox(a: str, b: str) -> bool:
    """Two spellings of one Gmail mailbox: sarah.khan@googlemail.com and sarahkhan@gmail.com."""
    la, _, da = a.rpartition("@")
    lb, _, db = b.rpartition("@")
    return da in _GMAIL and db in _GMAIL and la.replace(".", "") == lb.replace(".", "")


def same_person(a: str, b: str) -> bool:
    """Two addresses of one person at one domain: kenneth.lay and kenneth_lay, steven.kean
    and steven.j.kean, ken.rice and kenneth.rice, andy.fastow and andrew.fastow. A mail
    system gives two people at one domain two different names, so these are aliases, not
    namesakes; at another domain the same name may be someone else, or the person's own
    private address (confusable-address)."""
    if one_mailbox(a, b):
        return True
    la, _, da = a.rpartition("@")
    lb, _, db = b.rpartition("@")
    wa, wb = _TOKEN.findall(la), _TOKEN.findall(lb)
    if da != db or len(wa) < 2 or len(wb) < 2 or wa[-1] != wb[-1]:
        return False
    return first_names_match(wa[0], wb[0])


def namesakes(targets: list[str], contacts: Contacts,
              limit: int = 20) -> dict[str, list[Correspondence]]:
    """For each recipient, the sender's other contacts with a similar name, most used first.

    Contacts who are themselves recipients of this message are left out: the sender
    picked both, so neither was mistaken for the other. So are the recipient's own other
    addresses at the same domain (same_person).

    `similar_names` for every recipient and contact, with the contacts' names read once
    and those sharing a first name or surname found by lookup: a message to sixty with a
    sender of five hundred contacts asks 30,000 pairs.
    """
    inside = set(targets)
    rows = contacts.rows
    pool = [i for i, row in enumerate(rows) if row[0] not in inside and row[1] > 0]
    by_first: dict[str, list[int]] = {}
    by_last: dict[str, list[int]] = {}
    by_length: dict[int, list[tuple[int, str, frozenset[str]]]] = {}
    for i in pool:
        local = rows[i][0].rpartition("@")[0]
        first, last, letters = _names(local)
        if first:
            by_first.setdefault(first, []).append(i)
            by_last.setdefault(last, []).append(i)
        by_length.setdefault(len(local), []).append((i, local, letters))
    out: dict[str, list[Correspondence]] = {}
    for t in targets:
        local = t.rpartition("@")[0]
        first, last, letters = _names(local)
        hits = {*by_first.get(first, ()), *by_last.get(last, ())} if first else set()
        if len(local) >= 5:  # or within two slips: close(), inline, of the near lengths
            hits.update(i for n in range(len(local) - 2, len(local) + 3)
                        for i, other, theirs in by_length.get(n, ())
                        if i not in hits and len(theirs ^ letters) <= 4
                        and lookalike.distance(local, other, 2) <= 2)
        similar = [i for i in sorted(hits) if not same_person(t, rows[i][0])]
        if similar:
            out[t] = [contacts[i] for i in similar[:limit]]
    return out


class Contacts:
    """A sender's contacts, most written to first, from the store's rows (`contact_rows`),
    each made a Correspondence only when asked for: a message's recipients are compared with
    up to 500 contacts and need a few of them, or none, and making them all cost a thirtieth
    of a scan. Indexed by domain and by local part when asked more than once (`mistakable`)
    or by name: a slip keeps the domain and a name at another domain keeps the local part,
    so each recipient is compared with those few rather than with every contact."""

    _index: tuple[dict[tuple[str, int], list[int]], dict[str, list[int]]] | None = None
    _by_name: dict[tuple[str, str], list[int]] | None = None
    _asked = False  # whether `mistakable` has been asked once (and read the list through)

    def __init__(self, rows: list[ContactRow] | None = None) -> None:
        self.rows = rows or []  # read only: a PostgreSQL store hands the same list again
        self._made: dict[int, Correspondence] = {}

    @classmethod
    def of(cls, contacts: list[Correspondence]) -> Contacts:
        """Contacts from Correspondence already made (a test's), kept as they are."""
        made = cls([(c.recipient, c.count, c.first_seen, c.last_seen, c.replied)
                    for c in contacts])
        made._made = dict(enumerate(contacts))
        return made

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> Correspondence:
        if (c := self._made.get(i)) is None:
            recipient, count, first_seen, last_seen, replied = self.rows[i]
            c = self._made[i] = Correspondence(recipient, count, first_seen, last_seen,
                                               bool(replied))
        return c

    def __iter__(self) -> Iterator[Correspondence]:
        return (self[i] for i in range(len(self.rows)))

    def frequent(self, least: int) -> list[str]:
        """The addresses written to at least `least` times, most first."""
        return [r[0] for r in self.rows if r[1] >= least]

    def mistakable(self, address: str) -> list[Correspondence]:
        """The contacts `address` could be a slip from (`is_slip`: at its domain, a local part
        at most two letters longer or shorter) or a namesake elsewhere of (its local part,
        whatever separates its words), in the list's order.

        The first question reads the list through; the index is built for a second (a
        message with one recipient the sender has not written to, the usual case, asks once).
        """
        local, _, domain = address.rpartition("@")
        plain = unseparated(local)
        if self._index is None and not self._asked:
            self._asked = True
            out = []
            for i, row in enumerate(self.rows):
                theirs, _, where = row[0].rpartition("@")
                if (where == domain and abs(len(theirs) - len(local)) <= 2) or \
                        unseparated(theirs) == plain:
                    out.append(self[i])
            return out
        if self._index is None:
            near: dict[tuple[str, int], list[int]] = {}
            by_local: dict[str, list[int]] = {}
            for i, row in enumerate(self.rows):
                theirs, _, where = row[0].rpartition("@")
                near.setdefault((where, len(theirs)), []).append(i)
                by_local.setdefault(unseparated(theirs), []).append(i)
            self._index = (near, by_local)
        near, by_local = self._index
        found = {i for n in range(len(local) - 2, len(local) + 3)
                 for i in near.get((domain, n), ())}
        return [self[i] for i in sorted(found.union(by_local.get(plain, ())))]

    def named(self, first: str, last: str) -> list[Correspondence]:
        """The contacts whose address spells this first name and surname (sarah.khan@,
        khan.sarah@, sarah_j_khan@), in the list's order."""
        if self._by_name is None:
            by_name: dict[tuple[str, str], list[int]] = {}
            for i, row in enumerate(self.rows):
                words = name_words(row[0])
                if len(words) >= 2:
                    by_name.setdefault((words[0], words[-1]), []).append(i)
            self._by_name = by_name
        return [self[i] for i in self._by_name.get((first, last), ())]


# An address as written in a body or a quoted header line (shared with `thread`). Each part
# is bounded by what RFC 5321 allows (a local part of 64 characters, labels of 63, at most
# 127 of them), so that a long run of letters with no @ costs one pass, not one per start.
ADDRESS = re.compile(r"[a-z0-9][a-z0-9._'+-]{0,63}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,126}",
                     re.IGNORECASE)


def addresses_in(message: Message) -> set[str]:
    """Addresses written in the body: the quoted headers of the thread, mostly."""
    return {normalise(a.rstrip(".-")) for a in written_addresses(message.body[:20000])}


def written_addresses(text: str) -> list[str]:
    """`ADDRESS.findall(text)`, sought only near each @ (none: one look for it).

    A match holds one @, at most 64 characters after where it starts, so none starts
    before the next @ less 64: the search starts there. Asked at every position of a body,
    most of them inside words, the pattern cost a fortieth of a scan; near each @, a sixth
    of that.
    """
    found = []
    end = 0
    while (at := text.find("@", end + 1)) != -1:  # (one at `end` closed the last match)
        m = ADDRESS.search(text, max(end, at - 64))
        if m is None:
            break
        found.append(m.group())
        end = m.end()
    return found


# Two-letter first names (Jo, Ed, Al): too short for the word pattern, taken only as
# written as names, capitalised, so that "Jo, see below" mentions jo.smith@
TWO_LETTER_NAMES = frozenset(k for k in _SHORT_FORMS if len(k) == 2)
_TWO_LETTER_ALTERNATIVES = "|".join(sorted(n.capitalize() for n in TWO_LETTER_NAMES))
_TWO_LETTER = re.compile(rf"(?<![\w.@])({_TWO_LETTER_ALTERNATIVES})(?![\w@])")


def message_words(message: Message) -> set[str]:
    text = f"{message.subject}\n{message.body}"
    return set(_TOKEN.findall(text.lower())) | {n.lower() for n in _TWO_LETTER.findall(text)}


def in_thread(address: str, words: set[str]) -> bool:
    """Whether the quoted conversation names this correspondent: every name word of theirs
    (the first name in any of its forms).

    Stricter than a mention: a slip (simone.rose -> simgne.rose) or the other Jeff
    (jeff.donahue for jeff.skilling) shares one name word with the thread, not all. An
    initial run into a surname (jskilling) counts when the surname is there.
    """
    tokens = name_words(address)
    if not tokens:
        return mentioned(address, words)
    if all(t in words or (len(t) >= 5 and (t[1:] in words or t[:-1] in words))
           for t in tokens):
        return True
    # tom.baker@ when Thomas Baker wrote: the surname there, the first name another form
    return len(tokens) >= 2 and all(t in words for t in tokens[1:]) and \
        any(first_names_match(tokens[0], w) for w in words)


# Words that make an address or an author a team, not a person: "Housing Options" and
# housing.repairs@ share a word, not a name.
TEAM_WORDS = frozenset("""team teams office service services support department dept unit desk
centre center council enquiries enquiry admin info noreply reply helpdesk reception group board
committee hub partnership duty referrals referral options mash contact contacts customer
customers business finance housing payroll accounts systems mailbox general bookings""".split())
# ... and a mailbox a role's holder reads (head@, senco@), never an author's name.
ROLE_WORDS = TEAM_WORDS | frozenset("""head headteacher senco dsl safeguarding school surgery
practice clerk governors admissions fostering adoption manager secretary inbox""".split())


# Words of a mailbox shared by a group or named for a post: no one person's name.
GROUP_WORDS = frozenset("""residents independents carers parents members friends volunteers
association society forum network coordinator officer advisor adviser worker workers
clerks councillors family""".split())


def is_role_address(address: str) -> bool:
    """A shared or role mailbox (head@, reception@, mash@, childrens.services@): whoever
    reads it may be greeted by name, so a greeting fits it or not by no sign in it."""
    local = address.rpartition("@")[0].lower()
    # a word with digits says nothing either way (year7.office@, class3b@), a role word numbered
    # is one (team2@); but some role word there must be: dchristo2@ was a shared mailbox for its
    # digit, and no greeting could fit or miss it
    words = [w for w in SEPARATOR.split(local) if w]
    roles = [w for w in words if w in ROLE_WORDS or w.rstrip("0123456789") in ROLE_WORDS]
    return bool(roles) and all(w in roles or not w.isalpha() for w in words)


def spells(address: str, name: list[str]) -> bool:
    """Whether an address spells this first name and surname whole, in either order, as
    words (emma.clarke85@, clarke_emma@) or run together (emmaclarke@): not an initial, which
    a relative or a namesake shares as often."""
    if len(name) < 2:
        return False
    first, last = unaccented(name[0]).lower(), unaccented(name[-1]).lower()
    # every run of letters, however short: a two-letter first name (Jo, Al) is a word of
    # jo.bloggs.home@ when it is the name asked about, though `name_words` drops it
    local = address.rpartition("@")[0].lower()
    words = re.findall(r"[a-z]+", local)
    if first in words and last in words:
        return True
    together = (first + last, last + first)
    # run together, alone or beside a word of its own (jobloggs.home@, emmaclarke_work@)
    return "".join(words) in together or any(w in together for w in words)


def spelled_name(address: str) -> list[str]:
    """The name an address spells, short first names kept (jo.bloggs@: jo, bloggs), for
    `spells`; an initial is no name."""
    return [w for w in re.findall(r"[a-z]+", address.rpartition("@")[0].lower()) if len(w) > 1]


def name_words(address: str) -> list[str]:
    """The words of an address's local part that could be a name (not mail@, info@)."""
    local = address.rpartition("@")[0]
    return [t for t in _TOKEN.findall(local.lower()) if t not in ("mail", "info", "admin")]


def mentioned(address: str, words: set[str]) -> bool:
    """Whether the conversation names this correspondent: their address or its name words."""
    tokens = name_words(address)
    if any(t in words for t in tokens):
        return True
    first = SEPARATOR.split(address.rpartition("@")[0].lower(), maxsplit=1)[0]
    if first in TWO_LETTER_NAMES and first in words:
        return True
    label = address.rpartition("@")[2].split(".")[0]
    return len(label) > 3 and label in words and not tokens


# Words before a surname that are no first name ("Mrs Carter", "Councillor Carter").
# Titles written before a name: courtesy, academic, honours, clergy, the bench, councillors
# and police ranks (the ranks' initials only in capitals: "DI Smith", but Di is a name).
TITLE_WORDS = """mr mrs ms miss mx dr prof professor sir dame lord lady baroness rev revd
reverend canon father pastor rabbi imam sister brother judge cllr councillor sergeant
inspector constable superintendent detective""".split()
RANKS = "PC PCSO DC DS DI DCI DSI Sgt Insp Supt".split()
_TITLE_SET = frozenset(TITLE_WORDS)
_TITLES = frozenset(TITLE_WORDS) | {r.lower() for r in RANKS}


def is_title(word: str) -> bool:
    """A title before a name as written: Cllr, Dr, Mrs; a police rank only in capitals (DI
    Patel; Di is a name)."""
    return word.lower() in _TITLE_SET or word in RANKS


def unaccented(text: str) -> str:
    """Accents taken off, as an address spells a name (Siân: Sian); case kept."""
    if text.isascii():  # nothing to take off (most mail): not a look at every character
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def folded(text: str) -> str:
    """Lower case with accents taken off (Siân: sian)."""
    return unaccented(text.lower())
_NOT_SURNAMES = frozenset("""and the for thanks thank please regards best dear hello from sent
subject date cc to re fw on at in of or with will would can could should has have had was
is are be been""".split())


_PAIR = re.compile(r"\b([A-Za-z][a-z]{2,}|[A-Z]{3,})"  # a first name, then (overlapping:
                   r"(?=\s+(?:[A-Z]\.?\s+)?([A-Z][a-z]{2,}|[A-Z]{3,})\b)")  # each word is
# tried as one) a capitalised word after it, past a middle initial


# A quoted header line as Exchange writes it: "To: Khan, Sarah; Paige, Barbara".
_HEADER_LINE = re.compile(r"^[ \t>]*(?:from|to|cc|sent to)\s*:(.*)$", re.IGNORECASE | re.MULTILINE)
_SURNAME_FIRST = re.compile(
    r"(?:^|;)\s*([A-Z](?:[a-z]{2,}|'[A-Z][a-z]+)(?:-[A-Z][a-z]+)?),\s*([A-Z][a-z]{2,})\b")


# Words before a capitalised pair that make it a place or an occasion, not a person.
_PLACE_BEFORE = [["the"], ["at"], ["in"], ["near"], ["outside"], ["inside"], ["via"]]


def leaving_out(written: dict[str, list[str]], person: list[str]) -> dict[str, list[str]]:
    """`written_names` without one person's name (the sender's signature: "Kind regards,
    Alice Jones" names no one else to gareth.jones@)."""
    if len(person) < 2:
        return written
    first, last = person[0], person[-1]
    return {f: kept for f, ss in written.items()
            if (kept := [x for x in ss if not (first_names_match(f, first)
                                              and x.lower() == last)])}


# (The capital first and the \b before it checked behind it: a pattern that opens with a class
# of letters is sought by a quick scan for one, a pattern that opens with \b is tried at every
# position, at twice the cost.)
_COUPLE = re.compile(r"([A-Z](?<=\b[A-Z])[a-z]{2,})\s+(?:&|and)\s+"
                     r"[A-Z][a-z]{2,}\s+([A-Z][a-z]{2,})\b")


def written_names(message: Message) -> dict[str, list[str]]:
    """Each word of the subject and body, lower-cased, with the capitalised words that follow
    it: the full names a message writes ("Michael Moore", "Michael J. Moore", "Moore,
    Michael" in a quoted From, To or Cc line, Dan Leff in "Dan & Pamela Leff"), read once. A
    surname keeps its capital only where the word before it had one too: "Carl Carter" is a
    full name, "asked Carter" is not."""
    out: dict[str, list[str]] = {}
    # the subject and the body apart: a subject's last word and the body's first are no name
    # ("tracker" over "Tracker attached." named Tracker Tracker, not the person at
    # tracker.owner@)
    for text in (message.subject, message.body[:20000]):
        for m in _PAIR.finditer(text):  # "asked Carter": the surname loses its capital
            first, surname = m.group(1), m.group(2)
            if text[max(0, m.start() - 8):m.start()].lower().split()[-1:] in _PLACE_BEFORE:
                continue  # "at the Civic Hall", "in Family Court": a place, not a person
            out.setdefault(first.lower(), []).append(surname if first[0].isupper()
                                                     else surname.lower())
        for line in _HEADER_LINE.finditer(text):
            for m in _SURNAME_FIRST.finditer(line.group(1)):
                out.setdefault(m.group(2).lower(), []).append(m.group(1))
        for m in _COUPLE.finditer(text):  # "Dan & Pamela Leff" writes Dan Leff too
            out.setdefault(m.group(1).lower(), []).append(m.group(2))
    return out


# What follows a name when the message is about that person rather than speaking to them: a
# date of birth, an NHS number, an age ("Sarah Patel (DOB 03/04/2015)", "Sarah Patel, aged 9")
_ABOUT_THEM = re.compile(
    r"[ \t]*[(,:\-\u2013]?[ \t]*(?:(?:dob|d\.o\.b\.?|born|date of birth|nhs|aged?)\b"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b)", re.IGNORECASE)


def subjects_written(message: Message) -> set[tuple[str, str]]:
    """The full names (first name and surname, lower case) the message writes with a date of
    birth, an NHS number or an age after them: the people a case is about. A child named
    Sarah Patel in a report to the health visitor Sarah Khan is no sign that the other Sarah
    was meant."""
    return subjects_in(message.subject) | subjects_in(message.body[:20000])


def subjects_in(text: str) -> set[tuple[str, str]]:
    """The full names (lower case) `text` writes with a date of birth, an NHS number or an age
    after them (`subjects_written`)."""
    return {(m.group(1).lower(), m.group(2).lower()) for m in _PAIR.finditer(text)
            if m.group(1)[0].isupper()  # "report about Callum (DOB ...)": about is no name
            and _ABOUT_THEM.match(text, m.end(2))
            and m.group(2).lower() not in _IDENTIFIER_LABELS}  # "Patel\nDOB: 03/04/2015"


# The labels of identifiers, which _PAIR takes for a surname after a name's last word
_IDENTIFIER_LABELS = frozenset({"dob", "nhs", "age", "aged", "born", "date", "d.o.b"})


def names_someone_else(address: str, written: dict[str, list[str]],
                       about: Callable[[], AbstractSet[tuple[str, str]]] = frozenset,
                       ) -> str | None:
    """A full name the message writes with this recipient's first name and another surname.

    "Dear Michael ... Michael Moore will attend" on a message to michael.brown: the
    autocomplete's Michael was not the one meant. Returns the name written, or None when the
    recipient's own full name is written too (both are named; both may be meant).
    `written` is `written_names` of the message; `about` gives `subjects_written`, the people
    the message is about, whom no one would have meant to write to instead (asked only when
    a name is found: most messages name no one with a recipient's first name).
    """
    words = [w for w in name_words(address) if w not in _TITLES and w != "the"]
    # a role's or a group's mailbox names no person (marac.coordinator@, the.pattersons@,
    # ashfield.residents@), and a title is no first name (cllr.j.evans@, rev.anne.lewis@)
    # (a role word only first: michael.head@ is Michael Head, head.office@ no one)
    if len(words) < 2 or words[0] in ROLE_WORDS or any(w in GROUP_WORDS for w in words):
        return None
    first, last = words[0], words[-1]
    surnames = [s.lower() for s in written.get(first, ())]
    if any(s == last or (len(last) >= 5 and s in (last[1:], last[:-1])) for s in surnames):
        return None
    other = next((s for s in surnames if s not in _NOT_SURNAMES and (first, s) not in about()),
                 None)
    if other:
        return f"{first.capitalize()} {other.capitalize()}"
    # The surname with another first name: "a meeting with Carl Carter" to rebecca.carter.
    kin = next((f for f, ss in written.items() if len(f) >= 3 and not
                first_names_match(f, first)  # Ken for Kenneth, Bill for William
                and f not in _NOT_SURNAMES and f not in _TITLES
                and any(s[:1].isupper() and s.lower() == last for s in ss)
                and (f, last) not in about()), None)
    return f"{kin.capitalize()} {last.capitalize()}" if kin else None


@dataclass(frozen=True)
class Spellings:
    """The full names a message writes, as addresses would spell them: read once a message.

    `heads` maps a first name and its initial to the (first, surname) pairs written with it.
    """

    heads: dict[str, list[tuple[str, str]]]

    @classmethod
    def of(cls, written: dict[str, list[str]]) -> Spellings:
        heads: dict[str, list[tuple[str, str]]] = {}
        for first, surnames in written.items():
            for s in dict.fromkeys(x.lower() for x in surnames):
                heads.setdefault(first, []).append((first, s))
                if first[:1] != first:
                    heads.setdefault(first[:1], []).append((first, s))
        return cls(heads)

    def _candidates(self, local: str) -> tuple[str, list[tuple[str, str]]]:
        """(what follows the first name or initial, the names it could be) for a local part:
        sarah.khan and s.khan split at the separator, skhan after its first letter."""
        words = [w for w in SEPARATOR.split(local) if w]
        if len(words) >= 2:
            return words[-1], self.heads.get(words[0], [])
        return local[1:], [n for n in self.heads.get(local[:1], []) if len(local) >= 6]

    def spelled(self, address: str) -> bool:
        """The message writes this recipient's full name as the address spells it ("David
        Arnoff" for darnoff@, david.arnoff@, d.arnoff@, david.j.arnoff@, davidarnoff@)."""
        local = address.rpartition("@")[0].lower()
        if len(local) > 64:  # no mail system's (RFC 5321); each slice below copied it whole
            return False
        typed, names = self._candidates(local)
        return any(typed == last for _, last in names) or any(
            (local[:i], local[i:]) in self.heads.get(local[:i], ())
            for i in range(2, len(local) - 1))

    def misspelled(self, address: str) -> str | None:
        """A full name the message writes that this address misspells in the surname.

        "Barbara Paige" in the quoted headers and barbara.ppaige@ as the recipient: the
        address was typed from the name and slipped. The first name (or initial) must be
        exact and the surname of five letters or more one slip away, so that Steve for
        steven.kean or a short surname is never a slip. Returns the name written, or None.
        """
        if self.spelled(address) or len(address.rpartition("@")[0]) > 64:
            return None
        typed, names = self._candidates(address.rpartition("@")[0].lower())
        for first, last in names:
            if len(last) >= 5 and typed != last and lookalike.distance(typed, last, 1) <= 1:
                return f"{first.capitalize()} {last.capitalize()}"
        return None
