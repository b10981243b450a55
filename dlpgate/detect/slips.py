"""Addresses that imitate another: typing slips, a contact's name elsewhere, look-alike domains.

A recipient the sender has never written to is compared with what it could be a mistake
for, in this order: the sender's own contacts (a contact's name at another domain, or a
slip from a contact's address), the addresses written in the conversation the message
carries, every address colleagues here write to (through the store's spellings index),
and the full names the message writes. Outside the organisation its domain is compared
too, with the domains that matter to this sender and to the organisation.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dlpgate.config import Settings
from dlpgate.detect import greeting, lookalike, names
from dlpgate.detect.namesakes import SignalMaker, times
from dlpgate.history import in_domains, normalise
from dlpgate.model import RecipientSignal as S
from dlpgate.model import Signal

# Messages from here to a domain before it counts as somebody's real correspondent rather
# than a slip that went once or twice (and stayed in the autocomplete)
ESTABLISHED = 3


class Slips:
    def __init__(self, settings: Settings, signal: SignalMaker) -> None:
        self._signal = signal
        self.internal = settings.organisation.internal_domains
        self.partners = settings.organisation.partner_domains
        self.known_min = settings.recipients.known_min_count
        self.webmail = lookalike.WEBMAIL | set(settings.recipients.webmail)
        self.ours = list(dict.fromkeys([*self.internal, *self.partners]))
        self.distinct = list(settings.recipients.distinct_domains)

    def dressed_up(self, domain: str, contacts: names.Contacts, quoted: set[str]) -> list[Signal]:
        """A domain dressed up as ours or a declared partner's: asked of every recipient
        outside, however often it has been written to.

        Anyone may register nhs-net.com or examplecouncil-gov.uk, so having written there
        before makes it no less an imitation: the mistyped address stays in the senders'
        autocomplete, and an impostor writes in to be answered. A real organisation whose
        domain resembles ours is named in `recipients.distinct_domains`.
        """
        if in_domains(domain, self.ours) or in_domains(domain, self.distinct):
            return []
        hit = lookalike.closest_imitation(domain, self.ours, frozenset(self.ours))
        if hit:
            ref, why = hit
            return [self._signal(S.LOOKALIKE_DOMAIN, f"{lookalike.shown(domain)} {why}"
                                 f"{self._whose(ref, contacts, quoted)}")]
        return []

    def mixed_alphabets(self, domain: str) -> list[Signal]:
        """A name mixing alphabets that imitates nothing we know (pаyments-council.com with
        a Cyrillic а): asked of every recipient outside when no imitation was found."""
        if why := lookalike.mixed_scripts(domain):
            return [self._signal(S.LOOKALIKE_DOMAIN, f"{lookalike.shown(domain)} {why}")]
        return []

    def mistaken(self, address: str, contacts: names.Contacts, targets: list[str],
                 quoted: set[str], near: dict[str, list[str]],
                 spellings: names.Spellings) -> list[Signal]:
        """The first that holds: a contact's name at another address or a slip from one, a
        slip from an address in the thread, a slip from an address colleagues write to, a
        slip from a full name the message writes.

        An address the message spells out as a name ("David Arnoff" for darnoff@) was
        typed on purpose: it is no slip from daronoff@, however close the two are.
        """
        if spellings.spelled(address):
            return [s for s in self._confusable(address, contacts, targets)
                    if s.name != S.ADDRESS_SLIP]
        return self._confusable(address, contacts, targets) or \
            self._thread_slip(address, quoted) or \
            self._known_slip(address, near.get(address, [])) or \
            self._name_slip(address, spellings)

    def imitation(self, address: str, domain: str, contacts: names.Contacts,
                  targets: list[str], org_domains: dict, quoted: set[str],
                  near: dict[str, list[str]], spellings: names.Spellings,
                  top_domains: Callable[[], list[str]], dressed: bool = False) -> list[Signal]:
        """Outside the organisation, to an address new to the sender: a mistaken address,
        and a domain that imitates one the sender or the organisation writes to (unless
        `dressed`, already found to imitate ours; a domain already written to here is not
        asked: it is somebody's real correspondent, unless it imitates ours, which
        `dressed_up` asks of every recipient)."""
        out = self.mistaken(address, contacts, targets, quoted, near, spellings)
        seen = org_domains.get(domain)
        if not dressed and (seen is None or seen.count < ESTABLISHED) and \
                not in_domains(domain, self.ours + self.distinct):
            refs = [a.rpartition("@")[2] for a in contacts.frequent(self.known_min)[:100]]
            refs += top_domains()  # the organisation's, read once a message
            refs += sorted({q.rpartition("@")[2] for q in quoted})
            refs += lookalike.WEBMAIL_ORDER + tuple(sorted(self.webmail - lookalike.WEBMAIL))
            refs += [k[1:] for k in near.get("@" + domain, [])]  # any domain written to here
            if domain not in self.webmail:
                hit = lookalike.closest_imitation(domain, list(dict.fromkeys(refs)))
                if hit:
                    ref, why = hit
                    out.append(self._signal(S.LOOKALIKE_DOMAIN,
                                            f"{lookalike.shown(domain)} {why}"
                                            f"{self._whose(ref, contacts, quoted)}"))
        return out

    def shown_as_another_address(self, address: str, shown_as: str,
                                 contacts: names.Contacts) -> list[Signal]:
        """A display name that is another address ('"sarah.khan@nhs.net" <s.k.1990@gmail.com>'):
        the sender reads one address in the To line and the mail goes to another, the entry
        an autocomplete kept from an impostor's reply. Whoever the address behind it is."""
        for written in names.ADDRESS.findall(shown_as):
            shown = normalise(written)
            if shown == address:
                continue
            count = next((row[1] for row in contacts.rows if row[0] == shown), 0)
            whom = f", whom you have written to {times(count)}" if count else ""
            return [self._signal(
                S.CONFUSABLE_ADDRESS, f"{address} is shown as {shown}{whom}: the mail goes to "
                "the address behind the name, not to the one shown")]
        return []

    def shown_as_contact(self, address: str, shown_as: str, contacts: names.Contacts,
                         targets: list[str], known: bool = False) -> list[Signal]:
        """A new address written with a regular contact's full name ("Sarah Khan
        <s.k@otherorg.org>" when sarah.khan@nhs.net is written to every week): the entry an
        autocomplete kept from a reply to an impostor, or a name pasted over the wrong
        address. Not when the address itself carries both names (her own other address is
        `confusable-address` by its local part), nor when that contact is on the message.

        `known`: an address the sender writes to, shown with another contact's name ("DC
        Smith <m.brown@leedsth.nhs.uk>", a contact card saved with the wrong address): the
        sender sees DC Smith in To and the mail goes to Mark Brown. Only when the address
        holds a name and nothing of the one shown (her own second address, s.khan@ or
        jsmith2@ under "Sarah Khan" or "John Smith", is not it; nor is a collar number,
        12345@, which says no name at all) and is no team's (safeguarding@ shown as the
        Sarah who answers from it is not either)."""
        shown = greeting.person_words(shown_as)[:_SHOWN_WORDS]
        if len(shown) < 2:
            return []
        mine = set(names.name_words(address))
        local = address.rpartition("@")[0]
        if known and (not mine or names.is_role_address(address)):
            return []
        # the whole name, either way round ("Khan, Sarah"), then each neighbouring pair: a
        # role after a comma ("Sarah Khan, Health Visitor") is no part of it
        pairs = [(shown[0], shown[-1])] + list(zip(shown, shown[1:], strict=False))
        for first, last in dict.fromkeys(p for a, b in pairs for p in ((a, b), (b, a))):
            if {first, last} <= mine:
                return []
            if known and any(len(w) >= 3 and w in local for w in (first, last)) or \
                    mine & (set(shown) - {first, last}):
                continue  # her second address; or the name shown is another's ("Jo Patel
                # for Sarah Khan" <jo.patel@...>)
            for c in contacts.named(first, last):
                if c.count >= self.known_min and c.recipient not in targets:
                    # the display name itself is not repeated: it may carry anything
                    # ("Sarah (re Jamie Smith, DOB ...) Anderson"), at any length
                    return [self._signal(
                        S.CONFUSABLE_ADDRESS, f"{address} is shown with the name of "
                        f"{c.recipient}, whom you have written to {times(c.count)}")]
        return []

    def unknown_colleague(self, address: str, mistaken: list[Signal]) -> list[Signal]:
        """A slip inside our own domain to an address no one here has ever used.

        Outside, a new address one slip from a known one is often a real new person
        (j.smyth at a partner); inside, colleagues are written to, so an address of
        ours no one has written to, a slip away from one we do, is the slip itself:
        it reaches no one, or the colleague who happens to hold it.
        """
        if not any(s.name == S.ADDRESS_SLIP for s in mistaken):
            return []
        return [self._signal(
            S.UNKNOWN_COLLEAGUE, f"{address} is in our own domain, no one here has ever "
            "written to it, and it is a slip from an address we do: it may reach no one, or "
            "the wrong colleague")]

    def _confusable(self, address: str, contacts: names.Contacts,
                    targets: list[str]) -> list[Signal]:
        """The autocomplete error: a regular contact's name at another address.

        A contact who is also a recipient of this message was not mistaken for this one.
        """
        local, _, domain = address.rpartition("@")
        if disguised := self._disguised(address, contacts, targets):
            return disguised
        local = names.unseparated(local)
        # a slip needs one earlier message; a name elsewhere, a habit
        for c in contacts.mistakable(address):
            if c.recipient == address or c.count < 1 or c.recipient in targets or \
                    names.one_mailbox(address, c.recipient):
                continue
            theirs, _, where = c.recipient.rpartition("@")
            # at another domain only: carol_white@ beside carol.white@ here is a slip, or a
            # colleague with the same name, not her name "at another domain"
            same_name = (where != domain and names.unseparated(theirs) == local and
                         len(local) >= 3 and c.count >= self.known_min)
            if same_name:
                return [self._signal(
                    S.CONFUSABLE_ADDRESS, f"{address} has the name of {c.recipient}, whom you "
                    f"have written to {times(c.count)}, at another domain")]
            if names.is_slip(address, c.recipient):
                return [self._signal(S.ADDRESS_SLIP, _slip(
                    address, c.recipient, f"whom you have written to {times(c.count)}"))]
        return []

    def _disguised(self, address: str, contacts: names.Contacts,
                   targets: list[str]) -> list[Signal]:
        """A contact's local part written in look-alike letters (a Cyrillic а, a full-width
        ｓ, an accent), at any domain: no hand slips into another alphabet, so it is no
        typing slip but an address made to pass for theirs."""
        local, _, domain = address.rpartition("@")
        if local.isascii():
            return []
        plain = lookalike.plain_letters(local)
        if plain == local or not plain.isascii():
            return []
        for c in contacts.mistakable(f"{plain}@{domain}"):
            theirs = c.recipient.rpartition("@")[0]
            if c.recipient not in targets and c.count >= 1 and \
                    names.unseparated(theirs) == names.unseparated(plain):
                return [self._signal(
                    S.CONFUSABLE_ADDRESS, f"{address} spells the name of {c.recipient}, whom "
                    f"you have written to {times(c.count)}, in look-alike letters")]
        return []

    def _name_slip(self, address: str, spellings: names.Spellings) -> list[Signal]:
        """A slip from a name the message writes (barbara.ppaige@ under "From: Barbara
        Paige"): an address typed from the quoted headers or a letter, where no history
        of the right one exists to compare with."""
        if written := spellings.misspelled(address):
            return [self._signal(S.ADDRESS_SLIP, f"{address} looks like a typing slip in the "
                                 f"name {names.quote(written)}, which the message writes")]
        return []

    def _thread_slip(self, address: str, quoted: set[str]) -> list[Signal]:
        """A slip from an address written in the conversation this message carries.

        A reply to someone the organisation has never written to has no history to
        compare with, but the quoted headers name them: a recipient one or two slips
        from an address in the thread (and not itself in it) is that address mistyped.
        """
        return self._slip_from(address, sorted(quoted),
                               "who is in the conversation this message carries")

    def _known_slip(self, address: str, near: list[str]) -> list[Signal]:
        """A slip from an address colleagues here write to, when no one has written to this one.

        The sender's own contacts and the thread are checked first; this catches the
        colleague's contact mistyped by someone who has not written to them yet
        (`near` holds the organisation's known addresses that share a spelling key).
        """
        return self._slip_from(address, near, "whom colleagues here write to")

    def _slip_from(self, address: str, candidates: list[str], who: str) -> list[Signal]:
        for k in candidates:
            if names.is_slip(address, k):
                return [self._signal(S.ADDRESS_SLIP, _slip(address, k, who))]
        return []

    def _whose(self, ref: str, contacts: names.Contacts, quoted: set[str]) -> str:
        """Why the imitated domain matters to this sender, for the explanation."""
        if in_domains(ref, self.internal):
            return ", one of our own domains"
        if in_domains(ref, self.partners):
            return ", an expected partner"
        mine = sum(c.count for c in contacts if c.recipient.rpartition("@")[2] == ref)
        if mine:
            return f", where you have written {mine} time{'s' if mine != 1 else ''}"
        if any(q.rpartition("@")[2] == ref for q in quoted):
            return ", which is in the conversation this message carries"
        if ref in self.webmail:
            return ", a webmail provider"
        return ", where colleagues here write"


_DIGITS = re.compile(r"\d+")
_SHOWN_WORDS = 6  # of a display name, read for a contact's name


def _slip(address: str, other: str, whom: str) -> str:
    """How an address slips from another (`whom`: who the other is), as the sender reads it.

    sarah.khan3@nhs.net beside sarah.khan@nhs.net is most likely another Sarah Khan,
    numbered by a directory that holds several (NHSmail does), not a finger's slip: said so,
    as "typing slip" would have the sender look for a typo that is not there. The same
    digits in another order (john.smith58@ for john.smith85@) are the finger's slip again.
    """
    mine, theirs = _DIGITS.findall(address), _DIGITS.findall(other)
    if _DIGITS.sub("", address) != _DIGITS.sub("", other) or \
            (mine != theirs and sorted("".join(mine)) == sorted("".join(theirs))
             and [len(d) for d in mine] == [len(d) for d in theirs]):
        return f"{address} is a typing slip from {other}, {whom}"
    return (f"{address} differs only by a number from {other}, {whom}: directories number "
            "people who share a name, so this is likely someone else")
