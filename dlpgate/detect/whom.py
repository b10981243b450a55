"""Whether the sentence a term stands in names a person: the check every relaxation asks last.

Detection sets a special-category term aside when it is said of no one in particular: a
scheme in the footer, "people living with dementia", "step-free access for disabled
visitors", "an autism-friendly room". A red team found each such relaxation letting data go
when a person was named beside it: "Mrs Begum and the other residents with dementia", "Ms Shah
needs disabled access to her flat", "Mr Patel's Blue Badge parking bay". A term set aside is
kept when its sentence names someone other than the sender: a title and a surname, a
capitalised name with 's, or a first name and a surname. Names read without NER, so a
capitalised pair is a name only when it stands alone (three capitalised words in a row are a
body's name: "Disability Confident Employer", "Mental Health First Aider") and neither word
is a common capitalised word (a day, a greeting, a post's, a team's or a place's word) or
part of a lexicon term ("Blue Badge").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dlpgate.detect import names, signature
from dlpgate.model import Message

# Not the dots of an address; a signature's or a footer's cells ("Mindful Employer | Armed
# Forces Covenant") are sentences of their own.
# A post or a role a letter is addressed to, not a name ("Dear Bidder", "Dear Requester",
# "Dear Headteacher"): an invitation to tender or an FOI answer was "about a named person".
ADDRESSEES = frozenset("""sir madam bidder bidders tenderer tenderers supplier suppliers
requester requestor applicant applicants candidate headteacher head teacher pharmacist provider
partner partners member members volunteer volunteers resident residents customer customers
carer carers colleague colleagues everyone landlord tenant leaseholder owner occupier
householder governor governors chair clerk officer editor neighbour""".split())
# Words of a place's or a building's name, which are no one's: "Civic Centre", "Memory Cafe",
# "Ashfield Library". Not the words that are surnames as often (Hall, Park, Lane, Court,
# House, Temple: "Thomas Hall's care proceedings", "Shirley Temple").
PLACE_WORDS = frozenset("""centre center cafe café library libraries avenue academy hospital
surgery clinic mosque gurdwara synagogue civic""".split())

# The trade a business's name ends with, which is no surname: "Exampletown Taxis will collect
# him", "Hart Solicitors", "Exampletown Travel Co", a home-care agency ("Bluebird Care").
# Plurals and trades only: Builder, Taylor and Cook are surnames.
TRADE_WORDS = frozenset("""taxis cabs cars coaches motors garage garages builders plumbing
roofing glazing scaffolding removals cleaners cleaning catering caterers solicitors
accountants pharmacy chemists dental dentists opticians vets nursery nurseries lettings
estates properties construction supplies transport logistics ltd limited plc llp co company
travel tours hire services associates consultants consultancy consulting care homecare
healthcare agency""".split())

SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|[\n|\t\u2022]")
# Two capitalised words, each pair tried (overlapping): "Contact Sarah Khan" gives
# "Contact Sarah" and "Sarah Khan"
PAIR = re.compile(r"(?=\b([A-Z][a-z]+)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b)")
NOT_NAME_WORDS = frozenset("""dear hi hello kind best many thanks thank regards the yours with
from sent to subject re fw on in at for and a if please good morning afternoon i we my our
your you monday tuesday wednesday thursday friday saturday sunday january february march april
may june july august september october november december christmas easter bank holiday
automatic reply there this that these those it its he she they his her their our all any
new old north south east west great high lower upper blue community memory road street
crescent drive college school city town borough county national local royal saint st
""".split()) | PLACE_WORDS | TRADE_WORDS | names.ROLE_WORDS | names.GROUP_WORDS
# Welsh: greetings and sign-offs, days and months, and the words of bodies' and places' names
# ("Cyflogwr Hyderus o ran Anabledd", Disability Confident Employer), read as a name's pair
WELSH_WORDS = frozenset("""
annwyl helo shwmae cofion cynnes diolch gywir bore prynhawn noswaith dydd llun mawrth mercher iau
gwener sadwrn sul ionawr chwefror ebrill mehefin gorffennaf awst medi hydref tachwedd rhagfyr
cyngor sir cyflogwr hyderus bwrdd iechyd prifysgol gofal cymdeithasol cymru gwasanaeth
gwasanaethau tîm swyddog swyddfa canolfan ysgol ysbyty llyfrgell neuadd heol ffordd stryd
wythnos mis diwrnod ymwybyddiaeth cymorth cyntaf llinell gymorth
""".split())
NOT_NAME_WORDS |= WELSH_WORDS
TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\s+([A-Z][a-z'’-]+)")
_POSSESSIVE = re.compile(r"\b([A-Z][a-z]+)['’]s\b")
_NOT_POSSESSORS = frozenset("""children people women men council parent parents carer carers
family families everyone anyone today tomorrow yesterday year week month mother father mum dad
valentine""".split()) | NOT_NAME_WORDS
_CAPITAL_BEFORE = re.compile(r"\b[A-Z][\w'’-]*[ \t]+$")
_CAPITAL_AFTER = re.compile(r"[ \t]+[A-Z]")
# A family by its name: "the Reids at 12 Elm Road", "the Reid children".
_FAMILY = re.compile(r"\bthe\s+[A-Z][a-z]+(?:s\b|\s+(?:children|family|boys|girls|twins)\b)")
_BEFORE_PLACE = ("the", "at", "in", "of", "to", "from", "near", "via", "on")


def sender_names(message: Message) -> set[str]:
    """Lower-case name words of the sender, from the display name and the address."""
    words = set(re.findall(r"[a-z]{2,}", message.from_name.lower()))
    local = message.from_addr.rpartition("@")[0].lower()
    return words | set(re.findall(r"[a-z]{2,}", local))


def own_names(message: Message) -> set[str]:
    """`sender_names`, and the name signed under the letter (`signature.signer_words`: a
    shared mailbox's writer)."""
    return sender_names(message) | signature.signer_words(message.body)


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence (or line) holding text[start:end]."""
    left = max((m.end() for m in SENTENCE_END.finditer(text, max(0, start - 400), start)),
               default=max(0, start - 400))
    stop = SENTENCE_END.search(text, end, end + 400)
    return left, stop.start() if stop else min(len(text), end + 400)


def names_someone(text: str, start: int, end: int, own: set[str],
                  terms: Iterable[tuple[int, int]] = ()) -> bool:
    """Whether the sentence around text[start:end] names a person who is not the sender
    (`own`: the sender's lower-case name words). `terms`: spans of lexicon terms, which are
    no names ("Blue Badge", "Mental Health")."""
    left, right = sentence(text, start, end)
    part = text[left:right]
    for m in TITLED.finditer(part):
        if m.group(1).lower() not in own:
            return True
    if _FAMILY.search(part):
        return True
    spans = [(s - left, e - left) for s, e in terms]
    for m in _POSSESSIVE.finditer(part):
        if any(s < m.end() and m.start() < e for s, e in spans):
            continue  # "the Parkinson's exercise class": a term, not a person's
        if m.group(1).lower() not in _NOT_POSSESSORS and m.group(1).lower() not in own:
            return True
    return any(is_name(part, m, own, spans) for m in PAIR.finditer(part))


def is_name(part: str, m: re.Match[str], own: set[str], spans: Iterable[tuple[int, int]] = (),
            places: bool = True) -> bool:
    """Whether a capitalised pair in `part` (groups 1 and 2 of `m`) reads as the full name of
    someone other than the sender: not a common capitalised word's, a post's or a body's
    ("Clinical Psychologist", "Revenues Officer"), a term's (`spans`), part of a longer
    capitalised run, or a place's ("12 Elm Road"; with `places`, after "at", "the", "to"...)."""
    first, last = m.group(1).lower(), m.group(2).lower()
    if first in NOT_NAME_WORDS or last in NOT_NAME_WORDS or {first, last} <= own:
        return False
    if signature.is_post_word(m.group(1)) or signature.is_post_word(m.group(2)):
        return False  # "Clinical Psychologist", "Social Worker"
    a, b = m.start(1), m.end(2)
    if any(s < b and a < e for s, e in spans):
        return False
    if _CAPITAL_BEFORE.search(part, 0, a) or _CAPITAL_AFTER.match(part, b):
        return False  # a run of capitals is a body's name: "Disability Confident Employer"
    word_before = part[max(0, a - 8):a].lower().split()[-1:]
    if word_before[:1] and word_before[0][:1].isdigit():
        return False  # "12 Elm Road": a place
    return not (places and word_before in [[w] for w in _BEFORE_PLACE])


# Words before a name that give the person as someone to turn to: "contact Sarah Khan", "my
# manager Sarah Khan" (`autoreply` reads a name so given as no case's).
CONTACT_CUES = frozenset("""contact contacting call calling ring phone telephone email e-mail
emailing speak talk manager managers colleague colleagues cover covering supervisor deputy
leader lead duty via absence""".split())
# The word just before a name, past a comma or "is": "a surveyor, Gareth Thomas, will visit",
# "the conference chair is Jane Holt", "my colleague Sarah Khan".
_INTRODUCER = re.compile(r"\b([A-Za-z][a-z-]+)(?:\s*,|\s+(?:is|was|will be))?\s+$")


def introduced(part: str, start: int) -> bool:
    """Whether the name starting at part[start] is given by its post or as someone to contact,
    the word just before it: a professional acting on a case, not the person it is about."""
    m = _INTRODUCER.search(part, max(0, start - 40), start)
    if m is None:
        return False
    word = m.group(1)
    return word.lower() in CONTACT_CUES or signature.is_post_word(word.capitalize())
