"""Is this domain dressed up as one we know? Pure functions, no I/O.

The forms of a misdirection by domain: a typo (nhs.nte, gmial.com), a letter
swapped for a look-alike from another script or width (ｇmail.com, nhs.nеt with
a Cyrillic е, punycode xn--...), a swapped or added suffix (nhs.net -> nhs.com,
leeds.gov.uk -> leeds.co.uk, nhs.net.example.com), and hyphen or dot games
(nhs-net.com), and a reference's whole name with words added (nhs-net-secure.com,
mail.nhsnet.co.uk). Each check returns the reference it imitates and why.

Most references are domains the sender or the organisation happens to write to, so a
change of one letter in a three-letter name or a word added to a common one is left to
chance (uol.com is not aol.com, royal-mail.com not mail.com). The organisation's own and
its declared partners' domains are `strict` references: nothing but they may spell them.
"""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from collections.abc import Iterable

# The suffixes under which organisations register names, longest first matters.
SUFFIXES = sorted((
    "gov.uk", "nhs.uk", "police.uk", "sch.uk", "ac.uk", "co.uk", "org.uk", "ltd.uk", "plc.uk",
    "net.uk", "me.uk", "mod.uk", "gov.scot", "gov.wales", "com", "net", "org", "uk",
    "co", "io", "info", "biz", "eu", "ie", "gov", "edu", "scot", "wales", "cymru", "london",
    "email", "me", "org.au", "com.au", "co.nz", "ca", "de", "fr", "nl", "es", "it",
    "nhs.scot", "nhs.wales", "llyw.cymru", "parliament.uk", "mil", "at", "ch", "ru", "pl",
), key=len, reverse=True)

# Suffixes whose names only vetted public bodies hold: leeds.ac.uk (the university) is not
# leeds.gov.uk dressed up, and no one can register it to pose as the council. A name under
# one of these may still be a slip from a neighbour's (harlow.gov.uk for harrow.gov.uk).
CONTROLLED = frozenset((
    "gov.uk", "nhs.uk", "police.uk", "sch.uk", "ac.uk", "mod.uk", "gov.scot", "gov.wales",
    "nhs.scot", "nhs.wales", "llyw.cymru", "parliament.uk", "gov", "edu", "mil",
))

# In the order a look-alike is compared with them: the UK's first, so "yahoo.co" is said to
# imitate yahoo.com, not the alphabet's first, yahoo.ca
WEBMAIL_ORDER = (
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.co.uk", "outlook.com", "live.com",
    "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com",
    "mac.com", "aol.com", "aol.co.uk", "btinternet.com", "btopenworld.com", "sky.com",
    "virginmedia.com", "ntlworld.com", "talktalk.net", "tiscali.co.uk", "protonmail.com",
    # the UK's older and smaller providers, still in residents' use
    "blueyonder.co.uk", "virgin.net", "plus.com", "freeserve.co.uk", "o2.co.uk", "orange.net",
    "orange.co.uk", "uwclub.net", "tesco.net", "talk21.com", "fsmail.net", "fastmail.com",
    "fastmail.fm", "tutanota.com", "tuta.io", "hushmail.com",
    "proton.me", "gmx.com", "gmx.co.uk", "mail.com", "zoho.com", "yandex.com",
    # the same providers abroad, where residents and relatives write from: each is the
    # provider's real domain, not its name under a stranger's suffix
    "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es", "hotmail.ie", "outlook.fr",
    "outlook.de", "outlook.ie", "outlook.es", "live.ie", "live.fr", "live.de", "live.it",
    "yahoo.fr", "yahoo.de", "yahoo.ie", "yahoo.es", "yahoo.it", "yahoo.ca", "yahoo.com.au",
    "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "web.de", "t-online.de", "protonmail.ch",
    "pm.me", "email.com", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "libero.it",
    "eircom.net", "mail.ru", "yandex.ru", "rediffmail.com", "qq.com", "163.com", "wp.pl",
    "o2.pl", "seznam.cz", "bigpond.com", "shaw.ca", "comcast.net",
)
WEBMAIL = frozenset(WEBMAIL_ORDER)

# Characters that pass for Latin letters: Cyrillic, Greek and others with the same
# shape, and digit-for-letter swaps; NFKC already folds full-width forms.
_CONFUSABLE = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i",
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "τ": "t", "κ": "k", "ι": "i", "ε": "e", "υ": "u",
    "օ": "o", "ո": "n", "ս": "u", "հ": "h", "ց": "g", "ɑ": "a", "ɩ": "i", "ʏ": "y",
    "0": "o", "1": "l", "3": "e", "5": "s", "@": "a", "$": "s",
})


@functools.lru_cache(maxsize=1 << 16)
def unicode_domain(domain: str) -> str:
    """xn-- labels decoded, so their look-alike letters can be seen."""
    labels = []
    for label in domain.lower().rstrip(".").split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def shown(domain: str) -> str:
    """A domain as a sender's explanation names it: as their mail client showed it, with the
    form it travels in beside it when that differs ("nhs.nеt (nhs.xn--nt-nlc)"); the second
    alone read "nhs.xn--nt-nlc uses look-alike characters to spell nhs.net"."""
    letters = unicode_domain(domain)
    return domain if letters == domain else f"{letters} ({domain})"


@functools.lru_cache(maxsize=1 << 16)  # the same references are compared for every message
def skeleton(domain: str) -> str:
    """What a domain looks like to a hurried reader: one canonical spelling."""
    text = plain_letters(domain).translate(_CONFUSABLE)  # and the digits that pass for letters
    return text.replace("rn", "m").replace("vv", "w").replace("cl", "d")


@functools.lru_cache(maxsize=1 << 16)
def plain_letters(domain: str) -> str:
    """The domain with every look-alike letter read as the Latin letter it passes for (and
    nothing else changed), so the other tricks can be looked for under the disguise."""
    text = unicodedata.normalize("NFKC", unicode_domain(domain)).lower()
    text = "".join(_CONFUSABLE_LETTERS.get(c, c) for c in text)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_CONFUSABLE_LETTERS = {chr(k): v for k, v in _CONFUSABLE.items() if not chr(k).isascii()}

# Alphabets whose letters pass for one another's; a name mixing them is dressed up.
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")


def mixed_scripts(domain: str) -> str | None:
    """Why one name of `domain` mixes alphabets (pаyments with a Cyrillic а), or None.

    Registries of international names ask each name to keep to one alphabet, and no real
    one needs Latin beside Cyrillic or Greek; a name that does so imitates a Latin one.
    """
    for label in unicode_domain(domain).split("."):
        seen = []
        for c in unicodedata.normalize("NFKC", label):
            if c.isalpha():
                script = unicodedata.name(c, "").split(" ")[0]
                if script in _SCRIPTS and script not in seen:
                    seen.append(script)
        if len(seen) > 1:
            return (f"mixes {' and '.join(w.title() for w in seen)} letters in one name, "
                    "as look-alike domains do")
    return None


@functools.lru_cache(maxsize=1 << 16)  # called twice per (domain, reference) comparison
def split(domain: str) -> tuple[str, str]:
    """("leeds", "gov.uk") for leeds.gov.uk; ("mail.leeds", "gov.uk") for mail.leeds.gov.uk."""
    for suffix in SUFFIXES:
        if domain == suffix:
            return "", suffix
        if domain.endswith("." + suffix):
            return domain[: -len(suffix) - 1], suffix
    head, _, tail = domain.rpartition(".")
    return head, tail


def registrable(domain: str) -> str:
    name, suffix = split(domain)
    return f"{name.rpartition('.')[2]}.{suffix}" if name else suffix


# Mail services many organisations share (NHSmail, the criminal justice and police secure
# networks), and a suffix whose second level is a local authority, not a school
# (oakfield.leeds.sch.uk): two addresses there need not be one organisation's.
SHARED = ("nhs.net", "cjsm.net", "pnn.police.uk", "gcsx.gov.uk")
_ONE_LEVEL_MORE = ("sch.uk", *SHARED)


def organisations(domains: Iterable[str]) -> set[str]:
    """The organisations of `domains`, one for a name and its subdomains (a school's
    admin.oakfield.leeds.sch.uk and oakfield.leeds.sch.uk), none for a shared service."""
    found = {o for d in domains if (o := organisation(d)) is not None}
    return {o for o in found if not any(o.endswith("." + p) for p in found)}


def organisation(domain: str) -> str | None:
    """The organisation a domain is (registrable, one label further under a shared service
    or sch.uk); None for a shared service's own domain, which says nothing of whose."""
    for base in _ONE_LEVEL_MORE:
        if domain == base:
            return None if base in SHARED else base
        if domain.endswith("." + base):
            return ".".join(domain[: -len(base) - 1].split(".")[-1:] + [base]) \
                if base in SHARED else ".".join(domain.split(".")[-4:])
    return registrable(domain)


def distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment): a transposition costs one."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@functools.lru_cache(maxsize=1 << 18)  # a new domain is compared with the same references
def imitates(domain: str, reference: str, strict: bool = False) -> str | None:
    """Why `domain` passes for `reference`, or None. Equal or subdomains are not imitations.

    `strict`: the reference is the organisation's or a declared partner's, so its whole
    name with words added is an imitation, and so is any one slip in a three-letter name.
    """
    domain, reference = domain.lower().rstrip("."), reference.lower().rstrip(".")
    if domain == reference or domain.endswith("." + reference):
        return None
    shown = unicode_domain(domain)
    if (shown != domain or not shown.isascii()) and skeleton(domain) == skeleton(reference):
        return f"uses look-alike characters to spell {reference}"
    why = _trick(domain, reference, strict)
    if why is None and (shown != domain or not shown.isascii()):
        plain = plain_letters(domain)
        if plain.isascii() and plain != domain and (
                inner := imitates(plain, reference, strict)):
            why = f"uses look-alike characters for {plain}, which {inner}"
    return why


def _trick(domain: str, reference: str, strict: bool) -> str | None:
    d_name, d_suffix = split(domain)
    r_name, r_suffix = split(reference)
    d_label, r_label = d_name.rpartition(".")[2], r_name.rpartition(".")[2]
    vetted = d_suffix in CONTROLLED  # its holder is a public body, not an impostor
    if d_name == r_name and r_suffix.startswith(d_suffix + "."):
        # northshire.gov for northshire.gov.uk: the .uk left off. .gov is vetted, but as the
        # US government's, and no council is one; the mail bounces or reaches a stranger.
        return f"is {reference} with the .{r_suffix[len(d_suffix) + 1:]} left off"
    if d_label and d_label == r_label and d_suffix != r_suffix and "." not in r_name \
            and not vetted:
        return f"has the name of {reference} with .{d_suffix} instead of .{r_suffix}"
    if domain.startswith(reference + "."):
        return f"starts with {reference} but is a different domain"
    if skeleton(domain) == skeleton(reference):
        return f"reads as {reference} (look-alike letters)"
    flat_r = _flat(reference)
    if _flat(domain) == flat_r or (_flat(d_name) == flat_r and d_name):
        return f"is {reference} with its dots or hyphens moved"
    # the reference's whole name under another suffix: police.uk -> police.co.uk,
    # westyorkshire.police.uk -> westyorkshire-police.co.uk, leeds.gov.uk -> leeds.gov.co.uk
    stem = reference.rpartition(".")[0]
    if d_name and d_suffix != r_suffix and "." in reference and not vetted and (
            _flat(d_name) == _flat(stem) or d_name.endswith("." + stem)):
        return f"has the name of {reference} under .{d_suffix} instead"
    if strict and _words_added(domain, reference):
        return f"has the whole name {reference} in it, with other words added"
    if strict and not vetted and r_label and _padded(d_name, r_label):
        return f"is the name {r_label} of {reference} dressed up with words like mail or secure"
    if d_suffix == r_suffix == "sch.uk" and d_label == r_label and "." in r_name \
            and "." in d_name:
        # a school under its authority's name: the slip is in the school's own label
        # (oakfeld.westshire.sch.uk for oakfield.westshire.sch.uk)
        d_label, r_label = d_name.split(".")[-2], r_name.split(".")[-2]
    if d_suffix == r_suffix and len(r_label) >= 4:
        allowed = 1 if len(r_label) < 8 else 2
        edits = distance(d_label, r_label, allowed)
        if 0 < edits <= allowed:
            return f"is {'one typing slip' if edits == 1 else f'{edits} typing slips'} from " \
                f"{reference}"
    elif d_suffix == r_suffix and len(r_label) == 3 and d_label and (
            _doubled(d_label, r_label) or _swapped(d_label, r_label)
            or (strict and distance(d_label, r_label, 1) == 1)):
        # three letters leave room for other real names one change away (uol.com is not
        # aol.com), but a doubled or swapped letter (aoll.com, oal.com) is a slip, and no
        # one else's name is one change from ours or a partner's (nhd.net, nh.net)
        return f"is one typing slip from {reference}"
    elif d_suffix != r_suffix and len(reference) >= 7 and distance(domain, reference, 1) == 1:
        return f"is one typing slip from {reference}"
    return None


# Words an impostor pads a name with (nhsmail.net, secure-examplecouncil.com), and no real
# organisation beside a council would (kentonline.co.uk is a newspaper: "online" is not here)
_PADDING = ("mail", "email", "webmail", "secure", "portal", "login", "verify", "account",
            "accounts")


def _padded(name: str, label: str) -> bool:
    """The name is the reference's label with padding words only, joined or hyphenated."""
    if len(label) < 3:
        return False
    for word in re.split(r"[.-]", name):
        if word == label:
            continue
        rest = word.removeprefix(label) if word.startswith(label) else \
            word.removesuffix(label) if word.endswith(label) else word
        if rest not in _PADDING and rest != word and rest:
            return False
        if rest == word and word not in _PADDING:
            return False
    return label in name and name != label


def _words_added(domain: str, reference: str) -> bool:
    """The reference's name and suffix, word for word and in order, inside a longer domain
    (nhs.net-secure.com, secure-nhs.net, mail.nhs-net.com), or run together as one of its
    words (mail.nhsnet.co.uk)."""
    words = [w for w in re.split(r"[.-]", domain) if w]  # a disguise is undone by the caller
    ref = [w for w in re.split(r"[.-]", reference) if w]
    if len(ref) < 2 or len(words) <= len(ref) and "".join(words) == "".join(ref):
        return False
    joined = "".join(ref)
    return joined in words or any(words[i:i + len(ref)] == ref
                                  for i in range(len(words) - len(ref) + 1))


def _doubled(typed: str, meant: str) -> bool:
    """typed is meant with one of its letters typed twice."""
    return len(typed) == len(meant) + 1 and any(
        typed[i] == typed[i - 1] and typed[:i] + typed[i + 1:] == meant
        for i in range(1, len(typed)))


def _swapped(typed: str, meant: str) -> bool:
    """typed is meant with two neighbouring letters swapped."""
    return len(typed) == len(meant) and typed != meant and any(
        typed[:i] + typed[i + 1] + typed[i] + typed[i + 2:] == meant
        for i in range(len(typed) - 1))


def _flat(text: str) -> str:
    return skeleton(text).replace("-", "").replace(".", "")


def closest_imitation(domain: str, references: list[str],
                      strict: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """The first reference `domain` imitates, and why; those in `strict` are held to
    `imitates(strict=True)`.

    A domain in look-alike letters is first matched against what it spells: gmail.com in a
    Cyrillic a is gmail.com dressed up, not "one typing slip from email.com", the webmail
    domain listed before it.
    """
    if unicode_domain(domain) != domain or not domain.isascii():
        face = skeleton(domain)
        for ref in references:
            if skeleton(ref) == face and (why := imitates(domain, ref, ref in strict)):
                return ref, why
    for ref in references:
        why = imitates(domain, ref, ref in strict)
        if why:
            return ref, why
    return None
