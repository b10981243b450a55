"""Labelled council messages, generated: what the shipped policy is measured against.

A policy is judged by two numbers: the share of risky mail it holds (its
detection rate) and the share of ordinary mail it holds (its false-hold rate,
which decides whether staff put up with it). The examples written under each
rule show that a rule can fire; they are too few and too tidy to give either
number. This module writes many whole messages of each kind a council sends,
risky and benign, each with the sender's correspondence history, so the real
pipeline can be run on them (`dlpgate.policy.examples.run_example`) and the two
rates counted (bench/policy.py).

Risky kinds are those a council would want held: special-category data to a
look-alike or new webmail address, pupil and patient lists to a new
organisation, foster carers exposed in To, OFFICIAL-SENSITIVE mail to insecure
destinations, the autocomplete error (a frequent contact's name at another
address, or a reply to another contact of the same first name than the one who
asked, the autocomplete's first suggestion when a child's details have only gone
to the other contact of that name), attachments that cannot be read, address
slips, and social care sending a child's identifiers outside (to be confirmed).
Benign kinds are their everyday twins: the same referral to the right partner,
internal lists, supplier mail, newsletters in Bcc, marked mail to secure
destinations, payroll to a known bureau, officers' contact details, encrypted
files between colleagues, replies in a thread, the child's details to the
contact who has the case.

Nothing here was copied from real mail. Names are common UK names combined at
random (from `dlpgate.testcorpus`), identifiers are generated with valid check
digits (`dlpgate.testdata`), organisations and domains are made up, and the
decoys (invoice and order numbers, ten-digit references failing the NHS check)
are there so that looking like an identifier is not enough.

    generate(n_per_kind=20, seed=2026) -> [Scenario]
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass

from dlpgate import testdata
from dlpgate.policy.rules import Example
from dlpgate.testcorpus import FIRST, LAST, SPECIAL, TITLES

INTERNAL = "example-council.gov.uk"
PARTNERS = ("nhs.net", "police.uk")
SECURE = ("cjsm.net",)
WEBMAIL = ("gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "btinternet.com",
           "icloud.com")
CHILDRENS = f"childrens.{INTERNAL}"
ADULTS = f"adults.{INTERNAL}"

CHILD_SPECIAL = [s for s in SPECIAL if "sex offender" not in s]
ADULT_SPECIAL = [
    "has dementia and lives alone", "was discharged from hospital last week",
    "has been diagnosed with bipolar disorder", "is receiving palliative care",
    "disclosed domestic abuse by her partner", "has a learning disability",
    "has been sectioned under the Mental Health Act",
    "is on a methadone programme for substance misuse",
    "has type 2 diabetes and a heart condition", "was arrested on Saturday",
    "is on probation after a prison sentence", "has a mental capacity assessment due",
    "has schizophrenia and stopped taking her medication", "uses a wheelchair (cerebral palsy)",
]
FORCES = ["westyorkshire", "merseyside", "cheshire", "kent", "northumbria", "lancashire",
          "avonandsomerset", "westmidlands"]
PLACES = ["north", "riverside", "oakfield", "beacon", "summit", "harbour", "meadow", "castle",
          "bridge", "valley", "kingsway", "elmwood", "ashford", "hillside", "brookside"]
TRADES = ["supplies", "consulting", "facilities", "print", "itservices", "grounds", "catering",
          "legal", "surveying", "cleaning", "security", "training", "analytics", "research"]
TLDS = [".co.uk", ".com", ".org.uk", ".ltd.uk"]
SCHOOLS = ["stmarys", "oakfieldprimary", "riversideacademy", "hillsidejunior", "stjohns",
           "kingswayhigh", "meadowinfants", "brooksidecollege"]
CARE = ["sunrise-care.co.uk", "oakleigh-homecare.co.uk", "brightfutures-fostering.org.uk",
        "harbourlights-childrenshome.co.uk", "meadowview-care.com", "castlegate-support.org.uk"]
ROLES = ["Social Worker", "Team Manager", "Family Support Worker", "Senior Practitioner",
         "Early Help Officer", "Housing Officer", "Occupational Therapist", "Business Support",
         "Data Officer", "Commissioning Officer", "Key Worker", "Independent Reviewing Officer"]
TEAMS = ["referrals", "duty.team", "fostering.team", "early.help", "mash", "contact.centre",
         "housing.options", "adult.social.care", "school.admissions", "data.team"]


def _organisation() -> dict:
    return {"internal_domains": [INTERNAL], "partner_domains": list(PARTNERS),
            "secure_domains": list(SECURE)}


@dataclass(frozen=True)
class Scenario:
    """One generated message and whether a council would want it held.

    `wanted` names the action where a kind has one ("confirm": the sender checks,
    "log": recorded and sent); "" means any held verdict for risky mail and any
    not-held verdict for benign mail.
    """

    kind: str
    risky: bool
    example: Example
    wanted: str = ""


@dataclass(frozen=True)
class _Person:
    first: str
    last: str
    child: bool
    nhs: str
    dob: str
    nino: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class _Mail:
    sender: str
    to: list[str]
    subject: str
    body: str
    cc: list[str] | None = None
    bcc: list[str] | None = None
    attachments: list[dict] | None = None
    history: list[dict] | None = None
    headers: list[tuple[str, str]] | None = None


# ------------------------------------------------------------------ building blocks

def _person(rng: random.Random, child: bool) -> _Person:
    year = rng.randrange(2008, 2023) if child else rng.randrange(1936, 2002)
    dob = f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{year}"
    return _Person(rng.choice(FIRST), rng.choice(LAST), child, testdata.nhs_number(rng), dob,
                   testdata.nino(rng))


_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]


def _sent(rng: random.Random, minute: str = "14") -> str:
    """When a quoted message was sent, as Outlook's header gives it."""
    return f"{rng.randrange(1, 29)} {rng.choice(_MONTH_NAMES)} 2026 {rng.randrange(8, 18)}:{minute}"


def _long_date(dob: str) -> str:
    day, month, year = dob.split("/")
    return f"{int(day)} {_MONTH_NAMES[int(month) - 1]} {year}"


def _identifier(rng: random.Random, p: _Person, kinds: tuple[str, ...] = ("nhs", "dob", "nino")
                ) -> str:
    """One strong identifier of a person, written the ways staff write them."""
    usable = [k for k in kinds if k != "nino" or not p.child]
    kind = rng.choice(usable)
    if kind == "nhs":
        return rng.choice([f"NHS number {p.nhs}", f"NHS no. {p.nhs}", f"NHS {p.nhs}",
                           f"NHS number: {p.nhs}", f"NHS No: {p.nhs.replace(' ', '')}",
                           f"NHS number {p.nhs.replace(' ', '-')}"])
    if kind == "dob":
        return rng.choice([f"DOB {p.dob}", f"date of birth {p.dob}", f"D.O.B. {p.dob}",
                           f"born {_long_date(p.dob)}", f"DOB: {_long_date(p.dob)}",
                           f"DOB {p.dob.replace('/', '.')}"])
    return rng.choice([f"NI number {p.nino}", f"National Insurance number {p.nino}",
                       f"NINO {p.nino}"])


def _special(rng: random.Random, p: _Person) -> str:
    return rng.choice(CHILD_SPECIAL if p.child else ADULT_SPECIAL)


def _officer(rng: random.Random, sub: str = "") -> tuple[str, str, str]:
    """(first, last, address) of a council officer; `sub` a subdomain such as childrens."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    domain = f"{sub}.{INTERNAL}" if sub else INTERNAL
    local = rng.choice([f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}"]).lower()
    return first, last, f"{local}@{domain}"


def _team(rng: random.Random, sub: str = "") -> str:
    domain = f"{sub}.{INTERNAL}" if sub else INTERNAL
    return f"{rng.choice(TEAMS)}@{domain}"


def _sender(rng: random.Random, social_care: float = 0.3) -> tuple[str, str, str]:
    """A sender; with probability `social_care`, from children's or adults' social care."""
    if rng.random() < social_care:
        return _officer(rng, rng.choice(["childrens", "adults"]))
    return _officer(rng)


def _plain_sender(rng: random.Random) -> tuple[str, str, str]:
    return _officer(rng)


def _phone(rng: random.Random) -> str:
    return testdata.landline(rng) if rng.random() < 0.6 else testdata.mobile(rng)


def _signoff(rng: random.Random, first: str, last: str) -> str:
    role = rng.choice(ROLES)
    return rng.choice([
        f"Kind regards,\n\n{first} {last}\n{role}\nTel: {_phone(rng)}",
        f"Thanks,\n{first}",
        f"Best wishes\n{first} {last}\n{role}, Example Council",
        f"Many thanks\n\n{first} {last} | {role}\nDirect line {_phone(rng)}",
        f"Regards\n{first}",
    ])


def _first_name_of(address: str) -> str | None:
    """Jo for jo.bloggs@...; None for a team or role address."""
    first = address.partition("@")[0].split(".")[0].capitalize()
    return first if first in FIRST else None


def _greeting(rng: random.Random, name: str | None = None) -> str:
    if name and rng.random() < 0.6:
        return rng.choice([f"Dear {name},", f"Hi {name},", f"Hello {name},"])
    return rng.choice(["Hello,", "Good morning,", "Good afternoon,", "Hi all,", "Dear colleague,"])


def _decoy(rng: random.Random) -> str:
    """A sentence with numbers that look like identifiers but are not personal data."""
    choice = rng.randrange(10)
    if choice == 0:
        return (f"Invoice INV-{rng.randrange(2019, 2027)}-{rng.randrange(10000, 99999)} "
                f"is due on {rng.randrange(1, 29)}/{rng.randrange(1, 13)}/2026.")
    if choice == 1:
        return (f"Purchase order {rng.randrange(4500000000, 4599999999)} covers the "
                f"{rng.randrange(2, 40)} items.")
    if choice == 2:
        return (f"Our reference is {testdata.nhs_number(rng, valid=False)}; please quote it "
                f"on any correspondence.")
    if choice == 3:
        return (f"The budget line is {rng.randrange(10000000, 99999999)} and the total is "
                f"\u00a3{rng.randrange(100, 99999):,}.{rng.randrange(10, 99)}.")
    if choice == 4:
        return (f"Ticket #{rng.randrange(100000, 999999)} was closed on "
                f"2026-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}.")
    if choice == 5:
        return (f"Please use cost centre {rng.randrange(100, 999)}-{rng.randrange(100, 999)}-"
                f"{rng.randrange(1000, 9999)}.")
    if choice == 6:
        return (f"Planning application {rng.randrange(19, 27)}/{rng.randrange(10000, 99999)}/"
                f"{rng.choice(['FUL', 'HOU', 'LBC', 'OUT'])} is on the agenda.")
    if choice == 7:
        return (f"The meeting is on {rng.randrange(1, 29)} {rng.choice(_MONTH_NAMES)} 2026 in "
                f"Room {rng.randrange(1, 400)}.")
    if choice == 8:
        return (f"Contract ref {testdata.nhs_number(rng, valid=False, sep='')} runs until "
                f"31/03/{rng.randrange(2026, 2030)}.")
    return (f"Our VAT number is GB {rng.randrange(100, 999)} {rng.randrange(1000, 9999)} "
            f"{rng.randrange(10, 99)}.")


def _decoys(rng: random.Random, lo: int = 0, hi: int = 2) -> list[str]:
    return [_decoy(rng) for _ in range(rng.randint(lo, hi))]


def _webmail_address(rng: random.Random, first: str | None = None, last: str | None = None,
                     domain: str | None = None) -> str:
    first = (first or rng.choice(FIRST)).lower()
    last = (last or rng.choice(LAST)).lower()
    local = rng.choice([f"{first}.{last}", f"{first}{last}{rng.randrange(1, 99)}",
                        f"{first[0]}{last}{rng.randrange(60, 99)}", f"{last}family",
                        f"{first}_{last}", f"{first}{rng.randrange(1970, 2005)}"])
    return f"{local}@{domain or rng.choice(WEBMAIL)}"


def _company(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)}{rng.choice(['', '-'])}{rng.choice(TRADES)}{rng.choice(TLDS)}"


def _external(rng: random.Random, domain: str | None = None) -> str:
    first, last = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", "info", "enquiries", "office",
                        "accounts", f"{first}"])
    return f"{local}@{domain or _company(rng)}"


def _school(rng: random.Random) -> str:
    return f"{rng.choice(['head', 'senco', 'office', 'dsl', 'admin'])}@{rng.choice(SCHOOLS)}.sch.uk"


def _referral_body(rng: random.Random, p: _Person, greeting: str, signoff: str,
                   extra: list[str] | None = None) -> str:
    """Special-category data with a strong identifier, in one of several shapes."""
    ident, special = _identifier(rng, p), _special(rng, p)
    who = "child" if p.child else "adult"
    shape = rng.randrange(4)
    if shape == 0:
        lines = [f"I am writing to refer {p.name} ({ident}).",
                 f"{p.first} {special}."]
    elif shape == 1:
        lines = [f"Following our call, here are the details for {p.name}, {ident}.",
                 f"As discussed, {p.first} {special}. Could you let me know what support "
                 f"you can offer?"]
    elif shape == 2:
        lines = [f"Please see the referral for the {who} we discussed below.", "",
                 f"Name: {p.name}", ident,
                 f"Concerns: {p.first} {special}."]
    else:
        lines = [f"Update on {p.first} {p.last[0]}. ({ident}): {p.first} {special}.",
                 "The family are aware of this referral."]
    lines += extra or []
    lines += _decoys(rng, 0, 1)
    return f"{greeting}\n\n" + "\n".join(lines) + f"\n\n{signoff}\n"


def _referral(rng: random.Random, p: _Person, greeting: str, signoff: str
              ) -> tuple[str, list[dict]]:
    """A referral in the body, or (about one time in three) in an attached form."""
    if rng.random() >= 0.3:
        return _referral_body(rng, p, greeting, signoff), []
    form = [rng.choice(["Referral form", "Multi-agency referral", "Request for support"]),
            f"Name: {p.name}", _identifier(rng, p),
            f"Address: {rng.randrange(1, 200)} {rng.choice(['Mill Lane', 'Park Road'])}, "
            f"{testdata.postcode(rng)}",
            f"Reason for referral: {p.first} {_special(rng, p)}.",
            f"Consent: {rng.choice(['yes', 'yes, verbal', 'not sought (safeguarding)'])}"]
    stem = rng.choice(["referral", "referral_form", f"{p.last.lower()}_referral", "assessment"])
    note = rng.choice(["Please see the attached referral.", "Referral form attached.",
                       f"Attached is the referral for {p.first} as discussed."])
    body = f"{greeting}\n\n{note}\n\n{signoff}\n"
    return body, [{"name": f"{stem}.{rng.choice(['docx', 'pdf'])}", "text": "\n".join(form)}]


def _history(recipient: str, rng: random.Random, lo: int = 10, hi: int = 60,
             replied: bool | None = None) -> dict:
    return {"recipient": recipient, "count": rng.randint(lo, hi),
            "days_ago": rng.randint(1, 90),
            "replied": rng.random() < 0.6 if replied is None else replied}


_OTHERS = ["district.gov.uk", "county.gov.uk", "university.ac.uk", "citizensadvice.org.uk",
           "housing-association.org.uk", "volunteercentre.org.uk"]


def _background(rng: random.Random, n: int = 2) -> list[dict]:
    """Other correspondents the sender writes to, so history is not only the one contact."""
    out = []
    for _ in range(rng.randint(0, n)):
        first, last = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
        target = rng.choice([f"{rng.choice(['finance', 'hr', 'legal'])}@{INTERNAL}",
                             f"{first}.{last}@{rng.choice(_OTHERS)}"])
        out.append(_history(target, rng, 2, 20))
    return out


# ------------------------------------------------------------------ risky kinds

def _lookalike_pair(rng: random.Random) -> tuple[str, str]:
    """(the address the sender writes to, a look-alike of it)."""
    first, last = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
    family = rng.randrange(4)
    if family == 0:
        local = rng.choice(["referrals", "mash.health", f"{first}.{last}", "safeguarding.nurses",
                            "cmht.duty", "hv.team", f"gp.{rng.choice(PLACES)}"])
        fake = rng.choice(["nhs.com", "nhs-net.uk", "nhs.net.co", "nhsnet.com", "nhs.co.uk",
                           "nhs.org", "nhs.net.uk", "nhs-net.com", "nhs.nte"])
        return f"{local}@nhs.net", f"{local}@{fake}"
    if family == 1:
        force = rng.choice(FORCES)
        local = rng.choice(["mash", "safeguarding.hub", f"{first}.{last}", "cst.referrals"])
        fake = rng.choice([f"{force}.police.co.uk", f"{force}-police.uk", "police.co.uk",
                           f"{force}police.co.uk", f"{force}.police.uk.com"])
        return f"{local}@{force}.police.uk", f"{local}@{fake}"
    if family == 2:
        domain, fakes = rng.choice([
            ("gmail.com", ["gmial.com", "gmail.co.uk", "gmai.com", "gnail.com", "gmaill.com"]),
            ("hotmail.co.uk", ["hotmial.co.uk", "hotmail.co", "hotmal.co.uk"]),
            ("outlook.com", ["outlok.com", "outlook.co.uk", "outloook.com"]),
            ("yahoo.co.uk", ["yaho.co.uk", "yahoo.co", "yahooo.co.uk"]),
            ("btinternet.com", ["btinternett.com", "btinterent.com", "btinternet.co.uk"]),
        ])
        local = _webmail_address(rng, first, last, domain).rpartition("@")[0]
        return f"{local}@{domain}", f"{local}@{rng.choice(fakes)}"
    domain = rng.choice(CARE)
    name, _, suffix = domain.partition(".")
    local = rng.choice([f"{first}.{last}", "office", "referrals", "placements"])
    fake = rng.choice([f"{name}.com" if suffix != "com" else f"{name}.co.uk",
                       f"{name.replace('-', '')}.{suffix}", f"{testdata.slip(name, rng)}.{suffix}"])
    return f"{local}@{domain}", f"{local}@{fake}"


def _risky_lookalike(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng)
    real, fake = _lookalike_pair(rng)
    p = _person(rng, rng.random() < 0.6)
    body, attachments = _referral(rng, p, _greeting(rng, _first_name_of(real)),
                                  _signoff(rng, first, last))
    subject = rng.choice(["Referral", f"Referral - {p.first} {p.last[0]}", "Update as discussed",
                          "Confidential", f"RE: {p.first}", "Information request"])
    history = [_history(real, rng)] + _background(rng)
    return _Mail(sender, [fake], subject, body, attachments=attachments, history=history)


def _risky_new_webmail(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng)
    p = _person(rng, rng.random() < 0.5)
    if rng.random() < 0.3:  # the officer's own home address, to work on it tonight
        to = _webmail_address(rng, first, last)
        greeting = rng.choice(["Sending to my home email to finish tonight.", "For home.", "FYI"])
        signoff = rng.choice(["Sent from my work account", first])
    else:
        parent = _person(rng, False)
        to = _webmail_address(rng, parent.first, rng.choice([parent.last, p.last]))
        greeting = _greeting(rng, f"{rng.choice(TITLES)} {p.last}")
        signoff = _signoff(rng, first, last)
    body, attachments = _referral(rng, p, greeting, signoff)
    subject = rng.choice(["Assessment", "Report", f"{p.first}'s assessment", "Notes",
                          "Meeting notes", "Documents you asked for"])
    return _Mail(sender, [to], subject, body, attachments=attachments, history=_background(rng))


def _list_rows(rng: random.Random, kind: str, n: int) -> tuple[str, list[str]]:
    """(header, rows) of a list of n people with an identifier each."""
    rows = []
    for _ in range(n):
        p = _person(rng, kind == "pupils")
        if kind == "pupils":
            rows.append(f"{p.first} {p.last},{testdata.upn(rng)},Year {rng.randrange(1, 12)}")
        elif kind == "patients":
            rows.append(f"{p.first} {p.last},{p.nhs},{p.dob}")
        else:
            rows.append(f"{p.first} {p.last},{p.nino},{rng.randrange(1, 200)} "
                        f"{rng.choice(['Mill Lane', 'Park Road', 'Church Street', 'Elm Close'])}")
    header = {"pupils": "Name,UPN,Year group", "patients": "Name,NHS number,DOB",
              "tenants": "Name,NI number,Address"}[kind]
    return header, rows


def _risky_bulk_list(rng: random.Random) -> _Mail:
    first, last, sender = _plain_sender(rng)
    kind = rng.choice(["pupils", "patients", "tenants"])
    header, rows = _list_rows(rng, kind, rng.randint(10, 40))
    what = {"pupils": "pupil list", "patients": "patient list", "tenants": "tenant list"}[kind]
    to = _external(rng, rng.choice([_company(rng), f"{rng.choice(PLACES)}-trust.org.uk",
                                    f"{rng.choice(PLACES)}research.ac.uk"]))
    subject = rng.choice([f"The {what}", "Data for the survey", "As requested",
                          f"{what.capitalize()} - {rng.choice(['autumn', 'spring'])} term",
                          "Data extract"])
    where = rng.choice(["body", "xlsx", "docx"])
    intro = rng.choice([f"Please find the {what} you asked for.",
                        f"Here is the {what} for the project.",
                        f"Attached is the {what} ahead of Thursday."])
    attachments = []
    lines = [_greeting(rng, _first_name_of(to)), "", intro]
    if where == "body":
        lines += [header.replace(",", " | ")] + [r.replace(",", " | ") for r in rows]
    else:
        name = rng.choice(["list", "extract", "data", what.replace(" ", "_")])
        text = "\n".join([header] + rows)
        if where == "docx":
            text = "\n".join([header.replace(",", " - ")] + [r.replace(",", " - ") for r in rows])
        attachments.append({"name": f"{name}.{where}", "text": text})
    lines += _decoys(rng) + ["", _signoff(rng, first, last)]
    return _Mail(sender, [to], subject, "\n".join(lines) + "\n", attachments=attachments,
                 history=_background(rng))


_GROUPS = [
    ("our next foster carer training evening is on {day}", "Carers' evening"),
    ("the fostering support group meets on {day} at the family centre", "Support group"),
    ("the kinship care drop-in moves to {day} this month", "Kinship carers' drop-in"),
    ("the carers' support group for families living with dementia meets on {day}",
     "Carers' support group"),
    ("the parents' group for children with autism is on {day}", "Parents' group"),
    ("the mental health peer support session is on {day}", "Peer support session"),
    ("the next foster carers' coffee morning is on {day}", "Coffee morning"),
    ("the substance misuse recovery group starts again on {day}", "Recovery group"),
]


def _risky_bulk_exposure(rng: random.Random) -> _Mail:
    sub = rng.choice(["", "childrens", "adults"])
    sender = f"{rng.choice(['fostering.team', 'carers.support', 'family.centre'])}@" \
             f"{sub + '.' if sub else ''}{INTERNAL}"
    n = rng.randint(11, 40)
    to: list[str] = []
    while len(to) < n:
        a = _webmail_address(rng)
        if a not in to:
            to.append(a)
    text, subject = rng.choice(_GROUPS)
    day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    body = (f"{rng.choice(['Dear all,', 'Hi everyone,', 'Dear carers,'])}\n\n"
            f"Just a reminder that {text.format(day=day)}. "
            f"{rng.choice(['Tea and coffee provided.', 'Creche available.'])}\n\n"
            f"{_signoff(rng, rng.choice(FIRST), rng.choice(LAST))}\n")
    cc = [] if rng.random() < 0.7 else [_team(rng, sub)]
    return _Mail(sender, to, subject, body, cc=cc)


_MARKS = ["OFFICIAL-SENSITIVE", "OFFICIAL SENSITIVE", "[OFFICIAL-SENSITIVE]", "OFFICIAL_SENSITIVE",
          "OFFICIAL-SENSITIVE PERSONAL"]
_WELSH_MARKS = ["SWYDDOGOL-SENSITIF"]  # a Welsh council's bilingual templates
_MARKED_TOPICS = [
    ("budget options 2026/27", "Draft options for discussion; figures are not yet agreed."),
    ("disciplinary investigation", "The investigation report is attached for your review."),
    ("restructure proposals", "These are the proposals going to the staffing committee."),
    ("complaint response", "Draft response to the stage 2 complaint, for comment."),
    ("serious case review", "Summary of findings ahead of publication."),
    ("academy transfer legal advice", "Counsel's advice on the transfer, privileged."),
    ("tender evaluation", "Scores from the evaluation panel; please keep these confidential."),
]


def _risky_marked(rng: random.Random) -> _Mail:
    first, last, sender = _plain_sender(rng)
    topic, text = rng.choice(_MARKED_TOPICS)
    mark = rng.choice(_MARKS + _WELSH_MARKS)
    subject = f"{mark}: {topic}" if not mark.startswith("[") else f"{mark} {topic}"
    if rng.random() < 0.5:
        to = _webmail_address(rng, *(rng.choice([(first, last), (None, None)])))
    else:
        to = _external(rng)
    lines = [_greeting(rng), "", text] + _decoys(rng) + ["", _signoff(rng, first, last)]
    attachments = [] if rng.random() < 0.5 else [
        {"name": f"{topic.split()[0]}.{rng.choice(['docx', 'pdf'])}",
         "text": f"{text}\nSection 1\nSection 2"}]
    if attachments and rng.random() < 0.5:
        # marked only on the report's pages, under a bland subject: "Please see attached"
        subject = topic.capitalize()
        attachments[0]["text"] = f"{mark}\n{attachments[0]['text']}"
    return _Mail(sender, [to], subject, "\n".join(lines) + "\n", attachments=attachments,
                 history=_background(rng))


def _risky_confusable(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng)
    cf, cl = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
    real_domain = rng.choice(CARE + ["fosteringagency.org.uk", "independentfostering.co.uk"])
    real = f"{cf}.{cl}@{real_domain}"
    roll = rng.random()
    if roll < 0.6:
        to = f"{cf}.{cl}@{rng.choice(WEBMAIL)}"
    elif roll < 0.8:
        to = f"{cf}.{cl}@{_company(rng)}"
    else:  # the same person by display name, written another way
        to = f"{rng.choice([cf[0] + cl, cf + cl[0], cf + '.' + cl[0]])}@" \
             f"{rng.choice([_company(rng), rng.choice(WEBMAIL)])}"
    p = _person(rng, True)
    ident = _identifier(rng, p, ("nhs",) if rng.random() < 0.7 else ("nhs", "dob"))
    lines = [_greeting(rng, cf.capitalize()), "",
             rng.choice([f"As requested, {p.first}'s {ident}.",
                         f"For the placement paperwork: {p.name}, {ident}.",
                         f"{p.first}'s details for the GP registration: {ident}."])]
    if rng.random() < 0.5:
        lines.append(f"{p.first} {_special(rng, p)}.")
    lines += _decoys(rng, 0, 1) + ["", _signoff(rng, first, last)]
    subject = rng.choice(["Update", "Details", f"{p.first}", "GP registration", "Placement"])
    history = [_history(real, rng, 5, 50)] + _background(rng)
    return _Mail(sender, [to], subject, "\n".join(lines) + "\n", history=history)


def _risky_unreadable(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng)
    to = rng.choice([_webmail_address(rng), _external(rng)])
    kind = rng.randrange(3)
    if kind == 0:
        att = {"name": f"{rng.choice(['documents', 'files', 'case_papers', 'bundle'])}.zip",
               "encrypted": True}
    elif kind == 1:
        att = {"name": f"{rng.choice(['report', 'assessment', 'minutes'])}.pdf", "encrypted": True}
    else:
        stem = rng.choice(["export", "backup", "records"])
        att = {"name": f"{stem}.{rng.choice(['dat', 'bin'])}", "unscannable": True}
    lines = [_greeting(rng), "",
             rng.choice(["The password follows separately.", "Password to follow by text.",
                         "I will ring you with the password.", "Files attached as discussed."])]
    lines += _decoys(rng, 0, 1) + ["", _signoff(rng, first, last)]
    subject = rng.choice(["Files", "Documents", "Secure documents", "As discussed", "Bundle"])
    return _Mail(sender, [to], subject, "\n".join(lines) + "\n", attachments=[att],
                 history=_background(rng))


def _risky_slip(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng)
    cf, cl = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
    domain = rng.choice(["nhs.net"] * 3 + CARE + [f"{rng.choice(FORCES)}.police.uk"])
    local = rng.choice([f"{cf}.{cl}", f"{cf[0]}.{cl}", f"{cf}{cl}"])
    real = f"{local}@{domain}"
    if rng.random() < 0.6 or domain.endswith("police.uk"):
        to = f"{testdata.slip(local, rng)}@{domain}"
    elif domain == "nhs.net":
        to = f"{local}@{rng.choice(['nhs.ne', 'nhs.nte', 'nhs.met', 'nhs.nett', 'nhs.bet'])}"
    else:
        name, _, suffix = domain.partition(".")
        to = f"{local}@{testdata.slip(name, rng)}.{suffix}"
    p = _person(rng, rng.random() < 0.5)
    attachments: list[dict] = []
    if rng.random() < 0.6:
        body, attachments = _referral(rng, p, _greeting(rng, cf.capitalize()),
                                      _signoff(rng, first, last))
    else:
        body = (f"{_greeting(rng, cf.capitalize())}\n\n{p.name}, {_identifier(rng, p)}, "
                f"{rng.choice(['is due for review', 'moved address', 'missed Monday'])}.\n\n"
                f"{_signoff(rng, first, last)}\n")
    subject = rng.choice(["Referral", "Update", f"{p.first} {p.last}", "Review", "Appointment"])
    history = [_history(real, rng, 10, 40)] + _background(rng)
    return _Mail(sender, [to], subject, body, attachments=attachments, history=history)


def _namesakes(rng: random.Random) -> tuple[str, str, str, str]:
    """Two contacts with one first name at two care providers: (the first name, the first
    contact's surname, the first contact's address, the second's)."""
    cf = rng.choice(FIRST)
    one, two = rng.sample(LAST, 2)
    domains = rng.sample(CARE + ["fosteringagency.org.uk", "independentfostering.co.uk"], 2)
    return (cf, one, f"{cf.lower()}.{one.lower()}@{domains[0]}",
            f"{cf.lower()}.{two.lower()}@{domains[1]}")


def _risky_reply_to_namesake(rng: random.Random) -> _Mail:
    """The autocomplete error in a reply: a contact asks about a child, and the answer goes to
    another contact with the same first name, whom the sender also writes to."""
    first, last, sender = _sender(rng)
    cf, asker, author, to = _namesakes(rng)
    p = _person(rng, True)
    ident = _identifier(rng, p)
    question = rng.choice([f"Could you send me {p.first}'s details for the placement file?",
                           f"Can you confirm {p.first}'s details before the review?",
                           f"Which details do you hold for {p.first}?"])
    when = f"{rng.randrange(1, 29)} {rng.choice(_MONTH_NAMES)} 2026"
    if rng.random() < 0.5:
        quoted = (f"-----Original Message-----\nFrom: {asker}, {cf} [mailto:{author}]\n"
                  f"Sent: {when} 10:14\nTo: {last}, {first}\nSubject: {p.first}\n\n"
                  f"{question}\n{cf}\n")
    else:
        quoted = f"On {when}, {cf} {asker} <{author}> wrote:\n> {question}\n> {cf}\n"
    body = (f"{rng.choice([f'Hi {cf},', f'{cf},', 'Hello,'])}\n\n"
            f"{p.name}: {ident}.\n\n{_signoff(rng, first, last)}\n\n{quoted}")
    history = [_history(author, rng, 5, 40), _history(to, rng, 2, 30)] + _background(rng)
    return _Mail(sender, [to], f"RE: {p.first}", body, history=history)


_PARENT_ASKS = ["When is {child}'s review meeting?", "Has {child}'s school place been confirmed?",
                "Can you tell me who {child}'s new social worker is?",
                "Is the visit for {child} still going ahead this week?"]
_PARENT_ANSWERS = ["the review is on {day} at 10am at the Civic Centre",
                   "the school place is confirmed from {day}",
                   "the visit is going ahead on {day} afternoon",
                   "the paperwork went to the school on {day}"]


def _risky_answer_to_namesake_address(rng: random.Random) -> _Mail:
    """A parent writes in about her child from one address, and the answer with the child's
    details goes to another address with her name, one the sender wrote to months ago: the
    other Kerry Doyle the autocomplete offers. A known correspondent, at risk 0, until a
    reply that did not go back to the address that wrote was read as the namesake's."""
    first, last, sender = _plain_sender(rng)
    parent, child = _person(rng, False), _person(rng, True)
    child = _Person(child.first, parent.last, True, child.nhs, child.dob, child.nino)
    wrote = _webmail_address(rng, parent.first, parent.last)
    pf, pl = parent.first.lower(), parent.last.lower()
    to = rng.choice([f"{pf}.{pl}@", f"{pf[0]}{pl}{rng.randrange(60, 99)}@", f"{pf}_{pl}@",
                     f"{pf}{pl}{rng.randrange(1, 99)}@"]) + rng.choice(WEBMAIL)
    if to == wrote:
        to = f"{pf}.{pl}.home@{rng.choice(WEBMAIL)}"
    day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    when = _sent(rng)
    subject = f"{child.first}"
    body = (f"Dear {rng.choice(TITLES)} {parent.last},\n\nFor {child.name} "
            f"({_identifier(rng, child, ('nhs', 'dob'))}): "
            f"{rng.choice(_PARENT_ANSWERS).format(day=day)}.\n\n{_signoff(rng, first, last)}\n\n"
            f"From: {parent.name} <{wrote}>\nSent: {when}\nTo: {first} {last} <{sender}>\n"
            f"Subject: {subject}\n\n{rng.choice(_PARENT_ASKS).format(child=child.first)}\n"
            f"{parent.first}\n")
    history = [{"recipient": to, "count": rng.randint(2, 6), "days_ago": rng.randint(120, 300),
                "replied": True}] + _background(rng)
    return _Mail(sender, [f"{parent.name} <{to}>"], f"RE: {subject}", body, history=history)


def _two_sarahs(rng: random.Random) -> tuple[str, str, str, str, _Person, list[dict]]:
    """(sender's name, sender, the contact usually written to, the contact who has the child's
    case, the child, a history where the child's identifiers have only ever gone to the
    second); both contacts share a first name. The sender is not in social care (whose rule
    asks for confirmation of any child's identifiers sent outside), so the twins differ only
    in which contact the message goes to."""
    first, last, sender = _plain_sender(rng)
    _, _, usual, case = _namesakes(rng)
    p = _person(rng, True)
    weekly = [f"The rota for {rng.choice(_MONTH_NAMES)} is attached.",
              rng.choice(["Training on Tuesday is moved to room 4.",
                          "Can you send the invoice for last month?"])]
    before = [f"{p.name}: {_identifier(rng, p, ('nhs',))}, for the placement file.",
              f"{p.first}'s {_identifier(rng, p, ('dob',))} for the GP registration."]
    history = [{**_history(usual, rng, 20, 60), "sent": weekly},
               {**_history(case, rng, 2, 6), "sent": before}] + _background(rng)
    return f"{first} {last}", sender, usual, case, p, history


def _two_sarahs_mail(rng: random.Random, to_case: bool) -> _Mail:
    name, sender, usual, case, p, history = _two_sarahs(rng)
    to = case if to_case else usual
    cf = to.partition(".")[0].capitalize()
    body = (f"Hi {cf},\n\n{p.first}'s review is on Thursday: "
            f"{_identifier(rng, p, ('nhs',))}.\n\n{name}\n")
    return _Mail(sender, [to], rng.choice(["Review", f"{p.first}", "Thursday"]), body,
                 history=history)


def _risky_top_suggestion(rng: random.Random) -> _Mail:
    """The autocomplete's first suggestion: the contact written to every week, when the
    child's details have only ever gone to the other one of that name."""
    return _two_sarahs_mail(rng, to_case=False)


def _benign_case_contact(rng: random.Random) -> _Mail:
    """Its twin: the same message to the contact who has the child's case."""
    return _two_sarahs_mail(rng, to_case=True)


def _circular_karens(rng: random.Random, on_her_own: bool) -> _Mail:
    """Two contacts of one first name: one written to every week, the other met on the
    carers' training circular (to 20-40) a month or two ago, or, in the twin, written to on
    her own as well; a child's details go to the second. Neither contact has had the child's
    details before, so only how the sender knows her can speak."""
    first, last, sender = _plain_sender(rng)
    _, _, weekly, met = _namesakes(rng)
    p = _person(rng, True)
    circular = {"recipient": met, "count": 1, "days_ago": rng.randint(20, 80),
                "audience": rng.randint(20, 40)}
    if on_her_own:
        circular = {**circular, "count": 2, "audience": rng.randint(1, 3)}
    history = [{**_history(weekly, rng, 20, 60), "audience": 1}, circular] + _background(rng)
    cf = met.partition(".")[0].capitalize()
    body = (f"Hi {cf},\n\n{p.first}'s visit is confirmed for Thursday: "
            f"{_identifier(rng, p, ('nhs', 'dob'))}.\n\n{first} {last}\n")
    return _Mail(sender, [met], rng.choice(["Visit", "Thursday", f"{p.first}"]), body,
                 history=history)


def _risky_circular_namesake(rng: random.Random) -> _Mail:
    """A child's details to the namesake met only on a circular."""
    return _circular_karens(rng, on_her_own=False)


def _benign_namesake_written_to(rng: random.Random) -> _Mail:
    """Its twin: the namesake has had mail on her own too."""
    return _circular_karens(rng, on_her_own=True)


def _risky_colleagues_namesake(rng: random.Random) -> _Mail:
    """A caseworker new to a family writes to the school's safeguarding lead, whom a colleague
    writes to about the child every week and she never has; her autocomplete offers the
    other teacher of that first name at the school, met on a circular. Her own history has
    no namesake to compare with: only what went to the lead from colleagues can speak."""
    first, last, sender = _plain_sender(rng)
    _, _, colleague = _officer(rng)
    cf = rng.choice(FIRST)
    one, two = rng.sample(LAST, 2)
    school = f"{rng.choice(SCHOOLS)}.sch.uk"
    lead, met = f"{cf.lower()}.{one.lower()}@{school}", f"{cf.lower()}.{two.lower()}@{school}"
    p = _person(rng, True)
    before = [f"{p.name}: {_identifier(rng, p, ('nhs',))}, for the safeguarding file.",
              f"{p.first}'s core group is moved to Thursday; {_identifier(rng, p, ('dob',))}."]
    history = [{**_history(lead, rng, 10, 40), "sender": colleague, "sent": before},
               {"recipient": met, "count": 1, "days_ago": rng.randint(20, 80),
                "audience": rng.randint(20, 40)}] + _background(rng)
    body = (f"Hi {cf},\n\nI have taken over {p.first}'s case: "
            f"{_identifier(rng, p, ('nhs', 'dob'))}. Could we speak before the core group?"
            f"\n\n{first} {last}\n")
    return _Mail(sender, [met], rng.choice(["Core group", f"{p.first}", "Safeguarding"]), body,
                 history=history)


def _risky_social_care(rng: random.Random) -> _Mail:
    first, last, sender = _officer(rng, rng.choice(["childrens", "childrens", "adults"]))
    child = sender.endswith(CHILDRENS)
    if child and rng.random() < 0.6:
        to = _school(rng)
    else:
        to = f"{rng.choice(['office', 'manager', 'placements'])}@{rng.choice(CARE)}"
    p = _person(rng, child)
    kinds = ("nhs", "dob") if not child else ("nhs", "dob", "upn")
    kind = rng.choice(kinds)
    ident = f"UPN {testdata.upn(rng)}" if kind == "upn" else _identifier(rng, p, (kind,))
    lines = [_greeting(rng), "",
             rng.choice([f"Ahead of the meeting, {p.name} ({ident}).",
                         f"For your records: {p.name}, {ident}.",
                         f"Please bring the attendance record for {p.name}, {ident}.",
                         f"{p.name} ({ident}) starts with you on Monday."])]
    if rng.random() < 0.3:
        lines.append(f"{p.first} {_special(rng, p)}.")
    lines += _decoys(rng, 0, 1) + ["", _signoff(rng, first, last)]
    subject = rng.choice(["Meeting", "Placement", "Attendance", "Start date", "Review"])
    history = [_history(to, rng, 3, 30)] + _background(rng)
    return _Mail(sender, [to], subject, "\n".join(lines) + "\n", history=history)


# ------------------------------------------------------------------ benign kinds

def _partner_address(rng: random.Random) -> str:
    first, last = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
    if rng.random() < 0.7:
        local = rng.choice(["referrals", "mash.health", f"{first}.{last}", "safeguarding.nurses",
                            "cmht.duty", "hv.team", f"gp.{rng.choice(PLACES)}"])
        return f"{local}@nhs.net"
    local = rng.choice(["mash", "safeguarding.hub", f"{first}.{last}", "cst.referrals"])
    return f"{local}@{rng.choice(FORCES)}.police.uk"


def _benign_partner_referral(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng)
    to = _partner_address(rng)
    p = _person(rng, rng.random() < 0.6)
    body, attachments = _referral(rng, p, _greeting(rng, _first_name_of(to)),
                                  _signoff(rng, first, last))
    subject = rng.choice(["Referral", f"Referral - {p.first} {p.last[0]}", "Update as discussed",
                          "Confidential", "Information sharing"])
    return _Mail(sender, [to], subject, body, attachments=attachments,
                 history=[_history(to, rng)] + _background(rng))


def _colleagues(rng: random.Random, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        a = _officer(rng, rng.choice(["", "", "childrens", "adults"]))[2]
        if a not in out:
            out.append(a)
    return out


def _benign_internal(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng, 0.5)
    to = [a for a in _colleagues(rng, rng.randint(1, 3)) if a != sender] or [_team(rng)]
    cc = [_team(rng)] if rng.random() < 0.3 else []
    attachments = []
    if rng.random() < 0.5:
        kind = rng.choice(["pupils", "patients", "tenants"])
        header, rows = _list_rows(rng, kind, rng.randint(5, 40))
        intro = f"Here is the {kind[:-1]} list for the panel."
        ext = rng.choice(["xlsx", "docx", "body"])
        if ext == "body":
            lines = [intro, header.replace(",", " | ")] + [r.replace(",", " | ") for r in rows]
        else:
            lines = [intro]
            attachments.append({"name": f"{kind}.{ext}", "text": "\n".join([header] + rows)})
        body = f"{_greeting(rng)}\n\n" + "\n".join(lines + _decoys(rng, 0, 1)) + \
               f"\n\n{_signoff(rng, first, last)}\n"
        subject = rng.choice(["Panel list", "List for Thursday", "Caseload", "Data for the return"])
    else:
        p = _person(rng, rng.random() < 0.6)
        body, attachments = _referral(rng, p, _greeting(rng), _signoff(rng, first, last))
        subject = rng.choice(["Referral", "Case transfer", "For allocation", "Strategy meeting"])
    history = [_history(a, rng, 2, 40) for a in to if rng.random() < 0.6]
    return _Mail(sender, to, subject, body, cc=cc, attachments=attachments, history=history)


_BUSINESS = [
    ("Quotation for grounds maintenance",
     "Thank you for the quotation. Could you confirm the price holds until the end of March?"),
    ("Committee papers", "Can we confirm the figures before the committee papers go out on "
                         "Friday?"),
    ("Invoice query", "We have not been able to match your invoice to an order; please "
                      "resend it with the order number."),
    ("Meeting notes", "Notes from Tuesday's site meeting are below. Actions are in bold in the "
                      "attached copy."),
    ("Tender clarification", "In answer to your clarification question, the contract term is "
                             "three years with an option to extend by one."),
    ("Event booking", "We would like to book the main hall for the community awards evening."),
    ("Training course", "Please book eight places on the first aid course in May."),
]


def _officer_line(rng: random.Random) -> str:
    f, l_ = rng.choice(FIRST), rng.choice(LAST)
    return rng.choice([f"{f} {l_} ({rng.choice(ROLES)}) on {_phone(rng)}",
                       f"{f} {l_}, {rng.choice(ROLES)}, {_phone(rng)}",
                       f"{rng.choice(TITLES)} {l_} on extension {rng.randrange(1000, 9999)}"])


def _benign_business(rng: random.Random) -> _Mail:
    first, last, sender = _plain_sender(rng)
    to = _external(rng)
    subject, text = rng.choice(_BUSINESS)
    lines = [_greeting(rng, rng.choice(FIRST)), "", text]
    if rng.random() < 0.6:
        lines.append(f"If you have questions, please contact {_officer_line(rng)}.")
    lines += _decoys(rng, 1, 3)
    if rng.random() < 0.2:
        lines.append("The venue has step-free access for disabled visitors.")
    attachments = []
    if rng.random() < 0.5:
        ext = rng.choice(["pdf", "docx", "xlsx"])
        text_lines = [_decoy(rng) for _ in range(rng.randint(2, 5))]
        if ext == "xlsx":
            text_lines = [f"Item {i},{rng.randrange(1, 50)},{rng.randrange(10, 9999)}.00"
                          for i in range(1, rng.randint(3, 15))]
        elif rng.random() < 0.4:
            # most council documents are OFFICIAL on every page, which is no protective
            # marking to hold for; and a contract speaks of the markings it does not bear
            text_lines = ["OFFICIAL", *text_lines, rng.choice(_MARKINGS_SPOKEN_OF)]
        attachments.append({"name": f"{subject.split()[0].lower()}.{ext}",
                            "text": "\n".join(text_lines)})
    lines += ["", _signoff(rng, first, last)]
    return _Mail(sender, [to], subject, "\n".join(lines) + "\n", attachments=attachments,
                 history=_background(rng))


_MARKINGS_SPOKEN_OF = [
    "Information marked OFFICIAL-SENSITIVE must not be sent to personal email accounts.",
    "The supplier will handle OFFICIAL-SENSITIVE information as the Government Security "
    "Classifications require.",
    "No SECRET material is in scope of this contract.",
]

_NEWS = [
    ("Community fun day", "The community fun day is on Saturday in the park, from 11 until 4."),
    ("Bin collection changes", "From next month your bin collection day may change; check the "
                               "website for your new day."),
    ("Residents' newsletter", "This month: the new library opening hours, the road resurfacing "
                              "on the high street and the tenants' forum."),
    ("Foster carers' update", "Thank you to all our foster carers; the summer events programme "
                              "is attached."),
    ("Warm spaces this winter", "The warm spaces at the library and the leisure centre are open "
                                "weekdays from 10."),
]


def _benign_newsletter(rng: random.Random) -> _Mail:
    team = f"{rng.choice(['communications', 'neighbourhoods', 'fostering.team', 'tenancy.team'])}" \
           f"@{INTERNAL}"
    bcc: list[str] = []
    while len(bcc) < rng.randint(20, 60):
        a = _webmail_address(rng)
        if a not in bcc:
            bcc.append(a)
    subject, text = rng.choice(_NEWS)
    footer = rng.choice(["Reply UNSUBSCRIBE to stop these.", "Please tell your neighbours."])
    body = (f"{rng.choice(['Dear residents,', 'Dear all,', 'Hello everyone,'])}\n\n{text}\n\n"
            f"{footer}\n\n"
            f"{_signoff(rng, rng.choice(FIRST), rng.choice(LAST))}\n")
    return _Mail(team, [team], subject, body, bcc=bcc)


def _benign_marked(rng: random.Random) -> _Mail:
    first, last, sender = _plain_sender(rng)
    roll = rng.random()
    if roll < 0.6:
        to = _partner_address(rng)
    else:
        sender = f"{rng.choice(['legal', 'childcare.lawyers', 'litigation'])}@{INTERNAL}"
        to = f"{rng.choice(['listings', 'bundles', 'family.court', 'prosecutions'])}@" \
             f"{rng.choice(['court', 'hmcts', 'cps', 'familycourt'])}.cjsm.net"
    mark = rng.choice(_MARKS)
    topic = rng.choice(["hearing bundle", "strategy meeting minutes", "MAPPA minutes",
                        "case conference", "information sharing request"])
    subject = f"{mark}: {topic}" if not mark.startswith("[") else f"{mark} {topic}"
    attachments: list[dict] = []
    if rng.random() < 0.5:
        p = _person(rng, rng.random() < 0.6)
        body, attachments = _referral(rng, p, _greeting(rng), _signoff(rng, first, last))
    else:
        note = rng.choice(["Bundle for Thursday.", "Minutes attached.", "As agreed."])
        body = (f"{_greeting(rng)}\n\n{note}\n"
                f"{' '.join(_decoys(rng, 0, 1))}\n\n{_signoff(rng, first, last)}\n")
    return _Mail(sender, [to], subject, body, attachments=attachments,
                 history=[_history(to, rng)] + _background(rng))


def _benign_payroll(rng: random.Random) -> _Mail:
    sender = f"{rng.choice(['payroll', 'hr.shared.services', 'pensions', 'hr.payroll'])}@{INTERNAL}"
    to = f"{rng.choice(['bureau', 'payroll', 'starters', 'clientservices'])}@" \
         f"{rng.choice(['payroll-services.co.uk', 'paybureau.com', 'northpay.co.uk'])}"
    p = _person(rng, False)
    what = rng.choice(["New starter", "Leaver", "Change of hours", "Tax code change"])
    nino = rng.choice([f"National Insurance number {p.nino}", f"NI number {p.nino}",
                       f"NINO: {p.nino}"])
    lines = [_greeting(rng), "", f"{what}: {p.first} {p.last}, {nino}.",
             rng.choice([f"Start date {rng.randrange(1, 29)}/{rng.randrange(1, 13)}/2026, "
                         f"grade {rng.randrange(3, 12)}.",
                         f"Tax code {rng.randrange(1000, 1300)}L, monthly paid.",
                         f"Last working day is {rng.randrange(1, 29)} "
                         f"{rng.choice(_MONTH_NAMES)}."])]
    lines += _decoys(rng, 0, 1) + ["", _signoff(rng, "Payroll", "Team")]
    return _Mail(sender, [to], what, "\n".join(lines) + "\n",
                 history=[_history(to, rng, 5, 60)] + _background(rng))


def _benign_officer_contacts(rng: random.Random) -> _Mail:
    first, last, sender = _plain_sender(rng)
    to = _external(rng)
    lines = [_greeting(rng, rng.choice(FIRST)), "",
             rng.choice(["Here are the contacts for the works next week:",
                         "Contact details for the site team are below:",
                         "As promised, the people to speak to on our side:"])]
    for _ in range(rng.randint(2, 5)):
        lines.append(f"- {_officer_line(rng)}")
    if rng.random() < 0.7:
        lines.append(f"Deliveries to the depot at {rng.randrange(1, 200)} "
                     f"{rng.choice(['Market Street', 'Station Road', 'Canal Wharf'])}, "
                     f"{testdata.postcode(rng)}.")
    if rng.random() < 0.5:
        lines.append(f"The contractor's site manager is {rng.choice(FIRST)} "
                     f"{rng.choice(LAST)}, mobile {testdata.mobile(rng)}.")
    lines += _decoys(rng, 0, 2) + ["", _signoff(rng, first, last)]
    subject = rng.choice(["Contacts", "Site contacts", "Who to call", "Works next week"])
    return _Mail(sender, [to], subject, "\n".join(lines) + "\n", history=_background(rng))


def _benign_encrypted_internal(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng, 0.4)
    to = [a for a in _colleagues(rng, rng.randint(1, 2)) if a != sender] or [_team(rng)]
    att = rng.choice([{"name": "files.zip", "encrypted": True},
                      {"name": "case_papers.zip", "encrypted": True},
                      {"name": "report.pdf", "encrypted": True}])
    note = rng.choice(["Password by phone.", "Password to follow.", "Usual password."])
    body = (f"{_greeting(rng)}\n\n{note}\n\n"
            f"{_signoff(rng, first, last)}\n")
    subject = rng.choice(["Files", "Case papers", "Report", "For the panel"])
    history = [_history(a, rng, 2, 40) for a in to if rng.random() < 0.5]
    return _Mail(sender, to, subject, body, attachments=[att], history=history)


_UNWELL = [
    "Sorry for the slow reply, I was off sick with flu last week.",
    "Apologies, I have been off with a bad back and am only now catching up.",
    "Sorry, I was at a GP appointment this morning and missed your call.",
    "I am back after my operation, so can pick this up again.",
    "Sorry for the delay, I have been off with covid.",
    "Thanks for your patience; I was in hospital for a few days but I'm fine now.",
    "Apologies, I was off sick and my medication made me very sleepy.",
]


_ASKED_IN = ["{cf}, could you book the visit for next week?",
             "{cf} - please can you send the letter to the GP?",
             "{cf}, thank you for picking this up.",
             "Copying in {cf}, who will see {child} next week.",
             "{hf} and {cf}, could you both let me know if Tuesday suits?"]


def _benign_reply_asks_a_colleague(rng: random.Random) -> _Mail:
    """A health visitor writes about a child; the answer goes back to her and to a colleague of
    hers the sender has never written to, whom it brings in by name ("Jo, could you book the
    visit?", "copying in Jo"). Until a request by name was read as bringing her in, "Jo,
    could you" made her someone outside the conversation, and the sender was asked to
    confirm."""
    first, last, sender = _plain_sender(rng)
    (hf, cf), (hl, cl) = rng.sample(FIRST, 2), rng.sample(LAST, 2)
    hv, colleague = f"{hf.lower()}.{hl.lower()}@nhs.net", f"{cf.lower()}.{cl.lower()}@nhs.net"
    child = _person(rng, True)
    asked = rng.choice(_ASKED_IN).format(cf=cf, hf=hf, child=child.first)
    when = _sent(rng, "02")
    body = (f"Hi {hf},\n\nThanks, that's helpful. {asked} For the file: {child.name}, "
            f"{_identifier(rng, child, ('nhs', 'dob'))}.\n\n{_signoff(rng, first, last)}\n\n"
            f"From: {hf} {hl} <{hv}>\nSent: {when}\nTo: {first} {last} <{sender}>\n"
            f"Subject: {child.first} - health visit\n\nHi {first}, {child.first} was seen "
            f"today.\n{hf}\n")
    return _Mail(sender, [f"{hf} {hl} <{hv}>"], f"RE: {child.first} - health visit", body,
                 cc=[f"{cf} {cl} <{colleague}>"],
                 history=[_history(hv, rng, 5, 40, replied=True)] + _background(rng))


_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
_ABOUT_THE_PARENT = [
    "{pf} has not engaged with the plan again, and {child} ({id}) missed the appointment.",
    "{pf} {pl} did not attend the core group, so {child}'s ({id}) plan is unchanged.",
    "{title} {pl} has been told that we will consider legal planning for {child} ({id}).",
    "{pf}'s tenancy is at risk, which affects {child} ({id}) too.",
    "{pf} (mum) said she would bring {child} ({id}) on {day}, but did not.",
    "I visited {pf} on {day} and she was not coping; {child} ({id}) was not at school.",
]
_TO_THE_PARENT = [
    ("Hi {hf} and {pf},", "{day} works for {child}'s ({id}) visit."),
    ("Hi {hf},", "{day} works for {child}'s ({id}) visit. {pf}, could you confirm you will "
     "be in?"),
    ("Hi both,", "the visit for {child} ({id}) is on {day} at 10am."),
    ("Hi {hf},", "thanks. I've copied in {pf} so she knows {child}'s ({id}) visit is on "
     "{day}."),
]


def _parent_thread(rng: random.Random) -> tuple[str, str, str, str, str, str, _Person, str]:
    """(sender's first name, surname and address, the health visitor's first name and
    address, the mother's, her child, the thread she started to both) for a reply to all."""
    first, last, sender = _plain_sender(rng)
    hf, pf, cf = rng.sample([n for n in FIRST if n != first], 3)
    hl, pl = rng.sample(LAST, 2)
    hv, parent = f"{hf.lower()}.{hl.lower()}@nhs.net", _webmail_address(rng, pf, pl)
    child = _person(rng, True)
    child = _Person(cf, pl, True, child.nhs, child.dob, child.nino)
    quoted = (f"From: {pf} {pl} <{parent}>\nSent: {_sent(rng)}\nTo: {first} {last} "
              f"<{sender}>\nCc: {hf} {hl} <{hv}>\nSubject: {cf} - visit\n\n"
              f"{rng.choice(_PARENT_ASKS).format(child=cf)}\n{pf}\n")
    return first, last, sender, f"{hf} {hl} <{hv}>", f"{pf} {pl} <{parent}>", parent, child, \
        quoted


def _risky_reply_all_about_the_parent(rng: random.Random) -> _Mail:
    """The mother writes to the sender and the health visitor; the answer to the health
    visitor about her ("Hi Sarah, Kerry has not engaged again") goes to all, the mother
    still on it, or (one time in five) to the mother alone. Every address is right; only the
    text says the message is about her. Until the text was read for whom it writes about,
    nothing was asked."""
    first, last, sender, hv, parent, address, child, quoted = _parent_thread(rng)
    hf, pf, pl = hv.split()[0], parent.split()[0], parent.split()[1]
    said = rng.choice(_ABOUT_THE_PARENT).format(
        pf=pf, pl=pl, title=rng.choice(["Ms", "Mrs", "Miss"]), child=child.first,
        id=_identifier(rng, child, ("nhs", "dob")), day=rng.choice(_DAYS))
    body = f"Hi {hf},\n\n{said}\n\n{_signoff(rng, first, last)}\n\n{quoted}"
    shape = rng.random()  # the mother in Cc, in To beside her, or alone: meant for the other
    to, cc = ([hv], [parent]) if shape < 0.4 else ([hv, parent], None) if shape < 0.8 else \
        ([parent], None)
    return _Mail(sender, to, f"RE: {child.first} - visit", body, cc=cc,
                 history=[_history(hv.partition("<")[2].rstrip(">"), rng, 5, 40),
                          _history(address, rng, 2, 6, replied=True)] + _background(rng))


def _benign_reply_to_the_parent(rng: random.Random) -> _Mail:
    """The same thread, answered to both: greeting the mother too, asking her by name, or
    telling her she is copied in. She is spoken to, not about."""
    first, last, sender, hv, parent, address, child, quoted = _parent_thread(rng)
    hf, pf = hv.split()[0], parent.split()[0]
    hello, said = rng.choice(_TO_THE_PARENT)
    fill = {"hf": hf, "pf": pf, "child": child.first, "day": rng.choice(_DAYS),
            "id": _identifier(rng, child, ("nhs", "dob"))}
    body = (f"{hello.format(**fill)}\n\n{said.format(**fill)}\n\n"
            f"{_signoff(rng, first, last)}\n\n{quoted}")
    return _Mail(sender, [hv, parent], f"RE: {child.first} - visit", body,
                 history=[_history(hv.partition("<")[2].rstrip(">"), rng, 5, 40),
                          _history(address, rng, 2, 6, replied=True)] + _background(rng))


_DOCUMENTS = ["assessment", "plan", "review", "report", "minutes"]


def _case_document(rng: random.Random, p: _Person, kind: str) -> dict:
    """A child's document as a council attaches it: a form with a Name field, or a report
    that gives the name with an identifier after it."""
    said = rng.choice(["attendance this term is 91%.", "is settled in Year 4.",
                       "will move to the new timetable from January."])
    if rng.random() < 0.5:
        lines = [f"Child and family {kind}", f"Name: {p.name}", _identifier(rng, p, ("nhs", "dob")),
                 f"{p.first} {said}"]
    else:
        lines = [f"{kind.capitalize()} for {p.name} ({_identifier(rng, p, ('nhs', 'dob'))})",
                 f"{p.first} {said}", "Next review in six weeks."]
    return {"name": f"{kind}.{rng.choice(['docx', 'pdf'])}", "text": "\n".join(lines)}


def _attachment_mail(rng: random.Random, right: bool) -> _Mail:
    """A child's document sent to the parent, the school or the health visitor, the message
    saying whose it is ("Jayden's assessment"): `right`, it is his; else the next child's on
    the officer's list, whom the message never names."""
    first, last, sender = _plain_sender(rng)
    # a child who shares the officer's or the health visitor's first name is read as them
    hf, hl = rng.choice([n for n in FIRST if n != first]), rng.choice(LAST)
    child, other = _person(rng, True), _person(rng, True)
    while child.first in (first, hf):
        child = _person(rng, True)
    while other.first in (child.first, first, hf) or other.last == child.last:
        other = _person(rng, True)
    kind = rng.choice(_DOCUMENTS)
    who = rng.randrange(3)
    if who == 0:
        parent = _person(rng, False)
        while parent.first in (child.first, other.first):
            parent = _person(rng, False)
        to = f"{parent.first} {child.last} <{_webmail_address(rng, parent.first, child.last)}>"
        hello = f"Dear {rng.choice(TITLES)} {child.last},"
    elif who == 1:
        to, hello = _school(rng), "Dear colleague,"
    else:
        to, hello = f"{hf} {hl} <{hf.lower()}.{hl.lower()}@nhs.net>", f"Hi {hf},"
    subject, note = rng.choice([
        (f"{child.first}'s {kind}", f"Please find attached the {kind} we discussed."),
        (f"RE: {child.first} {child.last} - {kind}", f"The {kind} is attached."),
        (kind.capitalize(), f"Please find attached {child.first}'s {kind}."),
    ])
    body = f"{hello}\n\n{note}\n\n{_signoff(rng, first, last)}\n"
    address = to.partition("<")[2].rstrip(">") or to
    return _Mail(sender, [to], subject, body,
                 attachments=[_case_document(rng, child if right else other, kind)],
                 history=[_history(address, rng, 2, 20)] + _background(rng))


def _risky_wrong_attachment(rng: random.Random) -> _Mail:
    """Jayden's assessment, asked for by name, with the next child's attached. Every address
    is right; until the attachment was read for whom it is about, nothing was asked."""
    return _attachment_mail(rng, right=False)


def _benign_right_attachment(rng: random.Random) -> _Mail:
    """The same message with Jayden's own document attached."""
    return _attachment_mail(rng, right=True)


def _benign_thread_reply(rng: random.Random) -> _Mail:
    first, last, sender = _sender(rng, 0.2)
    cf, cl = rng.choice(FIRST), rng.choice(LAST)
    domain = rng.choice([_company(rng), rng.choice(CARE), _school(rng).partition("@")[2]])
    to = f"{cf.lower()}.{cl.lower()}@{domain}"
    topic = rng.choice(["the training dates", "the room booking", "next term's timetable",
                        "the contract review", "the newsletter copy"])
    body = (f"Hi {cf},\n\n{rng.choice(_UNWELL)} "
            f"{rng.choice(['Thursday works for me.', 'Draft tomorrow.', 'Happy to go ahead.'])}\n\n"
            f"{_signoff(rng, first, last)}\n\n"
            f"On {rng.randrange(1, 29)} {rng.choice(_MONTH_NAMES)} 2026, {cf} {cl} wrote:\n"
            f"> Hi {first}, just checking in about {topic}.\n> Thanks, {cf}\n")
    mid = f"<{rng.randrange(10**8, 10**9)}.{cl.lower()}@mail.example>"
    subject = f"Re: {topic[4:].capitalize() if topic.startswith('the ') else topic}"
    return _Mail(sender, [to], subject, body,
                 history=[_history(to, rng, 3, 40, replied=True)] + _background(rng),
                 headers=[("In-Reply-To", mid), ("References", mid)])


# Lines a public body's signature and footer carry: employer schemes, charters and adverts
# for helplines (written for these scenarios in the shape such footers take).
_FOOTERS = [
    "Disability Confident Employer",
    "We are a Disability Confident Leader | Mindful Employer | Armed Forces Covenant",
    "Disability Confident: Committed",
    "Working towards becoming a Dementia Friendly Council",
    "I am a Dementia Friend. Ask me about it.",
    "I am a Mental Health First Aider - if you need to talk, get in touch.",
    "Proud signatory of the Mental Health at Work Commitment",
    "Time to Change Employer Pledge",
    "Stonewall Diversity Champion | LGBT+ inclusive employer",
    "An Autism Friendly service",
    "If you are deaf or hard of hearing you can contact us by text relay on 18001 0161 496 0000.",
    "If you are experiencing domestic abuse, help is available 24 hours a day on the National "
    "Domestic Abuse Helpline.",
    "This email is confidential and may contain personal information. If you have received it "
    "in error, please tell the sender and delete it.",
]
_RESIDENT_TOPICS = [
    ("Your repair", "the joiner will call on {day} morning to look at the back door."),
    ("Bin collection", "your missed collection has been logged and the crew will come on {day}."),
    ("Your enquiry", "thank you for your email. I have passed it to the team, who will reply by "
                     "{day}."),
    ("Parking permit", "your visitor permit has been renewed and will arrive in the post by "
                       "{day}."),
    ("Community centre booking", "the hall is booked for you from 2pm on {day}; the key is at "
                                 "reception."),
    ("Interview", "we would like to invite you to interview on {day} at 10am. Please let us "
                  "know if you have a disability and need any adjustments on the day."),
    ("Your enquiry", "you can apply for a Blue Badge online. If you have a disability that "
                   "affects your mobility you may qualify. I will ring you on {day}."),
    ("Your enquiry", "you may be eligible for free school meals; the form is on our website "
                     "and we aim to reply by {day}."),
    ("Major works", "as a leaseholder you will receive a Section 20 notice about the roof "
                    "works on {day}; the consultation lasts 30 days."),
    ("Parking", "part of the car park will be sectioned off on {day} for resurfacing, so "
                "please use the rear entrance."),
    ("Your start date", "welcome aboard: your probation period starts on {day} and lasts six "
                        "months."),
    ("Thank you", "thank you for helping at the Macmillan Cancer Support coffee morning on "
                  "{day}; we raised 400 pounds."),
    ("Interfaith forum", "the next interfaith forum is at the Hindu Temple on Hyde Road on "
                         "{day}; the Sikh Gurdwara hosts the one after."),
    ("Repairs", "if the damage was caused by misuse you will be charged with the cost of the "
                "repair; the surveyor calls on {day}."),
    ("Consultation event", "the drop-in is at the Civic Hall on {day} from 4pm. There is "
                           "step-free access for disabled visitors, a disabled toilet and Blue "
                           "Badge parking at the rear."),
]


def _benign_resident_reply(rng: random.Random) -> _Mail:
    """An officer's first reply to a resident at a personal address: greeted by name, about
    nothing personal, signed with the council's schemes and helplines."""
    first, last, sender = _plain_sender(rng)
    resident = _person(rng, False)
    to = _webmail_address(rng, resident.first, resident.last)
    subject, text = rng.choice(_RESIDENT_TOPICS)
    day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    footer = "\n".join(rng.sample(_FOOTERS, rng.randint(1, 3)))
    text = text.format(day=day)
    body = (f"{rng.choice(['Dear', 'Hi', 'Hello'])} {resident.first},\n\n"
            f"{text[0].upper()}{text[1:]}\n\n"
            f"{_signoff(rng, first, last)}\n\n{footer}\n")
    return _Mail(sender, [to], subject, body, history=_background(rng))


# The posts and teams of social care and health staff, as their signatures give them.
_CARE_POSTS = [
    "Supervising Social Worker\nFostering Team", "Case Manager, Youth Offending Team",
    "MASH Social Worker | Multi-Agency Safeguarding Hub", "Clinical Psychologist, CAMHS",
    "Social Worker, Disabled Children's Team", "Personal Advisor, Leaving Care Team",
    "SEN Caseworker\nSpecial Educational Needs Team", "IDVA, Domestic Abuse Service",
    "Approved Mental Health Professional (AMHP)", "Child Protection Chair",
    "Substance Misuse Worker | Recovery Service", "Looked After Children Nurse",
]
_ARRANGEMENTS = [
    "Just confirming I can come to the meeting on {day} at 10am at the community centre.",
    "I have booked the room for {day} afternoon; I will bring the forms we talked about.",
    "Thank you for the call earlier. I will ring you again on {day} as agreed.",
    "The training session has moved to {day}; the venue is the same.",
]


def _benign_care_arrangements(rng: random.Random) -> _Mail:
    """A social worker's or nurse's first message to a carer or a parent at a personal
    address: greeted by name, about a meeting, signed with the writer's post and team."""
    first, last, sender = _sender(rng, 1.0)
    carer = _person(rng, False)
    to = _webmail_address(rng, carer.first, carer.last)
    day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    signoff = rng.choice(["Kind regards,\n\n", "Many thanks\n", "Best wishes\n", ""])
    body = (f"{rng.choice(['Dear', 'Hi', 'Hello'])} {carer.first},\n\n"
            f"{rng.choice(_ARRANGEMENTS).format(day=day)}\n\n"
            f"{signoff}{first} {last}\n{rng.choice(_CARE_POSTS)}\nExample Council\n"
            f"Tel: {_phone(rng)}\n")
    return _Mail(sender, [to], rng.choice(["Meeting", f"{day}", "Arrangements"]), body,
                 history=_background(rng))


# An out-of-office signposting help: the people it names are to be contacted instead.
_OOF_SIGNPOSTS = [
    "I am on leave until {day}. If you have a safeguarding concern about a child, call the "
    "MASH on {phone}, or my manager {contact}.",
    "Thank you for your email. I am attending a child protection conference today and will "
    "reply on {day}. If it is urgent, please contact {contact}, Team Manager, on {phone}.",
    "I am out of the office until {day}. For safeguarding referrals call {contact} on {phone}.",
    "I am on annual leave. Any child protection matters should go to my colleague {contact}.",
    "I am working from home today with limited access to email. For mental health support "
    "out of hours, call Samaritans on 116 123.",
    "I am on leave until {day}. In my absence please contact {contact} about any safeguarding "
    "concerns.",
    "I am away until {day}. For the Youth Offending Team please ring {contact} on {phone}.",
]
# ... and one telling every stranger who writes in where the writer is, and with whom.
_OOF_CASES = [
    "I am out of the office today for {child}'s child protection conference with {their} "
    "mother, {parent}. I will reply on {day}.",
    "I am at court today for {child}'s care proceedings; {parent} is there too. Back on {day}.",
    "I am at the hospital with {child}, who self-harmed last night, and {parent}. Back {day}.",
    "I am at {child}'s strategy meeting with {parent} until 3pm. Please contact {contact} on "
    "{phone}.",
]


# ... the same by the child's first name alone ({name}), and the writer's name and team in the
# signature: every stranger who writes in is told whose care proceedings they are.
_OOF_FIRST_NAME_CASES = [
    "I am in court today for {name}'s care proceedings and will reply on {day}.",
    "I am out of the office at {name}'s child protection conference. Back on {day}.",
    "I am at the hospital with {name}, who self-harmed last night. Back {day}.",
    "I am at a strategy meeting about {name} after {their} disclosure of sexual abuse; back "
    "at 3pm.",
    "Today I am supporting {name} at {their} CAMHS assessment. I will reply on {day}.",
    "I am at {name}'s looked after child review until 4pm. For anything urgent call {contact} "
    "on {phone}.",
]
# ... and signposts naming a colleague by first name alone ({cover}), to ask for or to go to
# instead, or the writer herself ({own}), with a place's possessive: no one's case.
_OOF_FIRST_NAME_SIGNPOSTS = [
    "I am on leave until {day}. {cover} in the team will cover any child protection concerns.",
    "I am out of the office until {day}. For child protection matters please call Duty on "
    "{phone} and ask for {cover}.",
    "I am on annual leave. If you have a safeguarding concern about a child, please speak with "
    "{cover} or the MASH on {phone}.",
    "I have left my child protection cases with {cover} while I am away; back on {day}.",
    "I am at a child protection conference today and back on {day}; {cover}'s team will take "
    "urgent child protection calls on {phone}.",
    "I am at a child protection training day at St Mary's and back on {day}.",
    "{own} is out of the office until {day}: child protection concerns to the MASH on {phone}.",
    "Back on {day}. Child protection concerns: {cover} (Team Manager) on {phone}.",
]
# Children's first names of the last twenty years, for the first-name kinds
_CHILD_FIRST = ["Kayden", "Tyler", "Alfie", "Poppy", "Leah", "Mason", "Freya", "Riley", "Evie",
                "Kacper", "Amelia", "Harley", "Lexi", "Jayden", "Maisie", "Zain", "Ruby", "Logan",
                "Aaliyah", "Finley"]


def _out_of_office(rng: random.Random, templates: list[str]) -> _Mail:
    """An automatic reply (RFC 3834) from a social worker to a resident who wrote in."""
    first, last, sender = _officer(rng, rng.choice(["childrens", "adults"]))
    text = _oof_fill(rng, rng.choice(templates), last, first).replace("{own}", first)
    resident = _person(rng, False)
    to = _webmail_address(rng, resident.first, resident.last)
    body = f"{text}\n\n{first} {last}\n{rng.choice(_CARE_POSTS)}\n"
    subject = f"Automatic reply: {rng.choice(['Tuesday', 'My son', 'Query', 'Meeting'])}"
    return _Mail(sender, [to], subject, body, history=_background(rng),
                 headers=[("Auto-Submitted", "auto-replied")])


def _other(rng: random.Random, names: list[str], not_this: str) -> str:
    """One of `names` that is not the writer's own (a child of her name is read as her)."""
    name = rng.choice(names)
    while name == not_this:
        name = rng.choice(names)
    return name


def _oof_fill(rng: random.Random, template: str, sender_last: str, sender_first: str) -> str:
    child = _person(rng, True)
    while child.last == sender_last:  # a family of the writer's own name is another story
        child = _person(rng, True)
    return template.format(
        day=rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
        phone=_phone(rng), contact=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        child=f"{child.first} {child.last}", their=rng.choice(["his", "her"]),
        parent=f"{rng.choice(['Mrs', 'Ms'])} {child.last}",
        # drawn only for the kinds that write them, so the others' messages stay as they were
        name=_other(rng, _CHILD_FIRST, sender_first) if "{name}" in template else "",
        cover=_other(rng, FIRST, sender_first) if "{cover}" in template else "", own="{own}")


def _benign_out_of_office(rng: random.Random) -> _Mail:
    return _out_of_office(rng, _OOF_SIGNPOSTS)


def _risky_out_of_office(rng: random.Random) -> _Mail:
    return _out_of_office(rng, _OOF_CASES)


def _benign_out_of_office_first_names(rng: random.Random) -> _Mail:
    return _out_of_office(rng, _OOF_FIRST_NAME_SIGNPOSTS)


def _risky_out_of_office_first_name(rng: random.Random) -> _Mail:
    return _out_of_office(rng, _OOF_FIRST_NAME_CASES)


# ------------------------------------------------------------------ answers to residents

# What a resident writes in about herself ({own}: her condition or circumstance; {ni}: her NI
# number), and the questions an officer answers.
_RESIDENT_ASKS = [
    ("Council tax reduction", "I have been off work with {own} and now claim ESA. My NI number "
     "is {ni}. Can my council tax reduction be looked at again?\nIs there a discount for a "
     "single person?"),
    ("Housing application", "I am writing about my housing application. I have {own} and the "
     "stairs are getting hard. My NI number is {ni}.\nHow long is the waiting list?"),
    ("Blue Badge", "I was diagnosed with {own} last year and would like to apply for a Blue "
     "Badge. My NI number is {ni}.\nDo I need a letter from my GP?"),
]
_OWN = ["depression", "epilepsy", "multiple sclerosis", "a heart condition", "COPD"]
# How an answer opens: above the quote, saying it is written inside it, or not
_INLINE_OPENINGS = ["My answers are below in red.", "Please see my answers below in blue.",
                    "I have answered your questions below.", "See my comments inline.",
                    "I have replied to each of your points below."]
_PLAIN_OPENINGS = ["Thank you for your email below.", "In response to your email below, I "
                   "have looked into this.", "Thank you for getting in touch.",
                   "Thanks for your reply below; I have passed it on."]
# What a caseworker writes inside the quote, under a question: a third party's special-category
# data ({first} {last}), which no one outside the council should read
_INLINE_ANSWERS = [
    "[{officer}] Not at the moment: your neighbour {first} {last} at number 14 was given the "
    "last one after her cancer diagnosis.",
    "[{officer}] About two years. {first} {last}, who asked the same, waited longer because of "
    "his schizophrenia and the move from the mental health unit.",
    "[{officer}] No; {first} {last} sent one in for her dementia and it was refused.",
]


def _answer_to_resident(rng: random.Random, inline: bool) -> _Mail:
    """An officer's answer to a resident who wrote in about herself, quoting her message in
    Outlook's layout below it, to her alone. `inline`: the answer says it is written inside the
    quote and adds, under her last question, another resident's special-category data."""
    first, last, sender = _plain_sender(rng)
    resident = _person(rng, False)
    to = _webmail_address(rng, resident.first, resident.last)
    subject, asked = rng.choice(_RESIDENT_ASKS)
    asked = asked.format(own=rng.choice(_OWN), ni=resident.nino)
    opening = rng.choice(_INLINE_OPENINGS if inline else _PLAIN_OPENINGS)
    if inline:
        other = _other(rng, FIRST, resident.first)
        asked += "\n" + rng.choice(_INLINE_ANSWERS).format(
            officer=f"{first} {last}", first=other, last=rng.choice(LAST))
    when = _sent(rng)
    body = (f"Dear {rng.choice(TITLES)} {resident.last},\n\n{opening}\n\n"
            f"{_signoff(rng, first, last)}\n\n"
            f"From: {resident.first} {resident.last} <{to}>\nSent: {when}\n"
            f"To: {first} {last} <{sender}>\nSubject: {subject}\n\n{asked}\n")
    return _Mail(sender, [to], f"RE: {subject}", body, history=_background(rng))


def _risky_inline_answer(rng: random.Random) -> _Mail:
    return _answer_to_resident(rng, True)


def _benign_answer_to_resident(rng: random.Random) -> _Mail:
    return _answer_to_resident(rng, False)


# ------------------------------------------------------------------ Welsh

# Welsh names as the names tables hold them, and Welsh council mail, written for these
# scenarios: case mail in Welsh alone (as Gwynedd, Ynys Môn and Ceredigion work, and as any
# Welsh council writes to a family that asked for Welsh), and everyday Welsh and bilingual mail
# whose words ("gofal", "iechyd", "Bwrdd Iechyd") are about services, not people.
_CY_FIRST = ["Cai", "Elin", "Gruffydd", "Nia", "Osian", "Ffion", "Dafydd", "Lowri", "Iwan",
             "Catrin", "Rhodri", "Megan", "Ioan", "Gwen", "Tomos", "Mared"]
_CY_LAST = ["Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis",
            "Morgan", "Griffiths", "Owen", "Parry", "Pritchard", "Lloyd", "Rees", "Price"]
_CY_DAYS = ["ddydd Llun", "ddydd Mawrth", "ddydd Mercher", "ddydd Iau", "ddydd Gwener"]
_CY_MONTHS = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
              "Medi", "Hydref", "Tachwedd", "Rhagfyr"]
_CY_SIGNOFF = ["Cofion cynnes,", "Cofion,", "Yn gywir,", "Diolch,", "Cofion gorau,"]
_CY_ROLES = ["Gweithiwr Cymdeithasol", "Rheolwr Tîm", "Gweithiwr Cymorth i Deuluoedd",
             "Swyddog Cyswllt", "Ymarferydd Arweiniol"]
# Case mail: {child} the child's full name, {first} the first name, {ident} an identifier,
# {day} a day; each says something special-category about the child or the adult.
_CY_CASES = [
    "Rwy'n ysgrifennu ynglŷn â'r gynhadledd amddiffyn plant ar gyfer {child} ({ident}). Bydd y "
    "gynhadledd yn cael ei chynnal {day} am 10 y bore yn Swyddfa'r Cyngor.",
    "Mae'r atgyfeiriad diogelu am {child} ({ident}) wedi dod i law. Byddaf yn eich ffonio {day} "
    "i drafod y pryderon diogelu a godwyd gan yr ysgol.",
    "Mae gan {child} ({ident}) apwyntiad gyda'r seiciatrydd {day} am 2 y prynhawn. Mae {first} "
    "wedi bod yn hunan-niweidio eto ac rydym yn poeni am ei iechyd meddwl.",
    "Bydd {child} ({ident}) yn symud i'w leoliad maeth newydd {day}. Mae'r gofalwyr maeth wedi "
    "cael copi o'i gynllun gofal.",
    "Mae {first} yn blentyn sy'n derbyn gofal ers mis Mawrth. Dyma fanylion {child} ({ident}) "
    "ar gyfer yr adolygiad {day}.",
    "Mae apwyntiad {child} ({ident}) yn yr ysbyty {day} i drafod ei ddiabetes a'i feddyginiaeth.",
    "Cefais air gyda'r ysgol am {child} ({ident}). Mae'r heddlu'n ymchwilio i honiad o gam-drin "
    "corfforol gartref, a bydd cyfarfod strategaeth {day}.",
    "Asesiad gofal cymdeithasol i oedolion: mae {child} ({ident}) wedi cael diagnosis o ddementia "
    "ac mae'n byw ar ei phen ei hun. Byddaf yn ymweld {day} i gwblhau'r asesiad galluedd "
    "meddyliol.",
    "Ers iddi gael ei rhyddhau o'r ysbyty mae {child} ({ident}) yn dioddef o iselder. Mae'r "
    "tîm yn trefnu ymweliad {day}.",
    "Fel y trafodwyd, mae {first} wedi datgelu cam-drin domestig gan ei phartner. Dyma fanylion "
    "{child} ({ident}) ar gyfer y cyfarfod {day}.",
]
# Everyday Welsh and bilingual mail to residents: {first} the resident, {day} a day.
_CY_EVERYDAY = [
    ("Casglu biniau / Bin collection",
     "Diolch am eich neges. Bydd eich biniau ailgylchu'n cael eu casglu {day} yr wythnos hon "
     "oherwydd gŵyl y banc.\n\nThank you for your email. Your recycling will be collected {day} "
     "this week because of the bank holiday."),
    ("Treth y Cyngor", "Mae eich bil treth y cyngor ar gyfer 2026/27 wedi'i anfon. Gallwch "
     "dalu drwy ddebyd uniongyrchol ar ein gwefan, neu ffonio'r tîm refeniw {day}."),
    ("Cais cynllunio", "Mae eich cais cynllunio ar gyfer estyniad i'r tŷ wedi'i gofrestru. "
     "Bydd swyddog cynllunio'n ymweld â'r safle {day}; mae'r cyfnod ymgynghori'n para 21 "
     "diwrnod."),
    ("Llyfrgell", "Mae'r llyfrau a archebwyd gennych yn barod i'w casglu o Lyfrgell "
     "Caernarfon. Mae'r llyfrgell ar agor tan 7 yr hwyr {day}."),
    ("Dyddiadau tymor ysgol", "Bydd tymor yr hydref yn dechrau {day}, 2 Medi. Bydd yr ysgol ar "
     "gau i ddisgyblion ar 24 Hydref ar gyfer hyfforddiant staff. Mae prydau ysgol am ddim i bob "
     "disgybl cynradd."),
    ("Cymhorthfa'r cynghorydd", "Bydd y Cynghorydd yn cynnal cymhorthfa yn Neuadd y Pentref, "
     "Llangefni, {day} rhwng 6 a 7 yr hwyr. Does dim angen apwyntiad."),
    ("Swydd wag: Gweithiwr Gofal Cartref", "Diolch am eich diddordeb yn swydd Gweithiwr Gofal "
     "Cartref yn nhîm Gofal Cymdeithasol Oedolion. Y dyddiad cau yw {day}. Rydym yn gyflogwr "
     "Hyderus o ran Anabledd ac yn croesawu ceisiadau gan bobl anabl. Os oes gennych anabledd "
     "ac angen addasiadau ar gyfer y cyfweliad, rhowch wybod i ni."),
    ("Digwyddiad ymgynghori", "Bydd y sesiwn galw heibio yn Aberystwyth, Ceredigion {day} o 4 "
     "y prynhawn. Mae toiled anabl a lle parcio anabl ger y fynedfa."),
    ("Brechu'r hydref", "Mae Bwrdd Iechyd Prifysgol Betsi Cadwaladr yn cynnal clinigau brechu "
     "ffliw yn y ganolfan hamdden {day}. Mae'r clinig ar gyfer pawb dros 65."),
    ("Cofrestru gofalwyr", "Rydym wedi anfon eich ffurflen at Gofal Cymdeithasol Cymru, sy'n "
     "cofrestru gweithwyr gofal. Byddant yn cysylltu {day}."),
    ("Hyfforddiant", "Mae lle i chi ar y cwrs Cymorth Cyntaf Iechyd Meddwl {day} yng Nghanolfan "
     "Ddinesig Bangor. Cofiwch ddod â chinio."),
    ("Maethu", "Diolch am ddod i'r noson wybodaeth am faethu. Os hoffech ddod yn ofalwr maeth, "
     "bydd rhywun o Maethu Cymru yn eich ffonio {day}."),
    ("Wythnos Ymwybyddiaeth", "Mae Wythnos Ymwybyddiaeth Iechyd Meddwl yn dechrau {day}. Mae "
     "taflenni am wasanaethau iechyd meddwl lleol ar gael yn y dderbynfa."),
    ("Parcio", "Bydd rhan o'r maes parcio ym Mhorthmadog ar gau {day} ar gyfer gwaith ar yr "
     "wyneb. Defnyddiwch y fynedfa gefn, os gwelwch yn dda."),
]
_CY_FOOTERS = [
    "Rydym yn croesawu gohebiaeth yn Gymraeg. We welcome correspondence in Welsh.",
    "Cyflogwr Hyderus o ran Anabledd | Disability Confident Employer",
    "Os ydych chi'n profi cam-drin domestig, ffoniwch linell gymorth Byw Heb Ofn ar 0808 80 "
    "10 800.",
    "Os ydych chi'n fyddar neu'n drwm eich clyw, gallwch gysylltu â ni drwy Relay UK.",
    "Mae'r neges hon yn gyfrinachol. Os cawsoch hi drwy gamgymeriad, rhowch wybod i'r anfonwr.",
]


def _cy_identifier(rng: random.Random, p: _Person) -> str:
    """One strong identifier, written in Welsh."""
    day, month, year = p.dob.split("/")
    return rng.choice([f"rhif GIG {p.nhs}", f"Rhif GIG: {p.nhs}", f"dyddiad geni {p.dob}",
                       f"ganwyd {int(day)} {_CY_MONTHS[int(month) - 1]} {year}"])


def _cy_person(rng: random.Random, child: bool) -> _Person:
    p = _person(rng, child)
    return dataclasses.replace(p, first=rng.choice(_CY_FIRST), last=rng.choice(_CY_LAST))


def _risky_welsh_case(rng: random.Random) -> _Mail:
    """Welsh-only case mail about a named child or adult, to a parent's or relative's new
    personal address; from social care or, as often, from another service (a school, health,
    housing), whose sender's team says nothing."""
    first, last, sender = _sender(rng)
    p = _cy_person(rng, rng.random() < 0.7)
    to = _webmail_address(rng, rng.choice(_CY_FIRST), p.last)
    text = rng.choice(_CY_CASES).format(child=p.name, first=p.first, ident=_cy_identifier(rng, p),
                                        day=rng.choice(_CY_DAYS))
    body = (f"Annwyl {rng.choice(['Mrs', 'Mr', 'Ms'])} {p.last},\n\n{text}\n\n"
            f"{rng.choice(_CY_SIGNOFF)}\n{first} {last}\n{rng.choice(_CY_ROLES)}\n")
    subject = rng.choice(["Cyfarfod", f"{p.first}", "Diweddariad", "Apwyntiad", "Cyfrinachol"])
    return _Mail(sender, [to], subject, body, history=_background(rng))


def _benign_welsh_everyday(rng: random.Random) -> _Mail:
    """An officer's reply, in Welsh or in both languages, to a resident's personal address:
    greeted by name, about a service, with the council's Welsh footers."""
    first, last, sender = _plain_sender(rng)
    resident = _cy_person(rng, False)
    to = _webmail_address(rng, resident.first, resident.last)
    subject, text = rng.choice(_CY_EVERYDAY)
    footer = "\n".join(rng.sample(_CY_FOOTERS, rng.randint(1, 3)))
    body = (f"{rng.choice(['Annwyl', 'Helo', 'Shwmae'])} {resident.first},\n\n"
            f"{text.format(day=rng.choice(_CY_DAYS))}\n\n{rng.choice(_CY_SIGNOFF)}\n"
            f"{first} {last}\n\n{footer}\n")
    return _Mail(sender, [to], subject, body, history=_background(rng))


# ------------------------------------------------------------------ the corpus

# kind -> (risky, builder, wanted action or "")
KINDS: dict[str, tuple[bool, Callable[[random.Random], _Mail], str]] = {
    "lookalike-domain": (True, _risky_lookalike, ""),
    "new-personal-webmail": (True, _risky_new_webmail, ""),
    "list-to-new-organisation": (True, _risky_bulk_list, ""),
    "bulk-exposure": (True, _risky_bulk_exposure, ""),
    "marked-to-insecure": (True, _risky_marked, ""),
    "confusable-contact": (True, _risky_confusable, ""),
    "unreadable-attachment": (True, _risky_unreadable, ""),
    "address-slip": (True, _risky_slip, ""),
    "reply-to-namesake": (True, _risky_reply_to_namesake, ""),
    "top-suggestion": (True, _risky_top_suggestion, ""),
    "circular-namesake": (True, _risky_circular_namesake, ""),
    "colleagues-namesake": (True, _risky_colleagues_namesake, ""),
    "social-care-to-non-partner": (True, _risky_social_care, "confirm"),
    "out-of-office-case": (True, _risky_out_of_office, "confirm"),
    "out-of-office-first-name": (True, _risky_out_of_office_first_name, "confirm"),
    "answer-inside-quote": (True, _risky_inline_answer, "confirm"),
    "answer-to-namesake-address": (True, _risky_answer_to_namesake_address, ""),
    "reply-all-about-the-parent": (True, _risky_reply_all_about_the_parent, "confirm"),
    "wrong-attachment": (True, _risky_wrong_attachment, "confirm"),
    "referral-to-partner": (False, _benign_partner_referral, ""),
    "internal": (False, _benign_internal, ""),
    "business-to-supplier": (False, _benign_business, ""),
    "newsletter-in-bcc": (False, _benign_newsletter, ""),
    "marked-to-secure": (False, _benign_marked, ""),
    "ni-number-to-payroll-bureau": (False, _benign_payroll, "log"),
    "officer-contacts": (False, _benign_officer_contacts, ""),
    "encrypted-internal": (False, _benign_encrypted_internal, ""),
    "thread-reply": (False, _benign_thread_reply, ""),
    "case-contact": (False, _benign_case_contact, ""),
    "namesake-written-to": (False, _benign_namesake_written_to, ""),
    "resident-reply": (False, _benign_resident_reply, ""),
    "care-arrangements": (False, _benign_care_arrangements, ""),
    "out-of-office": (False, _benign_out_of_office, ""),
    "out-of-office-first-names": (False, _benign_out_of_office_first_names, ""),
    "answer-to-resident": (False, _benign_answer_to_resident, ""),
    "reply-asks-a-colleague": (False, _benign_reply_asks_a_colleague, ""),
    "reply-to-the-parent": (False, _benign_reply_to_the_parent, ""),
    "right-attachment": (False, _benign_right_attachment, ""),
    "welsh-case-to-webmail": (True, _risky_welsh_case, ""),
    "welsh-everyday": (False, _benign_welsh_everyday, ""),
}
# The Welsh kinds, reported apart so the English figures read as before they were added.
WELSH_KINDS = ("welsh-case-to-webmail", "welsh-everyday")
RISKY_KINDS = tuple(k for k, (risky, _, _) in KINDS.items() if risky)
BENIGN_KINDS = tuple(k for k, (risky, _, _) in KINDS.items() if not risky)


def _example(kind: str, i: int, mail: _Mail) -> Example:
    return Example(
        name=f"{kind} #{i + 1}", file="testscenarios", line=0, rule="",
        sender=mail.sender, to=tuple(mail.to), cc=tuple(mail.cc or ()),
        bcc=tuple(mail.bcc or ()), subject=mail.subject, body=mail.body,
        headers=tuple(mail.headers or ()), attachments=tuple(mail.attachments or ()),
        history=tuple(mail.history or ()), expect_action=None, organisation=_organisation(),
    )


def generate(n_per_kind: int = 20, seed: int = 2026) -> list[Scenario]:
    """`n_per_kind` scenarios of every kind, risky kinds first, each kind in its own block.

    Each kind draws from its own random stream (seeded by `seed` and the kind), so a
    larger corpus extends a smaller one and adding a kind changes no other kind.
    """
    out = []
    for kind, (risky, build, wanted) in KINDS.items():
        rng = random.Random(f"{seed}:{kind}")
        for i in range(n_per_kind):
            out.append(Scenario(kind, risky, _example(kind, i, build(rng)), wanted))
    return out
