"""Recipient risk: for each recipient, the signals that it may be the wrong one, and a score.

Signals come from the organisation's own mail flow (prior correspondence in the
store), its configuration (internal and partner domains) and the message itself
(visible recipients, protective marking, whom it opens by greeting). Each carries a
sentence a sender would understand. The score is a noisy-OR: the relationship sets a
base risk (internal 0, a regular correspondent low, a stranger high), evidence that a
new recipient was meant (the message names or greets them, or a colleague of theirs is
also a recipient) can only damp that base, and each risk signal can only raise the
result, so the score is monotone in every signal:

    damp = product(1 - weight(m) for each mitigating signal m), or 1 when the
           recipient imitates another address (a look-alike stays one, named or not)
    risk = 1 - (1 - base * damp) * product(1 - weight(signal) for each risk signal)

Weights are in `recipients.weights`; the defaults were tuned with
bench/tune_recipients.py on a validation split inside the training part of
bench/misdirection.py (the relationship weights kept in order of how little the
sender knows the recipient), and reported on its held-out split.

The real-contact autocomplete error ("the other Sarah") is told by what history
says about the similarly named contacts the recipient could have been mistaken for
(`namesakes.py`); an address that imitates another (a slip, a contact's name at another
domain, a look-alike domain) by `slips.py`. Here: the relationship, the thread (a
recipient the conversation being replied to never had in it: not-in-thread; a reply to
someone who only shares a name with the person who wrote what it answers:
replies-to-another), the evidence that a new recipient was meant, and what the message
exposes (bulk-exposure, mixed-audience, protective-marking).
"""

from __future__ import annotations

import functools
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet

from dlpgate.config import Settings
from dlpgate.detect import greeting, lookalike, names, profile, thread, whom
from dlpgate.detect.about import written_about
from dlpgate.detect.attached import about_another
from dlpgate.detect.namesakes import (
    ColleaguesNamesakes,
    Namesakes,
    colleagues_namesakes,
    days_ago,
    times,
)
from dlpgate.detect.registry import Context, register
from dlpgate.detect.slips import Slips
from dlpgate.history import GROUP_PAIRS_MAX, domain_of, getaddresses, in_domains, normalise
from dlpgate.model import Message, RecipientRisk, Signal
from dlpgate.model import RecipientSignal as S
from dlpgate.store.base import Correspondence

# Group history is asked of messages with up to this many recipients.
GROUP_QUERY_MAX = 200

# Relationship signals (one per recipient) set the base; mitigating ones damp it;
# the rest add risk.
RELATIONSHIPS = (S.INTERNAL, S.PARTNER, S.KNOWN_CORRESPONDENT, S.RARE_CORRESPONDENT,
                 S.NEW_TO_SENDER, S.NEW_TO_ORGANISATION)
# Evidence that a recipient new to the sender was meant: these damp the base risk.
MITIGATING = (S.NAMED_IN_MESSAGE, S.GREETED, S.COLLEAGUE_RECIPIENT, S.WROTE_TO_US)
# A recipient the message adds to a conversation they were not part of: what the store
# counts as `joined`, so that a habit (the PA copied into replies) is known as one.
ADDED_TO_THREAD = (S.NOT_IN_THREAD, S.OFTEN_COPIED_IN)
# Where Exchange Online's quoted headers put a mailbox's internal and tenant names
# (sarah.khan@namprd03.prod.outlook.com, sarah.khan@council.onmicrosoft.com)
_TENANT_DOMAINS = (".prod.outlook.com", ".onmicrosoft.com")


# An address that passes for another: what went to it is no sign of what it is for, so no
# content profile is kept from it (record.py), however it left (a `log` rule, `pass`).
SUSPECT_ADDRESS = (S.LOOKALIKE_DOMAIN, S.ADDRESS_SLIP, S.CONFUSABLE_ADDRESS, S.UNKNOWN_COLLEAGUE)
# Nor from a recipient the message itself says was meant for another: what has gone only to
# sarah.khan, sent under a `log` rule to sarah.jones, made the next notice say it "has gone to
# sarah.jones@nhs.net before". A reviewer's release is still learned whole.
STOOD_IN_FOR = SUSPECT_ADDRESS + (S.CONTENT_FITS_ANOTHER, S.REPLIES_TO_ANOTHER,
                                   S.COLLEAGUES_NAMESAKE)


def passes_for_another(risk: RecipientRisk) -> bool:
    """Whether a recipient's address imitated another's, or the message was another's
    (STOOD_IN_FOR)."""
    return any(s.name in STOOD_IN_FOR for s in risk.signals)


# A recipient who imitates another address is not made safer by being named.
IMITATIONS = (S.LOOKALIKE_DOMAIN, S.CONFUSABLE_ADDRESS, S.ADDRESS_SLIP, S.CONTENT_FITS_ANOTHER,
              S.GROUP_FITS_ANOTHER, S.USUAL_NAMESAKE, S.CURRENT_NAMESAKE, S.NAMES_ANOTHER,
              S.REPLIES_TO_ANOTHER, S.CIRCULAR_ONLY, S.COLLEAGUES_NAMESAKE)


def combine(weights: Iterable[tuple[str, float]]) -> float:
    """The score from (signal name, weight) pairs; see the module's docstring."""
    pairs = list(weights)
    names = {n for n, _ in pairs}
    base = max((w for n, w in pairs if n in RELATIONSHIPS), default=0.0)
    if not names & set(IMITATIONS):
        for n, w in pairs:
            if n in MITIGATING:
                base *= 1.0 - w
    keep = 1.0 - base
    for n, w in pairs:
        if n not in RELATIONSHIPS and n not in MITIGATING:
            keep *= 1.0 - w
    return round(1.0 - keep, 4)


# Government Security Classifications: OFFICIAL-SENSITIVE however it is typed (dashes
# included); SECRET and TOP SECRET only in capitals, as markings are written ("a secret" in
# prose is not one), and SECRET not as the first word of a name ("SECRET SANTA"). The Welsh
# Government's own forms, which a Welsh council's bilingual templates carry: SWYDDOGOL-SENSITIF,
# CYFRINACH (SECRET, a common word, so in capitals only) and CYFRINACH IAWN (TOP SECRET).
_DASHES = r"[\s\-_:\u2010-\u2015\u00ad\u2212]*"
_MARKING = re.compile(rf"\b(?i:OFFICIAL{_DASHES}SENSITIVE|SWYDDOGOL{_DASHES}SENSITIF)\b"
                      r"|\bSECRET\b(?!\s+(?!UK\s+EYES)[A-Z])|\bTOP[\s\-_]*SECRET\b"
                      r"|\bCYFRINACH\b(?!\s+(?!IAWN\b)[A-Z])")
# Outlook's Sensitivity, the markings' own headers, and Microsoft Purview's sensitivity label
_MARKING_HEADERS = ("sensitivity", "x-protective-marking", "x-classification", "msip_labels")


# A marking line in an attached document: a page's header or footer ("OFFICIAL-SENSITIVE:
# PERSONAL" on every page of a Word report), or a banner over its first page. A line of
# its own, the marking with at most its caveats (PERSONAL, COMMERCIAL, LOCSEN) and a
# "Classification:" label: a policy that says "documents marked OFFICIAL-SENSITIVE must..."
# marks nothing, and nor does a heading "Handling OFFICIAL-SENSITIVE information".
# Bounded runs of punctuation and space around it: a line of 500,000 spaces or dashes is
# tried once, not walked back over.
_CAVEATS = r"(?:[ \t:\-_/\u2010-\u2015\[\]()]{1,6}(?i:PERSONAL|COMMERCIAL|LOCSEN|SECURITY)){0,3}"
_FRAME = r"[^\w\n]{0,12}"
_MARKING_LINE = re.compile(
    rf"^{_FRAME}(?:(?i:(?:security[ \t]+)?classification|protective[ \t]+marking|dosbarthiad)"
    rf"[ \t]*:{_FRAME})?"
    rf"(?:(?i:OFFICIAL{_DASHES}SENSITIVE|SWYDDOGOL{_DASHES}SENSITIF){_CAVEATS}"
    rf"|SECRET|TOP[ \t\-_]{{0,3}}SECRET|CYFRINACH(?:[ \t]+IAWN)?){_FRAME}$", re.MULTILINE)
# Of each attachment's text, as much as is read for a marking: a document's headers and
# footers come after its body, so its whole text up to this
_MARKED_TEXT = 500_000


def marked_where(message: Message) -> str:
    """Where the message is marked OFFICIAL-SENSITIVE or above, or "" when it is not: "the
    message" (its subject, a protective-marking header, a banner line above the body:
    "Classification: OFFICIAL-SENSITIVE") or "an attachment" (a marking line of its own in
    an attached document: its page header). An attachment's name is not said: it may name
    the child the report is about."""
    headers = " ".join(v for k, v in message.headers if k.lower() in _MARKING_HEADERS)
    banners = [x for x in greeting.banner_lines(message.body)[:3]
               if greeting.BANNER.match(x) or not any(c.islower() for c in x)]
    if any(_MARKING.search(t) for t in (message.subject, headers, *banners)):
        return "the message"
    if any(p.is_attachment and _may_be_marked(text := p.text[:_MARKED_TEXT]) and
           _MARKING_LINE.search(text) for p in message.parts):
        return "an attachment"
    return ""


def _may_be_marked(text: str) -> bool:
    """Whether a marking's word is anywhere in `text`: a plain search, five times quicker than
    the line pattern over a spreadsheet that has none (detection and the policy both ask)."""
    shouted = text.upper()
    return any(word in shouted for word in ("SENSITI", "SECRET", "CYFRINACH"))


def is_marked(message: Message) -> bool:
    """Whether the message, or a document attached to it, is marked OFFICIAL-SENSITIVE or
    above (`marked_where`)."""
    return bool(marked_where(message))


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
        self.bulk_private = r.bulk_private_threshold
        self.lone_min = r.lone_outsider_min
        self.copied_in_min = r.copied_in_min
        self.secure = list(self.internal) + list(self.partners) + list(r.secure_domains)
        self._key: bytes | None = None
        self.namesakes = Namesakes(settings, self._signal)
        self.colleagues = ColleaguesNamesakes(settings, self._signal)
        self.slips = Slips(settings, self._signal)
        self.webmail = self.slips.webmail  # the built-in providers and recipients.webmail

    def _signal(self, name: S, why: str) -> Signal:
        explanation, revealed = names.explained(why)
        return Signal(name, explanation, self.weights.get(name, 0.0), revealed)

    def assess(self, message: Message, ctx: Context) -> Iterable[RecipientRisk]:
        store = ctx.store
        sender = normalise(message.from_addr or "")
        # one assessment per mailbox, under the first spelling given: Jo@nhs.net and
        # jo@nhs.net are one recipient, not two to be lined up against one
        written_as: dict[str, str] = {}
        for a in message.destinations:
            written_as.setdefault(normalise(a), a)
        targets = list(written_as)
        if not targets:
            return []
        mine = store is not None and bool(sender)  # the sender's own history can be asked
        history = store.correspondence(sender, targets) if mine else {}
        domains = sorted({t.rpartition("@")[2] for t in targets})
        org_domains = store.domains(domains) if store else {}
        addressed = store.addressed(targets) if store else {}
        now = ctx.now or time.time()
        carried = thread.carries_conversation(message.body)
        outside = thread.outside_thread(message, targets, carried)
        if outside and not carried:
            # "RE: Strategy meeting" with the quote deleted, or only an In-Reply-To: who was
            # in it is not on the page, so a regular of the sender's is taken to have been
            outside -= {t for t in outside
                        if (h := history.get(t)) is not None and h.count >= self.known_min}
        replied = thread.replied_to(message)
        author = self._answered(replied, sender, targets)
        elsewhere = self._wrote_from_elsewhere(replied, sender, targets)
        words = names.message_words(message)
        in_body = names.addresses_in(message)
        own_name = self._sender_name(message)
        full_names = names.leaving_out(names.written_names(message), own_name)
        spellings = names.Spellings.of(full_names)
        # the child a report is about is no one meant: read only if a recipient asks
        about = functools.cache(lambda: names.subjects_written(message))
        hello = greeting.greeting(message)
        # the names To and Cc give their addresses (the email package's parser, a twentieth
        # of a scan): read once a message, and only if a greeting or a recipient asks
        shown_as = functools.cache(lambda: greeting.display_names(message))
        greeted = self._greeted(targets, hello, shown_as)
        shown_in_names = greeting.addresses_shown_in_names(message)
        quoted = in_body - set(targets) - {sender}
        contacts = names.Contacts(store.contact_rows(sender) if mine else [])
        namesakes = names.namesakes(targets, contacts)
        introductions = self._brought_in(message, outside, hello, shown_as, contacts, targets)
        brought = {t for t, doubt in introductions.items() if not doubt}
        outside -= brought
        together = _Organisations(targets)
        top_domains = functools.cache(  # read once a message, and only if a recipient asks
            lambda: [d.recipient for d in store.top_domains(200)] if store else [])
        # who the quoted conversation already showed to one another: a reply to all of
        # them exposes no one anew
        shown_before = in_body if carried else set()
        message_signals = self._message_signals(message, hello, greeted, targets, shown_before,
                                                shown_as)
        # the resident a reply to all discusses while it greets the health visitor, or the one
        # it went to instead of her (about.py)
        spoken_of = written_about(message, [
            t for t in targets if t not in greeted and t != sender
            and not in_domains(domain_of(t), self.internal + self.partners)],
            targets, shown_as()) if hello is not None else {}
        tokens = ctx.fingerprint if ctx.fingerprint is not None else \
            self._fingerprint(message, store)
        pairs = self._pairs(sender, targets, namesakes, store)
        outsiders = self._group_outsiders(targets, pairs)
        written = {t for t in targets if (h := history.get(t)) is not None and h.count > 0}
        # the Sarah meant whom only colleagues write to, for the Sarah the sender knows; not
        # on a circular of hundreds, whose every member's namesakes would be a dozen reads
        alike = colleagues_namesakes(targets, written, sender, store) \
            if mine and len(targets) <= GROUP_QUERY_MAX else {}
        theirs = self.colleagues.signals(alike, targets, tokens, store) if alike else {}
        unheard = [t for t in targets if not addressed.get(t)]
        near = store.near(unheard + ["@" + d for d in domains if d not in org_domains]) \
            if store is not None and unheard else {}
        # of the recipients new to the sender that the conversation carried names, who
        # has written in (what the relay learns from inbound mail, or an import)
        asked = [t for t in targets if t in in_body and not ((h := history.get(t)) and h.count)]
        wrote = store.wrote_in(asked) if store is not None and asked else set()
        # how each who wrote in is known: the store, an out-of-office going back to whoever
        # wrote, or the message this one answers, quoted below it from their address (behind
        # a smart host the relay never sees the resident's message come in)
        how = dict.fromkeys(wrote, "")
        if message.auto_reply:
            # not one carrying a case ("for Kayden Reid's conference (DOB ...)"): someone wrote
            # in, but what goes back is no answer to them
            if not ctx.identified:
                how.update(dict.fromkeys(targets, "auto"))
        elif (asker := self._asker(message, replied, targets, own_name)) is not None:
            how.setdefault(asker, "quoted")
        wrote = set(how)

        out = []
        for address, original in written_as.items():
            domain = address.rpartition("@")[2]
            signals: list[Signal] = []
            known = history.get(address)
            if known and known.count == 0:  # they wrote to us; we never wrote to them
                known = None
            internal = in_domains(domain, self.internal)
            if match := internal:
                # Inside the organisation a wrong colleague is still a disclosure: the
                # autocomplete slip, the thread and content fit apply; nothing else does.
                signals.append(self._signal(S.INTERNAL, f"{domain} is one of our own domains"))
                if address == sender:
                    # To: herself, Bcc: the carers. Mail to oneself goes nowhere new, and
                    # "no one here has written to" her, or her namesakes, would be nonsense.
                    out.append(RecipientRisk(address=original, risk=0.0,
                                             signals=tuple(signals)))
                    continue
                if not known:
                    mistaken = self.slips.mistaken(address, contacts, targets, quoted, near,
                                                   spellings)
                    signals += mistaken
                    if not addressed.get(address):
                        signals.append(self._signal(
                            S.UNKNOWN_ADDRESS, f"no one here has written to {address} before"))
                        signals += self.slips.unknown_colleague(address, mistaken)
                if address in outside:
                    signals.append(self._not_in_thread(address, known,
                                                       introductions.get(address, "")))
            else:
                if match := in_domains(domain, self.partners):
                    under = "" if match == domain else f" (under {_readable(match)})"
                    signals.append(self._signal(
                        S.PARTNER, f"{_readable(domain)} is an expected partner{under}"))
                replied = history.get(address)
                they_wrote = " (they have written to you)" if replied and replied.replied else ""
                if known and known.count >= self.known_min and now - known.last_seen < self.recent:
                    wrote_back = ", and they have written back" if known.replied else ""
                    signals.append(self._signal(
                        S.KNOWN_CORRESPONDENT, f"you have written to {address} "
                        f"{times(known.count)}, last {days_ago(now - known.last_seen)}"
                        f"{wrote_back}"))
                elif known and known.count < self.known_min:
                    signals.append(self._signal(
                        S.RARE_CORRESPONDENT, f"you have written to {address} only "
                        f"{times(known.count)}"))
                elif known:
                    signals.append(self._signal(
                        S.RARE_CORRESPONDENT, f"you last wrote to {address} "
                        f"{days_ago(now - known.last_seen)}"))
                elif domain in org_domains or match:
                    signals.append(self._signal(
                        S.NEW_TO_SENDER, f"you have never written to {address}{they_wrote}"))
                    if not addressed.get(address) and not they_wrote:
                        signals.append(self._signal(
                            S.UNKNOWN_ADDRESS, f"no one here has written to {address} before"))
                else:
                    signals.append(self._signal(
                        S.NEW_TO_ORGANISATION,
                        f"no one here has written to {_readable(domain)} before{they_wrote}"))
                shown = original.rpartition("@")[2].rstrip(".")
                if not shown.isascii() and not domain.startswith("xn--") and \
                        ".xn--" not in domain:
                    signals.append(self._signal(
                        S.LOOKALIKE_DOMAIN, f"{shown} is written with look-alike characters "
                        f"(full-width or another script) that turn into {domain}"))
                dressed = self.slips.dressed_up(domain, contacts, quoted)
                signals += dressed
                if not known:
                    signals += self.slips.imitation(address, domain, contacts, targets,
                                                    org_domains, quoted, near, spellings,
                                                    top_domains, dressed=bool(dressed))
                # an address shown in the name says the most ("Sarah Khan (sarah.khan@nhs.net)"
                # is shown as that address before it is shown with her name)
                if address in shown_in_names and \
                        not any(s.name == S.CONFUSABLE_ADDRESS for s in signals):
                    signals += self.slips.shown_as_another_address(
                        address, shown_in_names[address], contacts)
                if address in shown_as() and \
                        not any(s.name == S.CONFUSABLE_ADDRESS for s in signals):
                    signals += self.slips.shown_as_contact(address, shown_as()[address],
                                                           contacts, targets, bool(known))
                if not any(s.name == S.LOOKALIKE_DOMAIN for s in signals):
                    signals += self.slips.mixed_alphabets(domain)
                if address in outside:
                    signals.append(self._not_in_thread(address, known,
                                                       introductions.get(address, "")))
                elif not (known and known.count >= self.known_min) and \
                        address not in greeted and address not in brought and \
                        not names.mentioned(address, words) and \
                        not spellings.spelled(address):
                    # a rare correspondent is not new (it sat beside "written to once")
                    known_as = "new to you" if not (known and known.count) else \
                        f"someone you have written to only {times(known.count)}"
                    signals.append(self._signal(
                        S.UNMENTIONED, f"{address} is {known_as} and the message's subject and "
                        "text do not mention them by name"))
                own = self._own(address, domain, sender, own_name, shown_as().get(address, ""))
                if not known and not own:  # the sender's own name is no sign of someone meant
                    signals += self._meant(address, domain, words, in_body, together)
                    signals += self._greeting(address, hello, greeted,
                                              carried and address not in outside)
                if domain in self.webmail:
                    signals.append(self._signal(
                        S.PERSONAL_WEBMAIL, f"{domain} is a personal webmail service"))
                if own:
                    # a case file forwarded home: the council's data in a private account
                    signals.append(self._signal(
                        S.OWN_PERSONAL_ADDRESS, f"{address} {own}: it looks like your "
                        "personal address, outside the council's systems"))
                signals += [s for s in message_signals if s.name != S.PROTECTIVE_MARKING
                            or not in_domains(domain, self.secure)]
            if not known and not internal and written and \
                    written >= set(targets) - {address, sender}:
                # A colleague new to the sender among regulars is a new team member, as
                # often as not; a stranger outside is the one to ask about.
                signals.append(self._signal(
                    S.NEWCOMER, f"you have never written to {address}, and you write to every "
                    f"other recipient of this message"))
            if address in spoken_of and hello is not None:
                said = greeting.said(hello)
                so = f"what was meant for {said}, who is not a recipient, goes to the person " \
                    "it discusses" if not greeted else "a reply to all reaches the person it " \
                    "discusses" if carried or thread.is_reply(message) else \
                    "it goes to the person it discusses too"
                signals.append(self._signal(
                    S.WRITTEN_ABOUT, f"the message writes about {names.quote(spoken_of[address])}"
                    f", who could be {address}, while it greets {said}: {so}"))
            if author and (shared := thread.shares_a_name(address, author)):
                who = names.quote(author)
                signals.append(self._signal(
                    S.REPLIES_TO_ANOTHER, f"this replies to {who}'s message, and {who} is "
                    f"not a recipient: {address} only shares the name {shared}"))
            if elsewhere and address not in in_body and \
                    self._named_as(address, elsewhere, shown_as) and \
                    not any(s.name == S.CONFUSABLE_ADDRESS for s in signals):
                who = names.quote(elsewhere)
                signals.append(self._signal(
                    S.CONFUSABLE_ADDRESS, f"this answers {who}'s message from "
                    f"{elsewhere.address}, which is not a recipient; {address} only has the "
                    "name"))
            similar = namesakes.get(address, [])
            other = names.names_someone_else(address, full_names, about)
            if other:
                signals.append(self._signal(
                    S.NAMES_SOMEONE_ELSE, f"the message names {names.quote(other)}, not the "
                    f"person at {address}"))
            if similar:
                signals.append(self._signal(
                    S.HAS_NAMESAKE, f"you also write to {similar[0].recipient}, whose name "
                    f"is like {address}'s"))
                signals += self.namesakes.named(address, similar, words, hello,
                                                address in greeted)
                signals += self.namesakes.signals(address, known, similar, targets, pairs, now)
                if tokens:
                    signals += self.namesakes.content_fit(address, sender, tokens, similar, store)
            signals += theirs.get(address, [])
            signals += self._lone_outsider(address, domain, targets, pairs)
            if address in outsiders:
                signals.append(self._signal(S.UNUSUAL_GROUP, outsiders[address]))
            if address in wrote and not internal and \
                    not {s.name for s in signals} & set(IMITATIONS):
                signals.append(self._wrote_in(address, history.get(address), how[address]))
            out.append(RecipientRisk(address=original, risk=self.score(signals),
                                     signals=tuple(signals)))
        return out

    @staticmethod
    def _sender_name(message: Message) -> list[str]:
        """The sender's first name and surname, from the From's display name or address."""
        shown = [v for k, v in message.headers if k.lower() == "from"]
        for name, _ in getaddresses(shown):
            # "Emma Clarke (Children's Services)", "Emma Clarke - Housing": a team after the
            # name made "Services" her surname
            name = greeting.person_shown(name)
            if len(words := greeting.name_words_of(name.replace(",", " "))) >= 2:
                return [words[-1], words[0]] if "," in name else words
        return names.name_words(message.from_addr or "")

    def _own(self, address: str, domain: str, sender: str, own_name: list[str],
             shown_as: str) -> str:
        """How a webmail address is the sender's own, or "": it spells their name
        (sarah.jones85@), or To shows it with their name ("Sarah Jones (home)"
        <pinkfluffy@...>: the contact card they saved for themselves)."""
        if domain not in self.webmail or not in_domains(domain_of(sender), self.internal):
            return ""
        if names.spells(address, own_name) or names.spells(address, names.spelled_name(sender)):
            return "spells your own name"
        shown = greeting.person_words(shown_as)
        mine = [names.folded(w) for w in own_name]
        if len(mine) >= 2 and mine[0] in shown and mine[-1] in shown:
            return "is shown with your own name"
        return ""

    @staticmethod
    def _asker(message: Message, author: thread.Author | None, targets: list[str],
               own: list[str]) -> str | None:
        """The recipient who wrote the message this one answers (`author`), by the address its
        quoted header gives (a name alone could be anyone's: the other Sarah is what goes
        wrong). Not when the answer names someone the quoted message does not: "Callum Reid's
        autism diagnosis came through", added to Mrs Patel's thread, is another family's case."""
        if author is None or not author.address:
            return None
        address = normalise(author.address)
        if address not in targets:
            return None
        return None if thread.names_someone_new(message, own) else address

    @staticmethod
    def _answered(author: thread.Author | None, sender: str,
                  targets: list[str]) -> thread.Author | None:
        """Who wrote the message this one replies to (`author`), when the reply does not go
        to them.

        A reply goes back to the one who wrote; when it goes instead to someone who only
        shares their first name or surname (the other Tom the autocomplete offered), the
        one meant is missing. None when the author is a recipient or is the sender.
        """
        if author is None or any(thread.is_author(a, author) for a in [*targets, sender] if a):
            return None
        return author

    @staticmethod
    def _named_as(address: str, author: thread.Author,
                  display_names: Callable[[], dict[str, str]]) -> bool:
        """Whether a recipient goes by the author's name: an address that is theirs by its
        name (k.doyle@, kerry_doyle@, kerrydoyle85@), or one To shows with their first name
        and surname ("Kerry Doyle" <kerry1985@...>, the entry the sender picked)."""
        if thread.is_author(address, author) or names.spells(address, [author.first,
                                                                         author.last]):
            return True
        shown = greeting.person_words(display_names().get(address, ""))
        return author.first in shown and author.last in shown

    @staticmethod
    def _wrote_from_elsewhere(author: thread.Author | None, sender: str,
                              targets: list[str]) -> thread.Author | None:
        """The author of the message this one answers, when its quoted header gives their
        address and the reply does not go to it.

        A recipient with their name at another address is then not them for certain: a
        resident's reply typed from memory, or the autocomplete's other Kerry Doyle (the
        parent's namesake a child-protection report goes to), known to the sender or not: a
        reply goes to the address that wrote unless someone changes it. Unless the message
        itself gives the other address ("reply to my work address"), and only when the
        address that wrote is the author's own, by their name in it: a team's mailbox that
        wrote for Sarah Khan ("Safeguarding Team on behalf of Khan, Sarah") is answered as
        well at her own address.
        """
        if author is None or not author.address:
            return None
        address = normalise(author.address)
        local = address.rpartition("@")[0]
        if address in targets or address == sender or names.is_role_address(address) or \
                not any(len(w) >= 2 and w in local for w in (author.first, author.last)) or \
                local.startswith("imceaex-") or address.endswith(_TENANT_DOMAINS):
            return None  # Exchange's own names for her mailbox: her address is its alias
        return author

    def _not_in_thread(self, address: str, known: Correspondence | None,
                       doubt: str = "") -> Signal:
        """Added to a conversation: the stranger, unless the sender copies them in as a habit
        (a PA, a team's business support), which the store counts as `joined`. `doubt`: why
        the name the message brings them in by does not settle it ("you also write to ...")."""
        if known is not None and known.joined >= self.copied_in_min:
            return self._signal(
                S.OFTEN_COPIED_IN, f"{address} was not part of this conversation, but you have "
                f"copied them into {known.joined} conversations before")
        return self._signal(S.NOT_IN_THREAD, f"this replies to or forwards a conversation that "
                            f"{address} was not part of{'; ' + doubt if doubt else ''}")

    def score(self, signals: list[Signal]) -> float:
        return combine((s.name, s.weight) for s in signals)

    @staticmethod
    def _pairs(sender: str, targets: list[str], namesakes: dict[str, list[Correspondence]],
               store) -> dict[tuple[str, str], int]:
        """Co-recipient counts among the recipients and their namesakes: one query.

        Up to GROUP_QUERY_MAX recipients: with thirty namesakes they stay well inside
        the 999 parameters an older SQLite allows a statement.
        """
        if store is None or not sender or not 2 <= len(targets) <= GROUP_QUERY_MAX:
            return {}
        if len(targets) > GROUP_PAIRS_MAX and not namesakes:
            return {}  # a list is only asked about namesakes (unusual-group is for groups)
        extra = list(dict.fromkeys(c.recipient for cs in namesakes.values() for c in cs))
        return store.together(sender, targets + extra[:30])

    @staticmethod
    def _group_outsiders(targets: list[str], pairs: dict[tuple[str, str], int]) -> dict[str, str]:
        """Recipients added to a group this sender usually writes to together.

        A group: other recipients of this message who have had mail together at least
        twice. A recipient who has never had mail with any of them is the odd one out.
        """
        if not 3 <= len(targets) <= 10 or not pairs:
            return {}
        inside = set(targets)
        among = {(a, b): n for (a, b), n in pairs.items() if a in inside and b in inside}
        out = {}
        for r in targets:
            others = [t for t in targets if t != r]
            group = [(a, b) for (a, b), n in among.items() if n >= 2 and r not in (a, b)]
            with_r = [n for (a, b), n in among.items() if r in (a, b)]
            if group and not with_r:
                members = sorted({m for pair in group for m in pair} & set(others))[:2]
                out[r] = (f"you often write to {' and '.join(members)} together, never "
                          f"with {r}")
        return out

    def _lone_outsider(self, address: str, domain: str, targets: list[str],
                       pairs: dict[tuple[str, str], int]) -> list[Signal]:
        """An internal circulation with one outside address on it.

        A meeting notice to twenty colleagues that also goes to one address elsewhere is
        the autocomplete's outside namesake or a stray; a partner is expected company, and
        so is someone who has had mail with these colleagues twice before (the foster
        carer on the team's meeting notices).
        """
        others = [t for t in targets if t != address]
        if len(others) >= self.lone_min and not in_domains(
                domain, self.internal + self.partners) and all(
                in_domains(t.rpartition("@")[2], self.internal) for t in others) and not any(
                n >= 2 and address in pair and set(pair) - {address} <= set(others)
                for pair, n in pairs.items()):
            return [self._signal(
                S.LONE_OUTSIDER, ("the other recipient of this message is" if len(others) == 1
                                  else f"the other {len(others)} recipients of this message are")
                + " inside the organisation; this address is not")]
        return []

    def _meant(self, address: str, domain: str, words: set[str], in_body: set[str],
               together: _Organisations) -> list[Signal]:
        """Evidence that a recipient new to the sender was meant (damps the base risk).

        The message names them (every name word of their address in the subject or
        body, or the address itself written in the body), or another recipient of it
        is at the same organisation: a sender who addresses two people there chose it.
        A webmail provider is no organisation.
        """
        out = []
        # a post's words ("Hello Admissions") name the post, not who reads its mailbox: the
        # mistyped admissions@oakfeld... was "named" and its risk damped
        # named only where also mentioned as written (benefits@ was "named" by "Benefit",
        # beside "the message does not mention them")
        if address in in_body or (names.name_words(address) and names.in_thread(address, words)
                                  and names.mentioned(address, words)
                                  and not names.is_role_address(address)):
            out.append(self._signal(
                S.NAMED_IN_MESSAGE, f"the message names {address}"))
        org = together.of.get(address)
        if org is not None and domain not in self.webmail and together.has_another(org):
            out.append(self._signal(
                S.COLLEAGUE_RECIPIENT, f"another recipient of this message is also at {org}"))
        return out

    def _wrote_in(self, address: str, mine: Correspondence | None, how: str = "") -> Signal:
        """Someone who wrote in, answered in the conversation they started: the resident
        who emailed the housing mailbox about their own case, now answered with it, or the
        out-of-office that answered them. Never for an address that imitates another (the
        look-alike domain that wrote in first to be answered), which IMITATIONS keeps out."""
        if how == "auto":
            return self._signal(S.WROTE_TO_US, f"this is an automatic reply (an out-of-office) "
                                f"to a message {address} sent")
        if how == "quoted":
            return self._signal(S.WROTE_TO_US, f"this answers the message {address} wrote, "
                                "quoted below it")
        whom = "you" if mine is not None and mine.replied else "colleagues here"
        return self._signal(S.WROTE_TO_US, f"{address} has written to {whom}, and this "
                            "message carries the conversation with them")

    @staticmethod
    def _greeted(targets: list[str], hello: greeting.Greeting | None,
                 display_names: Callable[[], dict[str, str]]) -> set[str]:
        """The recipients the greeting can be: by name if any is; else by an initial run into
        a surname (smurphy@ for "Hi Suzanne"), never a role mailbox's (safeguarding@ was
        "Sarah" beside sarah.khan@, and lost greets-another and unmentioned). `display_names`
        gives each recipient's name as To and Cc show it."""
        if hello is None:
            return set()
        shown_as = display_names()
        out: set[str] = set()
        for one in greeting.each_person(hello):  # "Hi Sarah and John": each name by itself
            named = {t for t in targets if greeting.greets(t, one, shown_as.get(t, ""), False)}
            out |= named or {t for t in targets if not names.is_role_address(t)
                             and greeting.greets(t, one, shown_as.get(t, ""))}
        return out

    @staticmethod
    def _brought_in(message: Message, outside: set[str], hello: greeting.Greeting | None,
                    display_names: Callable[[], dict[str, str]], contacts: names.Contacts,
                    targets: list[str]) -> dict[str, str]:
        """The recipients added to a conversation whom its own text greets or brings in by
        name ("Hi Sarah and Ann", "copying in Mark"), each with "" when added on purpose, or
        with why the name cannot vouch for them: the quoted conversation names an Ann too
        (she may be the one meant), or the name fits another of the sender's contacts as well
        (the other Ann is the autocomplete's error that not-in-thread is there for)."""
        if not outside:
            return {}
        start = thread.quote_start(message.body)
        intro = greeting.introduced(message.body, start)
        people = [p for g in (hello, intro) if g is not None for p in greeting.each_person(g)]
        if not people:
            return {}
        quoted = thread.words_of(message.body[start:thread.THREAD_CHARS])
        shown_as = display_names()
        out: dict[str, str] = {}
        others = [r[0] for r in contacts.rows if r[0] not in targets]
        for one in people:
            fits = {t for t in outside if greeting.greets(t, one, shown_as.get(t, ""), False)}
            if not fits:
                continue
            said = names.quote(one.names[0])
            rival = next((c for c in others if greeting.greets(c, one, "", False)
                          and not any(names.same_person(t, c) for t in fits)), None)
            doubt = f"the conversation it quotes names a {said} too" \
                if names.folded(one.names[0]) in quoted else \
                f"you also write to {rival}" if rival else ""
            for t in fits:
                if out.get(t) != "":  # one name that brings them in on purpose is enough
                    out[t] = doubt and f"the message brings in {said}, but {doubt}"
        return out

    def _greeting(self, address: str, hello: greeting.Greeting | None,
                  greeted: set[str], in_conversation: bool = False) -> list[Signal]:
        """Whom the message opens by greeting: this recipient (they were meant), or another
        recipient and not this one (this one came along by mistake, unless the conversation
        the message carries had them in it: the reply to all that greets its author)."""
        if hello is None:
            return []
        said = greeting.said(hello)
        if address in greeted:
            return [self._signal(S.GREETED, f"the message opens by greeting {said}, who "
                                 f"could be {address}")]
        if greeted and not in_conversation and not hello.others:  # "Hi Sarah and team"
            return [self._signal(S.GREETS_ANOTHER, f"the message opens by greeting {said}, "
                                 f"who could be {min(greeted)}, not {address}")]
        return []

    def _fingerprint(self, message: Message, store) -> tuple[int, ...]:
        if store is None:
            return ()
        if self._key is None:
            self._key = store.profile_key()
        return profile.fingerprint(message, self._key)

    def _message_signals(self, message: Message, hello: greeting.Greeting | None,
                         greeted: set[str], targets: list[str], shown_before: AbstractSet[str],
                         shown_as: Callable[[], dict[str, str]]) -> list[Signal]:
        out = []
        visible = list(dict.fromkeys(normalise(a) for a in message.to + message.cc))
        domain = {a: domain_of(a) for a in visible}  # asked three times of each
        visible_external = [a for a in visible if not in_domains(domain[a], self.internal)]
        # the residents who wrote in together, answered together: they had seen one another
        exposed = [a for a in visible_external if a not in shown_before]
        private = [a for a in exposed if domain[a] in self.webmail]
        besides = ", besides those the conversation already showed" \
            if len(exposed) < len(visible_external) else ""
        if len(exposed) > self.bulk:
            out.append(self._signal(
                S.BULK_EXPOSURE, f"{len(exposed)} external addresses are visible to every "
                f"recipient in To/Cc (more than {self.bulk}){besides}; use Bcc"))
        elif len(private) > self.bulk_private:
            # a handful of private people (carers, parents, residents) exposed to one another
            # is the same disclosure as forty, however few the addresses in all
            out.append(self._signal(
                S.BULK_EXPOSURE, f"{len(private)} personal webmail addresses are visible to "
                f"every recipient in To/Cc (more than {self.bulk_private}){besides}; use Bcc"))
        # the organisations that see one another on the message (a Bcc circular shows none)
        orgs = lookalike.organisations(
            domain[a] for a in visible
            if not in_domains(domain[a], self.internal + self.partners)
            and domain[a] not in self.webmail)
        if len(orgs) >= 3:
            out.append(self._signal(
                S.MIXED_AUDIENCE, f"the message goes to {len(orgs)} unrelated organisations"))
        if any(p.is_attachment and p.text for p in message.parts) and (other := about_another(
                message, whom.own_names(message) | {w for t in targets for w in [
                    *names.name_words(t), *greeting.person_words(shown_as().get(t, ""))]})):
            out.append(self._signal(
                S.ATTACHMENT_ABOUT_ANOTHER, f"the message is about {names.quote(other[0])}, but "
                f"what it attaches is about {names.quote(other[1])}{_and_others(other[2])} "
                f"and never names {names.quote(other[0])}"))
        if where := marked_where(message):
            out.append(self._signal(
                S.PROTECTIVE_MARKING, f"{where} is marked OFFICIAL-SENSITIVE or above and "
                "this destination is not on the secure list"))
        # "no recipient has that name" only where each has a name to compare: ab123@ (a
        # student or staff number) with no display name may be the Sophie greeted
        if hello is not None and hello.opener and not greeted and \
                not any(names.is_role_address(t) for t in targets) and \
                all(names.name_words(t) or shown_as().get(t) for t in targets):
            out.append(self._signal(
                S.SALUTATION_MISMATCH, f"the message opens by greeting {greeting.said(hello)} "
                "but no recipient has that name"))
        return out


class _Organisations:
    """The organisation of each recipient of one message, read once: asking, for each
    recipient, every other's (a public-suffix lookup each) took 40 s for a thousand."""

    def __init__(self, targets: list[str]) -> None:
        self.of = {t: lookalike.organisation(domain_of(t)) for t in targets}
        self.count = Counter(o for o in self.of.values() if o is not None)
        self.above: Counter[str] = Counter()  # a parent name of some recipient's organisation
        for o in self.count:
            for parent in _parents(o):
                self.above[parent] += 1

    def has_another(self, org: str) -> bool:
        """Whether another recipient is at this organisation, or at one it is part of or
        that is part of it (admin.oakfield.leeds.sch.uk beside oakfield.leeds.sch.uk)."""
        return self.count[org] >= 2 or self.above[org] > 0 or \
            any(p in self.count for p in _parents(org))


def _and_others(count: int) -> str:
    return f" and {count} other{'s' if count > 1 else ''}" if count else ""


def _parents(name: str) -> list[str]:
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels) - 1)]


def _readable(domain: str) -> str:
    """An international domain as its readers write it, with the form mail systems use beside
    it (münchen.de (xn--mnchen-3ya.de)): the second alone says nothing to a sender, the first
    alone could hide a look-alike letter."""
    shown = lookalike.unicode_domain(domain)
    return domain if shown == domain else f"{shown} ({domain})"


@register("recipients")
def _factory(settings: Settings) -> RecipientRiskAssessor:
    return RecipientRiskAssessor(settings)
