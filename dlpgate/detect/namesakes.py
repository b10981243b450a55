"""The other Sarah: evidence that a known contact was taken for a similarly named one.

History says such a recipient is known; only what history says about the contacts it
could have been mistaken for (its namesakes, `names.namesakes`) can say "not for her":
the message's words and identifiers (a child's NHS number) have gone to the namesake,
not to this one (content-fits-another); the other recipients have had mail with the
namesake and never with this one (group-fits-another); the namesake is the one usually
written to (usual-namesake), or the one written to lately when this one has not been
for months (current-namesake); this one has only been on circulars and the message goes
to a few (circular-only); the message names the namesake in full, or greets the
namesake's name and not this one's (names-another). And from colleagues' history, for the
Sarah meant whom this sender has never written to: a similarly named address colleagues
here write to, and she does not, has had what this message is about, or has had mail with
its other recipients (colleagues-namesake).

Each is evidence, not a verdict: `recipients.combine` weighs it, and policies decide.
"""

from __future__ import annotations

from collections.abc import Callable

from dlpgate.config import Settings
from dlpgate.detect import greeting, names
from dlpgate.history import GROUP_PAIRS_MAX, anchors
from dlpgate.model import RecipientSignal as S
from dlpgate.model import Signal
from dlpgate.store.base import Correspondence

# Makes a signal with its configured weight: (name, explanation) -> Signal.
SignalMaker = Callable[[S, str], Signal]


def together(pairs: dict[tuple[str, str], int], a: str, b: str) -> int:
    """How often a and b have had mail together (pairs are keyed in sorted order)."""
    return pairs.get((a, b) if a < b else (b, a), 0)


def times(count: int) -> str:
    """"once", "twice", "5 times": how often, as a sender would say it."""
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def days_ago(seconds: float) -> str:
    days = int(seconds // 86400)
    return "today" if days < 1 else f"{days} day{'s' if days != 1 else ''} ago"


class Namesakes:
    """The namesake signals for one recipient, from the sender's history and the message."""

    def __init__(self, settings: Settings, signal: SignalMaker) -> None:
        r = settings.recipients
        self._signal = signal
        self.known_min = r.known_min_count
        self.dormant = r.dormant_days * 86400
        self.current = r.current_days * 86400
        self.circular_min = r.circular_min
        self.few_max = r.few_max
        self.content_min = r.content_min
        self.content_ratio = r.content_ratio

    def signals(self, address: str, known: Correspondence | None,
                similar: list[Correspondence], targets: list[str],
                pairs: dict[tuple[str, str], int], now: float) -> list[Signal]:
        """The autocomplete error with a real contact: a namesake fits better.

        Three kinds of evidence, each from this sender's history: the other recipients
        have had mail together with the namesake but never with this one (the group
        belongs to the other Sarah); this one has only been on a circular or two; and the
        namesake is the one usually written to (and still: not when only this one has had
        mail this month) or, failing that, the one written to lately (one namesake's habit
        counts once).

        A distribution list (over GROUP_PAIRS_MAX recipients) is known by its anchors
        (`history.anchors`): this one has had mail with at most one of them (a colleague
        shares the odd message with somebody on every list), the namesake with two more
        than this one. Only a contact the sender already knows is asked: the
        autocomplete offers known contacts, and someone joining a list for the first time
        has never been on it whether or not a namesake has.
        """
        out = []
        others = [t for t in targets if t != address]
        if others and pairs and len(targets) <= GROUP_PAIRS_MAX:
            out += self._group_fit(address, others, similar, pairs)
        elif others and pairs and known is not None:
            out += self._list_fit(address, targets, similar, pairs)
        out += self._circular_only(address, known, targets)
        count = known.count if known else 0
        top = similar[0]  # most frequent first
        # Not when the usual one has had nothing this month and this one has had mail
        # since: the sender has moved on to this one (the same person's new address, the
        # Sarah of a new case). One slip since does not silence it while the usual one is
        # still written to.
        moved_on = known is not None and known.last_seen > top.last_seen and \
            now - top.last_seen > self.current
        if known and top.count >= max(3, 3 * count) and not moved_on:
            out.append(self._signal(
                S.USUAL_NAMESAKE, f"you usually write to {top.recipient} ({times(top.count)}), "
                f"whose name is like {address} ({times(count)})"))
        else:
            out += self._current_namesake(address, known, similar, now)
        return out

    def named(self, address: str, similar: list[Correspondence], words: set[str],
              hello: greeting.Greeting | None, greeted: bool) -> list[Signal]:
        """The other Sarah by name: the message names a namesake in full, or opens by
        greeting a name that is the namesake's and not this one's ("Hi Ken" to mark.lay
        when kenneth.lay is the contact with that name)."""
        if names.in_thread(address, words):
            return []
        for c in similar:
            # in full: a.khan@ has only a surname to be named by, which is this one's too
            if len(names.name_words(c.recipient)) >= 2 and names.in_thread(c.recipient, words):
                return [self._signal(
                    S.NAMES_ANOTHER, f"the message names {c.recipient}, whose name is like "
                    f"{address}'s, and not {address}")]
        if hello is None or greeted:
            return []
        for c in similar:
            if greeting.greets(c.recipient, hello, initials=False):
                return [self._signal(
                    S.NAMES_ANOTHER, f"the message opens by greeting {greeting.said(hello)}, "
                    f"which is the name of {c.recipient}, not of {address}")]
        return []

    def content_fit(self, address: str, sender: str, tokens: tuple[int, ...],
                    similar: list[Correspondence], store) -> list[Signal]:
        """The message fits a similarly named contact, not this one.

        Fit is the message's words that have gone to a contact before, each weighted by
        1 / how many of the sender's contacts have had it, so that words everyone gets
        do not make a frequent contact fit everything. The namesake must fit by at
        least `content_min` such words and more than `content_ratio` times this one.
        """
        candidates = [c.recipient for c in similar]
        fits = store.profile_share(sender, [address, *candidates], tokens)
        best = max(candidates, key=lambda c: fits.get(c, 0.0))
        best_fit = fits.get(best, 0.0)
        if best_fit >= self.content_min and fits.get(address, 0.0) * self.content_ratio < best_fit:
            return [self._signal(
                S.CONTENT_FITS_ANOTHER, f"what this message is about has gone to {best} "
                f"before, not to {address}")]
        return []

    def _circular_only(self, address: str, known: Correspondence | None,
                       targets: list[str]) -> list[Signal]:
        """A contact met only on circulars, now on a message to a few.

        An autocomplete keeps every address the sender has typed or pasted, so the
        Karen of last year's memo to 171 colleagues is offered beside the Karen written
        to every week; a few people's mail to her, when she has a namesake, is the slip.
        """
        if known is None or known.smallest is None or known.smallest < self.circular_min \
                or known.count > self.known_min or len(targets) > self.few_max:
            return []
        return [self._signal(
            S.CIRCULAR_ONLY, f"you have written to {address} {times(known.count)}, "
            f"{'on a circular' if known.count == 1 else 'on circulars'} (never to fewer than "
            f"{known.smallest} people), and this message goes to "
            f"{'them alone' if len(targets) == 1 else f'{len(targets)} people'}")]

    def _current_namesake(self, address: str, known: Correspondence | None,
                          similar: list[Correspondence], now: float) -> list[Signal]:
        """A contact not written to for months, when a namesake was written to this month.

        A mail client's autocomplete keeps every address it has seen, so the Sarah of a
        case closed last year is still offered when the Sarah of this week's case is meant.
        """
        if known is None or now - known.last_seen < self.dormant:
            return []
        current = max(similar, key=lambda c: c.last_seen)
        if now - current.last_seen > self.current:
            return []
        return [self._signal(
            S.CURRENT_NAMESAKE, f"you last wrote to {address} {days_ago(now - known.last_seen)}, "
            f"and to {current.recipient}, whose name is like it, "
            f"{days_ago(now - current.last_seen)}")]

    def _group_fit(self, address: str, others: list[str], similar: list[Correspondence],
                   pairs: dict[tuple[str, str], int]) -> list[Signal]:
        """A small group: never with any of the others, when a namesake has been."""
        if any(together(pairs, address, o) for o in others):
            return []
        n, best = max(((sum(together(pairs, c.recipient, o) for o in others), c)
                       for c in similar), key=lambda f: f[0])
        if not n:
            return []
        return [self._signal(
            S.GROUP_FITS_ANOTHER, f"you have written to the other recipients together with "
            f"{best.recipient} {n} time{'s' if n != 1 else ''}, never with {address}")]

    def _list_fit(self, address: str, targets: list[str], similar: list[Correspondence],
                  pairs: dict[tuple[str, str], int]) -> list[Signal]:
        """A distribution list, by its anchors: this one has met one of them at most, the
        namesake two more than this one."""
        stand_ins = [a for a in anchors(targets) if a != address]
        mine = sum(together(pairs, address, a) > 0 for a in stand_ins)
        if mine > 1:
            return []

        def fit(c: Correspondence) -> tuple[int, Correspondence, int]:
            counts = [together(pairs, c.recipient, a) for a in stand_ins]
            return sum(counts), c, sum(n > 0 for n in counts)

        n, best, met = max(map(fit, similar), key=lambda f: f[0])
        if not n or met - mine < 2:
            return []
        hardly = "never" if not mine else "only once alongside its members"
        return [self._signal(
            S.GROUP_FITS_ANOTHER, f"you have sent to this list of {len(targets)} with "
            f"{best.recipient} on it before, {hardly} with {address}")]


def colleagues_namesakes(targets: list[str], known: set[str], sender: str, store,
                         limit: int = 20) -> dict[str, list[str]]:
    """For each recipient the sender has written to (`known`), the similarly named addresses
    at its domain (`store.named_alike`: a first name or surname shared, as
    `names.similar_names` reads them) that colleagues here write to and the sender never
    has, at most `limit` of them: the Sarah meant, when the sender knows only the other one.
    Not the recipient's own other address (`names.same_person`), nor another recipient of
    the message."""
    asked = [t for t in targets if t in known]
    if not asked or store is None:
        return {}
    found = store.named_alike(asked)
    inside = set(targets) | {sender}
    out: dict[str, list[str]] = {}
    for t in asked:
        # a shared first name or surname is `names.similar_names` already: no need to ask
        alike = [c for c in found.get(t, ()) if c not in inside and not names.same_person(t, c)]
        if alike:
            out[t] = alike
    if not out:
        return {}
    mine = store.correspondence(sender, sorted({c for cs in out.values() for c in cs}))
    out = {t: [c for c in cs if not ((h := mine.get(c)) and h.count)][:limit]
           for t, cs in out.items()}
    return {t: cs for t, cs in out.items() if cs}


class ColleaguesNamesakes:
    """colleagues-namesake for the recipients that have one (`colleagues_namesakes`), from
    what went to each from anyone here and with whom: the message fits the namesake the
    sender has never written to, not this one."""

    def __init__(self, settings: Settings, signal: SignalMaker) -> None:
        self._signal = signal
        self.content_min = settings.recipients.content_min
        self.content_ratio = settings.recipients.content_ratio

    def signals(self, alike: dict[str, list[str]], targets: list[str], tokens: tuple[int, ...],
                store) -> dict[str, list[Signal]]:
        """By content as `Namesakes.content_fit` asks it (the namesake has had at least
        `content_min` of the message's words, each weighted by how few addresses here have
        had it, and more than `content_ratio` times this one), else by the group as
        `group-fits-another` asks it (colleagues have written to the other recipients
        together with the namesake, and no one here with this one)."""
        everyone = sorted({*alike, *(c for cs in alike.values() for c in cs)})
        fits = store.share_from_anyone(everyone, tokens) if tokens else {}
        small = 2 <= len(targets) <= GROUP_PAIRS_MAX
        pairs = store.together_anyone(everyone + targets) if small else {}
        out: dict[str, list[Signal]] = {}
        for address, cs in alike.items():
            best = max(cs, key=lambda c: (fits.get(c, 0.0), c))
            best_fit = fits.get(best, 0.0)
            if best_fit >= self.content_min and \
                    fits.get(address, 0.0) * self.content_ratio < best_fit:
                out[address] = [self._signal(
                    S.COLLEAGUES_NAMESAKE, f"what this message is about has gone from "
                    f"colleagues here to {best}, whose name is like {address}'s and whom you "
                    f"have never written to, and not to {address}")]
                continue
            others = [t for t in targets if t != address]
            if not others or any(together(pairs, address, o) for o in others):
                continue
            n, best = max((sum(together(pairs, c, o) for o in others), c) for c in cs)
            if n:
                out[address] = [self._signal(
                    S.COLLEAGUES_NAMESAKE, f"colleagues here have written to the other "
                    f"recipients together with {best}, whose name is like {address}'s and "
                    f"whom you have never written to, never with {address}")]
        return out
