"""Recipient risk: for each recipient, the signals that it may be the wrong one, and a score.

Signals come from the organisation's own mail flow (prior correspondence in the
store), its configuration (internal and partner domains) and the message itself
(visible recipients, protective marking, salutation). Each carries a sentence a
sender would understand. The score is a noisy-OR: the relationship sets a base
risk (internal 0, a regular correspondent low, a stranger high) and each risk
signal can only raise it, so the score is monotone in every signal:

    risk = 1 - (1 - base) * product(1 - weight(signal) for each risk signal)

Weights are in `recipients.weights`; the defaults were set on bench/misdirection.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from dlpgate.config import Settings
from dlpgate.detect import lookalike, profile
from dlpgate.detect.registry import Context, register
from dlpgate.history import domain_of, in_domains, normalise
from dlpgate.model import Message, RecipientRisk, Signal
from dlpgate.store.base import Correspondence

# Relationship signals (one per recipient) set the base; the rest add risk.
RELATIONSHIPS = ("internal", "partner", "known-correspondent", "rare-correspondent",
                 "new-to-sender", "new-to-organisation")
# Government Security Classifications: OFFICIAL-SENSITIVE however it is typed; SECRET and
# TOP SECRET only in capitals, as markings are written ("a secret" in prose is not one).
_MARKING = re.compile(r"\b(?i:OFFICIAL[\s\-_:]*SENSITIVE)\b|\bSECRET\b|\bTOP[\s\-_]*SECRET\b")
_MARKING_HEADERS = ("sensitivity", "x-protective-marking", "x-classification")


def is_marked(message: Message) -> bool:
    """OFFICIAL-SENSITIVE or above in the subject or a protective-marking header."""
    headers = " ".join(v for k, v in message.headers if k.lower() in _MARKING_HEADERS)
    return bool(_MARKING.search(message.subject) or _MARKING.search(headers))
_SALUTATION = re.compile(r"^\s*(?:Dear|Hi|Hello)\s+([A-Z][a-z]+)\b", re.MULTILINE)
_NOT_NAMES = {"sir", "madam", "all", "team", "colleague", "colleagues", "everyone", "both",
              "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "councillor"}


def _days(seconds: float) -> str:
    days = int(seconds // 86400)
    return "today" if days < 1 else f"{days} day{'s' if days != 1 else ''} ago"


class RecipientRiskAssessor:
    name = "recipients"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.internal = settings.organisation.internal_domains
        self.partners = settings.organisation.partner_domains
        r = settings.recipients
        self.weights = r.weights
        self.known_min = r.known_min_count
        self.recent = r.recent_days * 86400
        self.bulk = r.bulk_threshold
        self.secure = list(self.internal) + list(self.partners) + list(r.secure_domains)
        self.webmail = lookalike.WEBMAIL | set(r.webmail)
        self._key: bytes | None = None

    def _signal(self, name: str, why: str) -> Signal:
        return Signal(name, why, self.weights.get(name, 0.0))

    def assess(self, message: Message, ctx: Context) -> Iterable[RecipientRisk]:
        store = ctx.store
        sender = normalise(message.from_addr or "")
        targets = list(dict.fromkeys(normalise(a) for a in message.destinations))
        if not targets:
            return []
        history = store.correspondence(sender, targets) if store and sender else {}
        domains = sorted({t.rpartition("@")[2] for t in targets})
        org_domains = store.domains(domains) if store else {}
        now = ctx.now or time.time()
        thread = _thread_words(message)
        words = _message_words(message)
        contacts: list[Correspondence] | None = None
        message_signals = self._message_signals(message)
        tokens = ctx.fingerprint if ctx.fingerprint is not None else \
            self._fingerprint(message, store)
        outsiders = self._group_outsiders(sender, targets, store)

        out = []
        for original, address in zip(dict.fromkeys(message.destinations), targets, strict=False):
            domain = address.rpartition("@")[2]
            signals: list[Signal] = []
            if match := in_domains(domain, self.internal):
                # Inside the organisation a wrong colleague is still a disclosure: the
                # autocomplete slip, the thread and content fit apply; nothing else does.
                signals.append(self._signal("internal", f"{domain} is one of our own domains"))
                if contacts is None:
                    contacts = store.contacts(sender) if store and sender else []
                if address not in history:
                    signals += self._confusable(address, domain, contacts)
                if thread is not None and not _mentioned(address, thread):
                    signals.append(self._signal(
                        "not-in-thread", f"this replies to or forwards a conversation that "
                        f"{address} was not part of"))
                if tokens:
                    signals += self._content_fit(address, sender, tokens, contacts, store)
            else:
                if match := in_domains(domain, self.partners):
                    signals.append(self._signal("partner",
                                                f"{domain} is an expected partner ({match})"))
                known = history.get(address)
                they_wrote = " (they have written to you)" if known and known.replied else ""
                if known and known.count == 0:  # they wrote to us; we never wrote to them
                    known = None
                if known and known.count >= self.known_min and now - known.last_seen < self.recent:
                    wrote_back = ", and they have written back" if known.replied else ""
                    signals.append(self._signal(
                        "known-correspondent", f"you have written to {address} {known.count} "
                        f"times, last {_days(now - known.last_seen)}{wrote_back}"))
                elif known and known.count < self.known_min:
                    signals.append(self._signal(
                        "rare-correspondent", f"you have written to {address} only once"))
                elif known:
                    signals.append(self._signal(
                        "rare-correspondent", f"you last wrote to {address} "
                        f"{_days(now - known.last_seen)}"))
                elif domain in org_domains or match:
                    signals.append(self._signal(
                        "new-to-sender", f"you have never written to {address}{they_wrote}"))
                else:
                    signals.append(self._signal(
                        "new-to-organisation",
                        f"no one here has written to {domain} before{they_wrote}"))
                written = original.rpartition("@")[2].rstrip(".")
                if not written.isascii() and not domain.startswith("xn--") and \
                        ".xn--" not in domain:
                    signals.append(self._signal(
                        "lookalike-domain", f"{written} is written with look-alike characters "
                        f"(full-width or another script) that turn into {domain}"))
                if not known:
                    if contacts is None:
                        contacts = store.contacts(sender) if store and sender else []
                    signals += self._imitation(address, domain, contacts, org_domains, store)
                if thread is not None and not _mentioned(address, thread):
                    signals.append(self._signal(
                        "not-in-thread", f"this replies to or forwards a conversation that "
                        f"{address} was not part of"))
                elif not (known and known.count >= self.known_min) and \
                        not _mentioned(address, words):
                    signals.append(self._signal(
                        "unmentioned", f"{address} is new to you and the message does not "
                        "mention them by name"))
                if domain in self.webmail:
                    signals.append(self._signal(
                        "personal-webmail", f"{domain} is a personal webmail service"))
                signals += [s for s in message_signals if s.name != "protective-marking"
                            or not in_domains(domain, self.secure)]
                if tokens and store and sender:
                    if contacts is None:
                        contacts = store.contacts(sender)
                    signals += self._content_fit(address, sender, tokens, contacts, store)
            if address in outsiders:
                signals.append(self._signal("unusual-group", outsiders[address]))
            out.append(RecipientRisk(address=original, risk=self.score(signals),
                                     signals=tuple(signals)))
        return out

    def score(self, signals: list[Signal]) -> float:
        base = max((s.weight for s in signals if s.name in RELATIONSHIPS), default=0.0)
        keep = 1.0 - base
        for s in signals:
            if s.name not in RELATIONSHIPS:
                keep *= 1.0 - s.weight
        return round(1.0 - keep, 4)

    def _group_outsiders(self, sender: str, targets: list[str], store) -> dict[str, str]:
        """Recipients added to a group this sender usually writes to together.

        A group: other recipients of this message who have had mail together at least
        twice. A recipient who has never had mail with any of them is the odd one out.
        """
        if store is None or not sender or not 3 <= len(targets) <= 10:
            return {}
        pairs = store.together(sender, targets)
        if not pairs:
            return {}
        out = {}
        for r in targets:
            others = [t for t in targets if t != r]
            group = [(a, b) for (a, b), n in pairs.items() if n >= 2 and r not in (a, b)]
            with_r = [n for (a, b), n in pairs.items() if r in (a, b)]
            if group and not with_r:
                members = sorted({m for pair in group for m in pair} & set(others))[:2]
                out[r] = (f"you often write to {' and '.join(members)} together, never "
                          f"with {r}")
        return out

    def _fingerprint(self, message: Message, store) -> tuple[int, ...]:
        if store is None:
            return ()
        if self._key is None:
            self._key = store.profile_key()
        return profile.fingerprint(message, self._key)

    def _content_fit(self, address: str, sender: str, tokens: tuple[int, ...],
                     contacts: list[Correspondence], store) -> list[Signal]:
        """The other Sarah: the message fits a similarly named contact, not this one."""
        similar = [c.recipient for c in contacts
                   if c.recipient != address and _similar_names(address, c.recipient)][:20]
        if not similar:
            return []
        fits = store.profile_fit(sender, [address, *similar], tokens)
        best = max(similar, key=lambda c: fits.get(c, 0))
        best_fit = fits.get(best, 0)
        if best_fit >= max(3, len(tokens) // 5) and fits.get(address, 0) * 3 < best_fit:
            return [self._signal(
                "content-fits-another", f"what this message is about has gone to {best} "
                f"before, not to {address}")]
        return []

    def _confusable(self, address: str, domain: str,
                    contacts: list[Correspondence]) -> list[Signal]:
        """The autocomplete error: a regular contact's name at another address."""
        local = address.rpartition("@")[0]
        for c in contacts:  # a slip needs one earlier message; a name elsewhere, a habit
            c_local, _, c_domain = c.recipient.rpartition("@")
            if c.recipient == address or c.count < 1:
                continue
            same_name = c_local == local and len(local) >= 3 and c.count >= self.known_min
            if same_name:
                return [self._signal(
                    "confusable-address", f"{address} has the name of {c.recipient}, whom you "
                    f"have written to {c.count} times, at another domain")]
            slip = (c_domain == domain and len(local) >= 4
                    and _unseparated(local) != _unseparated(c_local)
                    and lookalike.distance(local, c_local, 2) <= (1 if len(local) < 8 else 2))
            if slip:
                return [self._signal(
                    "address-slip", f"{address} is a typing slip from {c.recipient}, whom you "
                    f"have written to {c.count} times")]
        return []

    def _imitation(self, address: str, domain: str, contacts: list[Correspondence],
                   org_domains: dict, store) -> list[Signal]:
        out = self._confusable(address, domain, contacts)
        frequent = [c for c in contacts if c.count >= self.known_min]
        if domain not in org_domains and not in_domains(domain, self.internal + self.partners):
            refs = list(self.internal) + list(self.partners)
            refs += [c.recipient.rpartition("@")[2] for c in frequent[:100]]
            refs += [d.recipient for d in (store.top_domains(200) if store else [])]
            refs += sorted(self.webmail)
            if domain not in self.webmail:
                hit = lookalike.closest_imitation(domain, list(dict.fromkeys(refs)))
                if hit:
                    ref, why = hit
                    out.append(self._signal("lookalike-domain", f"{domain} {why}"))
        return out

    def _message_signals(self, message: Message) -> list[Signal]:
        out = []
        visible_external = [a for a in message.to + message.cc
                            if not in_domains(domain_of(a), self.internal)]
        if len(visible_external) > self.bulk:
            out.append(self._signal(
                "bulk-exposure", f"{len(visible_external)} external addresses are visible to "
                f"every recipient in To/Cc (more than {self.bulk}); use Bcc"))
        orgs = {lookalike.registrable(domain_of(a)) for a in message.destinations
                if not in_domains(domain_of(a), self.internal + self.partners)
                and domain_of(a) not in self.webmail}
        if len(orgs) >= 3:
            out.append(self._signal(
                "mixed-audience", f"the message goes to {len(orgs)} unrelated organisations"))
        if is_marked(message):
            out.append(self._signal(
                "protective-marking", "the message is marked OFFICIAL-SENSITIVE or above and "
                "this destination is not on the secure list"))
        body = next((p.text for p in message.parts if p.name == "body"), "")
        m = _SALUTATION.search(body[:500])
        if m and m.group(1).lower() not in _NOT_NAMES:
            name = m.group(1).lower()
            if not any(name in normalise(a).rpartition("@")[0] for a in message.destinations):
                out.append(self._signal(
                    "salutation-mismatch", f"the message says 'Dear {m.group(1)}' but no "
                    "recipient's address has that name"))
        return out


_REPLY = re.compile(r"^\s*(?:re|fw|fwd|aw|tr)\s*:", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z]{3,}")


def _thread_words(message: Message) -> set[str] | None:
    """For a reply or forward, the words of the conversation it carries; else None."""
    is_reply = bool(_REPLY.match(message.subject)) or any(
        k.lower() in ("in-reply-to", "references") for k, _ in message.headers)
    if not is_reply:
        return None
    body = next((p.text for p in message.parts if p.name == "body"), "")
    return set(_TOKEN.findall(body.lower()))


def _unseparated(local: str) -> str:
    """jo.bloggs, jo_bloggs and jo-bloggs: one person's spellings, not a slip."""
    return re.sub(r"[._\-]", "", local)


def _similar_names(a: str, b: str) -> bool:
    """Two addresses a hurried autocomplete could swap: the same first name, or close."""
    la, lb = a.rpartition("@")[0], b.rpartition("@")[0]
    fa, fb = re.split(r"[._\-]", la)[0], re.split(r"[._\-]", lb)[0]
    if len(fa) >= 3 and fa == fb:
        return True
    return len(la) >= 5 and lookalike.distance(la, lb, 3) <= 3


def _message_words(message: Message) -> set[str]:
    body = next((p.text for p in message.parts if p.name == "body"), "")
    return set(_TOKEN.findall(f"{message.subject}\n{body}".lower()))


def _mentioned(address: str, words: set[str]) -> bool:
    """Whether the conversation names this correspondent: their address or its name words."""
    local, _, domain = address.rpartition("@")
    tokens = [t for t in _TOKEN.findall(local.lower()) if t not in ("mail", "info", "admin")]
    if any(t in words for t in tokens):
        return True
    label = domain.split(".")[0]
    return len(label) > 3 and label in words and not tokens


@register("recipients")
def _factory(settings: Settings) -> RecipientRiskAssessor:
    return RecipientRiskAssessor(settings)
