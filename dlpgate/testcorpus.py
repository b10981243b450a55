"""A labelled corpus of council mail, generated: what detection is measured against.

Each message is assembled from sentences of the kind councils send (referrals,
pupil lists, housing cases, invoices, meeting notes), with slots filled either
by a true identifier (labelled) or by a look-alike that is not personal data
(an invoice number, an order reference, a date that is not a birth date, a
ten-digit number failing the NHS check), unlabelled. Nothing here was copied
from real mail; names are common UK names combined at random.

`generate(n, seed)` -> [LabelledMessage]; `score(...)` -> precision, recall, F2.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from dlpgate import testdata

FIRST = ["Callum", "Aisha", "Oliver", "Amelia", "Jack", "Isla", "Mohammed", "Priya", "Liam",
         "Sophie", "Kwame", "Chloe", "Ethan", "Grace", "Daniel", "Hannah", "Ryan", "Zara",
         "Thomas", "Emily", "Harry", "Megan", "Jamal", "Lucy", "Owen", "Ruby", "Declan",
         "Niamh", "Samuel", "Leah", "Rhys", "Fatima", "George", "Evie", "Arjun", "Holly"]
LAST = ["Reid", "Khan", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans",
        "Thomas", "Roberts", "Walker", "Wright", "Patel", "Hughes", "Edwards", "Green", "Hall",
        "Wood", "Harris", "Clarke", "Jackson", "Turner", "Hill", "Moore", "Cooper", "Ward",
        "Morris", "Begum", "Ali", "Murphy", "Kelly", "Campbell", "Stewart", "Okafor", "Nowak"]
TITLES = ["Mr", "Mrs", "Ms", "Miss"]
# Each phrase with the special-category terms a reader would mark in it (the labels are
# written by hand, not taken from the lexicon, so a lexicon gap shows as a miss).
SPECIAL_TERMS = {
    "has been diagnosed with asthma": ["diagnosed", "asthma"],
    "is subject to a child protection plan": ["child protection plan"],
    "was arrested on Saturday": ["arrested"],
    "has been referred to CAMHS": ["CAMHS"],
    "is a looked after child": ["looked after child"],
    "has an EHCP": ["EHCP"],
    "disclosed domestic abuse": ["domestic abuse"],
    "has a learning disability": ["learning disability"],
    "was admitted to hospital": ["admitted to hospital"],
    "has type 1 diabetes": ["diabetes"],
    "is on the sex offender register": ["sex offender"],
    "is pregnant": ["pregnant"],
    "has depression": ["depression"],
    "was discussed at the MASH": ["MASH"],
    "is in care proceedings": ["care proceedings"],
    "has autism": ["autism"],
    "is receiving palliative care": ["palliative care"],
    "self-harms": ["self-harms"],
    "is an unaccompanied asylum seeking child": ["unaccompanied asylum seeking child"],
    "attended the strategy meeting about neglect": ["strategy meeting", "neglect"],
    "has been sectioned under the Mental Health Act": ["sectioned", "Mental Health Act"],
    "was excluded from school after a disclosure of sexual abuse": [
        "excluded from school", "sexual abuse"],
}
SPECIAL = list(SPECIAL_TERMS)


@dataclass
class LabelledMessage:
    subject: str
    body: str
    labels: list[tuple[str, str]] = field(default_factory=list)  # (entity, value)
    sender: str = "j.evans@example-council.gov.uk"
    sender_name: str = "Jo Evans"


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.parts: list[str] = []
        self.labels: list[tuple[str, str]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def label(self, entity: str, value: str) -> str:
        self.labels.append((entity, value))
        return value

    def person(self, titled: bool | None = None) -> str:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        if titled is None:
            titled = self.rng.random() < 0.4
        name = f"{self.rng.choice(TITLES)} {last}" if titled else f"{first} {last}"
        return self.label("PERSON", name)

    def special(self) -> str:
        phrase = self.rng.choice(SPECIAL)
        for term in SPECIAL_TERMS[phrase]:
            self.label("SPECIAL_CATEGORY", term)
        return phrase


def _decoys(b: _Builder) -> None:
    rng = b.rng
    choice = rng.randrange(7)
    if choice == 0:
        b.add(f"Invoice INV-{rng.randrange(2019, 2026)}-{rng.randrange(10000, 99999)} is due "
              f"on {rng.randrange(1, 28)}/{rng.randrange(1, 12)}/2026.")
    elif choice == 1:
        b.add(f"Purchase order {rng.randrange(4500000000, 4599999999)} covers the "
              f"{rng.randrange(2, 40)} laptops.")
    elif choice == 2:
        b.add(f"The meeting is on {rng.randrange(1, 28)} March 2026 in Room "
              f"{rng.randrange(1, 400)}.")
    elif choice == 3:
        b.add(f"Our reference {testdata.nhs_number(rng, valid=False, sep='')} applies; "
              f"call extension {rng.randrange(1000, 9999)}.")
    elif choice == 4:
        b.add(f"The budget line is {rng.randrange(10000000, 99999999)} and the total "
              f"\u00a3{rng.randrange(100, 99999)}.{rng.randrange(10, 99)}.")
    elif choice == 5:
        b.add(f"Ticket #{rng.randrange(100000, 999999)} was closed on "
              f"2026-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}.")
    else:
        b.add(f"Please use cost centre {rng.randrange(100, 999)}-{rng.randrange(100, 999)}-"
              f"{rng.randrange(1000, 9999)} for this.")


def _referral(b: _Builder) -> str:
    rng = b.rng
    child = b.person(titled=False)
    dob = f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 12):02d}/20{rng.randrange(10, 22)}"
    b.add(f"I am writing about {child}, NHS number "
          f"{b.label('UK_NHS', testdata.nhs_number(rng))}, DOB {b.label('DATE_OF_BIRTH', dob)}.")
    b.add(f"{child.split()[0]} {b.special()} and lives at {rng.randrange(1, 200)} "
          f"{rng.choice(['Acacia Avenue', 'Mill Lane', 'Park Road', 'Church Street'])}, "
          f"{b.label('UK_POSTCODE', testdata.postcode(rng))}.")
    b.add(f"Mum can be reached on {b.label('PHONE_NUMBER', testdata.mobile(rng))}.")
    return "Referral - confidential"


def _pupils(b: _Builder) -> str:
    rng = b.rng
    b.add("Please find the list of pupils for the transition meeting:")
    for _ in range(rng.randrange(3, 8)):
        b.add(f"{b.person(titled=False)}, UPN {b.label('UK_UPN', testdata.upn(rng))}")
    return "Year 6 transition list"


def _housing(b: _Builder) -> str:
    rng = b.rng
    tenant = b.person(titled=True)
    b.add(f"{tenant} called about the repairs. Her National Insurance number is "
          f"{b.label('UK_NINO', testdata.nino(rng))} and her landline is "
          f"{b.label('PHONE_NUMBER', testdata.landline(rng))}.")
    address = f"{rng.choice(FIRST).lower()}{rng.randrange(10, 99)}@example.net"
    b.add(f"She can also be emailed at {b.label('EMAIL_ADDRESS', address)}.")
    b.add(f"The property is at {b.label('UK_POSTCODE', testdata.postcode(rng))}.")
    return "Housing case update"


def _business(b: _Builder) -> str:
    b.add("Thanks for the update on the procurement timetable.")
    b.add("Can we confirm the figures before the committee papers go out on Friday?")
    return "Committee papers"


def _safeguarding(b: _Builder) -> str:
    person = b.person()
    b.add(f"Following the visit, {person} {b.special()}.")
    b.add(f"I also spoke to {b.person(titled=False)} who confirmed the concerns.")
    return "Visit notes"


_KINDS = [_referral, _pupils, _housing, _business, _safeguarding]


def generate(n: int = 300, seed: int = 2026) -> list[LabelledMessage]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        b = _Builder(rng)
        salutation = rng.random() < 0.5
        if salutation:
            b.add(f"Dear {b.label('PERSON', rng.choice(FIRST))},")
        subject = rng.choice(_KINDS)(b)
        for _ in range(rng.randrange(1, 3)):
            _decoys(b)
        b.add("Kind regards,\nJo Evans\nChildren's Services")
        out.append(LabelledMessage(subject, "\n".join(b.parts) + "\n", b.labels))
    return out


def _match(entity: str, a: str, b: str) -> bool:
    from dlpgate.detect.summary import normalise

    na, nb = normalise(entity, a), normalise(entity, b)
    return na == nb or (entity == "PERSON" and (na in nb or nb in na) and min(len(na), len(nb)) > 2)


def score(messages: list[LabelledMessage], found: list[list[tuple[str, str]]],
          entities: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Per entity: precision, recall and F2 (recall counts twice: a miss is a breach)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for msg, got in zip(messages, found, strict=True):
        for entity in entities:
            labels = [v for e, v in msg.labels if e == entity]
            hits = [v for e, v in got if e == entity]
            unmatched = list(hits)
            for v in labels:
                m = next((h for h in unmatched if _match(entity, v, h)), None)
                if m is None:
                    fn[entity] += 1
                else:
                    tp[entity] += 1
                    unmatched.remove(m)
            # a second finding of a value already matched (the thread quotes it) is no error
            fp[entity] += sum(1 for h in unmatched
                              if not any(_match(entity, v, h) for v in labels))
    out = {}
    for e in entities:
        p = tp[e] / (tp[e] + fp[e]) if tp[e] + fp[e] else 1.0
        r = tp[e] / (tp[e] + fn[e]) if tp[e] + fn[e] else 1.0
        f2 = 5 * p * r / (4 * p + r) if p + r else 0.0
        out[e] = {"precision": p, "recall": r, "f2": f2, "support": tp[e] + fn[e]}
    return out
