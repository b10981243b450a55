"""The sender's signature block: where a team's name is the writer's, not a person's case.

A social worker signs "Supervising Social Worker / Fostering Team", a nurse "CAMHS", a
caseworker "Youth Offending Team". Read as lexicon terms, each made every first letter to a
foster carer or a parent at a gmail address "special-category data about a named person"
(the greeting names them). In the body the same words are evidence: "referred to the Youth
Offending Team" says something about someone. What tells the two apart is where and how the
words are written: after a sign-off, on a short line in title case that names a post or a
body (a role word: Team, Service, Worker, Nurse...), with no sentence around it.

Only such lines count. Data pasted under a sign-off ("Diagnosis: ADHD", "Callum - ADHD",
"referred to YOT on Monday") is not a role line and is still read; a line giving someone's
title ("Mr Reid, Youth Offending Team") is not the writer's either.
"""

from __future__ import annotations

import re

# A line that closes the letter, perhaps with the writer's name on it ("Thanks, Jo"): what
# comes after it is the signature. In Welsh too, alone or beside the English as bilingual
# councils sign ("Cofion cynnes / Kind regards").
_SIGN_OFF = (r"(?:(?:kind(?:est)?|warm(?:est)?|best|many|with(?: kind| best| many)?)\s+)?"
             r"(?:regards|wishes|thanks|thank you)(?: again| very much)?"
             r"|cheers|best|all the best|take care|speak soon"
             r"|yours(?: sincerely| faithfully| truly)?|sincerely"
             r"|cofion(?: cynnes| gorau)?|yn gywir|diolch(?: yn fawr)?")
_SIGN_OFF_LINE = re.compile(
    rf"^(?i:(?:{_SIGN_OFF})(?:[\s,.!]*/\s*(?:{_SIGN_OFF}))?)"
    r"[\s,.!]*(?:[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){0,2}[\s,.!]*)?$")

# Where the letter ends and something else starts: a quoted message, a forward, a table.
_BREAK = re.compile(
    r"^(?:-{2,}|_{5,}|={5,}|from:|sent:|to:|subject:|date:|on .{5,120} wrote:)",
    re.IGNORECASE)

# The words that make a line the name of a post or a body.
_ROLE = re.compile(
    r"\b(?:Team|Teams|Service|Services|Hub|Unit|Officer|Worker|Manager|Chair|Nurse|"
    r"Co-?ordinator|Lead|Adviser|Advisor|Professional|Psychologist|Psychiatrist|Practitioner|"
    r"Caseworker|Directorate|Department|Council|Trust|Agency|Partnership|Panel|Board|"
    r"Specialist|Consultant|Therapist|Clinician|Counsellor|Assistant|Administrator|Head|"
    r"Director|Supervisor|Centre|Clinic|Hospital|School|Academy|College|Division|Programme|"
    r"Surveyor|Inspector|Assessor|Provider|"
    # Welsh: team, service, officer, worker, manager, co-ordinator, nurse, unit, centre,
    # board, council, department, practitioner, psychologist, adviser, lead, head, director,
    # chair, school, hospital, clinic
    r"Tîm|Timau|Gwasanaeth|Gwasanaethau|Swyddog|Gweithiwr|Rheolwr|Cydlynydd|Nyrs|Uned|"
    r"Canolfan|Bwrdd|Cyngor|Adran|Ymarferydd|Seicolegydd|Seiciatrydd|Ymgynghorydd|"
    r"Cynghorydd|Arweinydd|Pennaeth|Cyfarwyddwr|Cadeirydd|Ysgol|Ysbyty|Clinig|"
    r"IDVA|ISVA|IRO|AMHP|CAMHS|SENCO|SENCo)\b")

# Words that may stand in lower case in a title-case line ("Head of Children's Services").
_SMALL = frozenset({"and", "of", "for", "the", "in", "at", "to", "with", "on", "&", "a", "an",
                    # Welsh: and, the, of, on, with (not "i" or "am", English words too)
                    "ac", "ag", "y", "yr", "o", "ar", "gyda", "â"})
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z]")
_LABEL = re.compile(r"^\s*([A-Za-z][\w /]{0,30}):\s*\S")
_ROLE_LABELS = frozenset({"role", "job title", "title", "team", "service", "department",
                          "directorate", "position", "post", "unit", "organisation"})
# Pieces of one line: cells joined by a bar, a tab or a bullet, or a table's row read as
# "Header: value; Header: value".
_SEGMENTS = re.compile(r"\s*(?:\||\t|•|·|\u2022|;)\s*")

# A field that says whom a row is about: its posts and teams are that person's, not the
# writer's.
_PERSON_FIELD = re.compile(
    r"(?:^|[;|\t]\s*)(?:name|full name|child|child's name|pupil|student|client|service user|"
    r"young person|resident|patient|parent|carer|tenant|dob|d\.o\.b\.?|date of birth|"
    r"nhs(?: number| no\.?)?|upn|ni number|address)\s*:", re.IGNORECASE)

# A date, or the heading of a list ("Present:", "Attendees:"): what follows is no signature.
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b")
_LIST_HEAD = re.compile(r"^(?:present|attendees|apologies|actions|agenda|notes|case notes|"
                        r"children|young people|clients|cases)\s*:", re.IGNORECASE)

MAX_LINES = 14  # a signature longer than this is a letter
MAX_CHARS = 90


def role_spans(text: str, sender: frozenset[str] = frozenset(),
               local: str = "") -> list[tuple[int, int]]:
    """(start, end) of each segment of a signature line that names a post or a body. A
    signature starts after a sign-off, or at the sender's name on a line of its own (an
    automatic signature under the last sentence); `sender` is the lower-case words of the
    sender's display name and `local` their address's local part ("ryantaylor", "d.clarke":
    the name "Ryan Taylor" or "Daniel Clarke" written in it)."""
    return [span for block in _blocks(text, sender, local.lower()) for start, end in block
            for span in _role_segments(text, start, end, sender, local.lower())]


def spans(text: str, sender: frozenset[str] = frozenset(),
          local: str = "") -> list[tuple[int, int]]:
    """(start, end) of each signature block: the writer's name, posts, teams, address and
    telephone numbers under a sign-off, as `role_spans` reads them. What is written there
    is the writer's and the organisation's, not about anyone the letter concerns."""
    return [(block[0][0], block[-1][1]) for block in _blocks(text, sender, local.lower())
            if block]


def _blocks(text: str, sender: frozenset[str], local: str) -> list[list[tuple[int, int]]]:
    """The (start, end) of each line of each signature block, in order."""
    out: list[list[tuple[int, int]]] = []
    lines = _lines(text)
    i = 0
    before = ""  # the last line with words on it: a name under "Present:" is an attendee
    while i < len(lines):
        start, end, line = lines[i]
        i += 1
        heading, before = before, line or before
        if not (_SIGN_OFF_LINE.match(line) or (_is_name(line, sender, local)
                                               and not heading.endswith(":"))):
            continue
        taken = 0
        block: list[tuple[int, int]] = []
        while i < len(lines) and taken < MAX_LINES:
            start, end, line = lines[i]
            if not line:
                i += 1
                continue
            if _BREAK.match(line) or _SIGN_OFF_LINE.match(line) or len(line) > MAX_CHARS:
                break
            if line.rstrip().endswith((".", "?", "!", ":")) and len(_WORD.findall(line)) > 4:
                break  # a sentence: the letter goes on, or a disclaimer starts
            if _PERSON_FIELD.search(line) or _DATE.search(line) or _LIST_HEAD.match(line):
                block = []  # a record or minutes under the sign-off, no signature: none of it
                break
            block.append((start, end))
            taken += 1
            i += 1
        out.append(block)
    return out


# A line that is only a name: two or three capitalised words ("Louise Grant", "Mary-Jo
# O'Neill"), perhaps after a title.
_NAME_WORD = r"[A-Z][A-Za-z'’-]*[a-z]"  # Jo, Mary-Jo, O'Neill, McDonald
_NAME_LINE = re.compile(rf"^(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Cllr)\.?\s+)?{_NAME_WORD}"
                        rf"(?:\s+{_NAME_WORD}){{1,2}}[\s,.]*$")


def signer_words(text: str) -> set[str]:
    """The lower-case name words of whoever signs the letter: the line after its first
    sign-off, when that line is a name alone. A shared mailbox's letter (send.info@, "SEND
    Information") is signed "Louise Grant": the writer, not someone the letter is about,
    though her name is neither the From's display name nor its address. The first sign-off
    only: a resident's letter pasted below "Thanks, Jo" ends "Yours sincerely, Karen Reid",
    and she is whom it is about."""
    lines = _lines(text)
    for i, (_, _, line) in enumerate(lines):
        if _BREAK.match(line):
            break  # the quoted conversation's signatures are its writers'
        if not _SIGN_OFF_LINE.match(line):
            continue
        after = _name_of(next((x for _, _, x in lines[i + 1:i + 3] if x), ""))
        if not _NAME_LINE.match(after):
            return set()
        return {w.lower() for w in _WORD.findall(after)
                if w.lower().rstrip(".") not in ("mr", "mrs", "ms", "miss", "mx", "dr", "cllr")}
    return set()


def _name_of(line: str) -> str:
    """The name on a line that gives the writer's post beside it, "Emily Nowak | Family
    Support Worker" or "Emily Nowak, Family Support Worker" (Outlook signatures set out so):
    the name, when everything after it is a post; else the line as it is. Read as one line it
    was no name, and the writer of a team mailbox's newsletter was a named person it was
    about."""
    if len(line) > 200:
        return line
    name, *rest = _SEGMENTS.split(line) if _SEGMENTS.search(line) else line.split(", ")
    return name if rest and all(_is_role(r) for r in rest) else line


def _is_name(line: str, sender: frozenset[str], local: str) -> bool:
    """The sender's name: every word theirs, at least one in full (an initial alone, the "d"
    of d.clarke, says too little)."""
    if len(line) > 40 or not line[:1].isupper():  # before the words: a line may be megabytes
        return False
    words = [w.lower().strip("'’") for w in _WORD.findall(line)]
    if not 0 < len(words) <= 4:
        return False
    initials = {t for t in re.split(r"[^a-z]+", local) if len(t) == 1}
    whole = [w in sender or (len(w) >= 3 and w in local) for w in words]
    return any(whole) and all(ok or w[0] in initials for ok, w in zip(whole, words, strict=True))


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, the line without quote marks and edges) for each line."""
    out = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.lstrip(" \t>").strip()
        out.append((pos, pos + len(raw), stripped))
        pos += len(raw) + 1
    return out


def _role_segments(text: str, start: int, end: int, sender: frozenset[str],
                   local: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = start
    line = text[start:end]
    if _PERSON_FIELD.search(line):
        return out  # a row about someone ("Child: Callum Reid; Team: Youth Offending Team")
    for piece in _SEGMENTS.split(line):
        at = text.find(piece, pos, end) if piece else -1
        if at < 0:
            continue
        pos = at + len(piece)
        if _is_role(piece, sender, local):
            out.append((at, at + len(piece)))
    return out


def _is_role(segment: str, sender: frozenset[str] = frozenset(), local: str = "") -> bool:
    if " - " in segment or " – " in segment or any(c.isdigit() for c in segment):
        return False  # "Mum Kelly Reid - Known To Domestic Abuse Service": fields, not a post
    label = _LABEL.match(segment)
    if label and not _post_label(label.group(1).strip(), sender, local):
        return False  # "Diagnosis: ADHD", "Referred to: YOT": a field, not a post
    if not _ROLE.search(segment) or _TITLE.search(segment):
        return False
    body = segment[label.end(1) + 1:] if label else segment
    words = _WORD.findall(body)
    return bool(words) and all(w[0].isupper() or w[0].isdigit() or w.lower() in _SMALL
                               for w in words)


def is_post_word(word: str) -> bool:
    """Whether a word names a post or a body (Worker, Team, Psychologist, CAMHS)."""
    return bool(_ROLE.fullmatch(word))


def within(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _post_label(label: str, sender: frozenset[str], local: str) -> bool:
    """A label a post may stand under: "Role:", "Team:", or, in a signature laid out as a
    table and read as one ("Jo Bloggs: Youth Offending Team; Case Manager: Tel ..."), the
    writer's name or another post heading its column."""
    return label.lower() in _ROLE_LABELS or _is_name(label, sender, local) or (
        _ROLE.search(label) is not None and _is_role(label))
