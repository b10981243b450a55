"""Is this domain dressed up as one we know? Pure functions, no I/O.

The forms of a misdirection by domain: a typo (nhs.nte, gmial.com), a letter
swapped for a look-alike from another script or width (ｇmail.com, nhs.nеt with
a Cyrillic е, punycode xn--...), a swapped or added suffix (nhs.net -> nhs.com,
leeds.gov.uk -> leeds.co.uk, nhs.net.example.com), and hyphen or dot games
(nhs-net.com). Each check returns the reference it imitates and why.
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata

# The suffixes under which organisations register names, longest first matters.
SUFFIXES = sorted((
    "gov.uk", "nhs.uk", "police.uk", "sch.uk", "ac.uk", "co.uk", "org.uk", "ltd.uk", "plc.uk",
    "net.uk", "me.uk", "mod.uk", "gov.scot", "gov.wales", "com", "net", "org", "uk",
    "co", "io", "info", "biz", "eu", "ie", "gov", "edu", "scot", "wales", "cymru", "london",
    "email", "me", "org.au", "com.au", "co.nz", "ca", "de", "fr", "nl", "es", "it",
), key=len, reverse=True)

WEBMAIL = frozenset((
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.co.uk", "outlook.com", "live.com",
    "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com",
    "mac.com", "aol.com", "aol.co.uk", "btinternet.com", "btopenworld.com", "sky.com",
    "virginmedia.com", "ntlworld.com", "talktalk.net", "tiscali.co.uk", "protonmail.com",
    "proton.me", "gmx.com", "gmx.co.uk", "mail.com", "zoho.com", "yandex.com",
))

# Characters that pass for Latin letters: Cyrillic, Greek and others with the same
# shape, and digit-for-letter swaps; NFKC already folds full-width forms.
_CONFUSABLE = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i",
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "τ": "t", "κ": "k", "ι": "i", "ε": "e", "υ": "u",
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


@functools.lru_cache(maxsize=1 << 16)  # the same references are compared for every message
def skeleton(domain: str) -> str:
    """What a domain looks like to a hurried reader: one canonical spelling."""
    text = unicodedata.normalize("NFKC", unicode_domain(domain)).lower()
    text = text.translate(_CONFUSABLE)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.replace("rn", "m").replace("vv", "w").replace("cl", "d")


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
def imitates(domain: str, reference: str) -> str | None:
    """Why `domain` passes for `reference`, or None. Equal or subdomains are not imitations."""
    domain, reference = domain.lower().rstrip("."), reference.lower().rstrip(".")
    if domain == reference or domain.endswith("." + reference):
        return None
    shown = unicode_domain(domain)
    if (shown != domain or not shown.isascii()) and skeleton(domain) == skeleton(reference):
        return f"uses look-alike characters to spell {reference}"
    d_name, d_suffix = split(domain)
    r_name, r_suffix = split(reference)
    d_label, r_label = d_name.rpartition(".")[2], r_name.rpartition(".")[2]
    if d_label and d_label == r_label and d_suffix != r_suffix and "." not in r_name:
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
    if d_name and d_suffix != r_suffix and "." in reference and (
            _flat(d_name) == _flat(stem) or d_name.endswith("." + stem)):
        return f"has the name of {reference} under .{d_suffix} instead"
    if d_suffix == r_suffix and len(r_label) >= 4:
        allowed = 1 if len(r_label) < 8 else 2
        edits = distance(d_label, r_label, allowed)
        if 0 < edits <= allowed:
            return f"is {edits} typing slip{'s' if edits > 1 else ''} from {reference}"
    elif d_suffix == r_suffix and len(r_label) == 3 and (
            _doubled(d_label, r_label) or _swapped(d_label, r_label)):
        # three letters leave room for other real names one change away (uol.com is not
        # aol.com), but a doubled or swapped letter (aoll.com, oal.com) is a slip
        return f"is 1 typing slip from {reference}"
    elif d_suffix != r_suffix and len(reference) >= 7 and distance(domain, reference, 1) == 1:
        return f"is one typing slip from {reference}"
    return None


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


def closest_imitation(domain: str, references: list[str]) -> tuple[str, str] | None:
    for ref in references:
        why = imitates(domain, ref)
        if why:
            return ref, why
    return None
