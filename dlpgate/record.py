"""record: the decision log and learned correspondence, written in batches off the reply path.

A held message is committed before its 250 (act stage). The decision log is
not what keeps mail safe, so it does not make each client wait for its own
fsync: records queue here and a background task writes them a batch per
transaction. A crash loses at most the last `interval` of log rows, never mail;
a graceful stop flushes everything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from dlpgate import obs
from dlpgate.store.base import Store, StoreError
from dlpgate.workers import spawn

log = obs.logger("dlpgate.record")


class Batcher:
    """Rows queued in memory, written a batch per transaction by `write`, off the reply path.

    A batch the store refuses is kept and tried again, as long as the store is what failed.
    When `ping` says the store answers, the batch itself is at fault: a row the store will
    never take (PostgreSQL refuses a NUL in text) would fail every later batch it is queued
    with, so the batch is written in halves until the rows refused alone are found; those
    are dropped and counted (`refused`), and the rest are written.
    """

    def __init__(self, write: Callable[[list[Any]], None], what: str, interval: float = 0.1,
                 max_pending: int = 10_000, ping: Callable[[], None] | None = None,
                 erased: Callable[[], float | None] | None = None) -> None:
        self.write = write
        self.what = what
        self.interval = interval
        self.max_pending = max_pending
        self.ping = ping
        # when the last erasure happened (history forget): what was queued before it is not
        # written after it, or the forgotten address came back whole with the next batch
        self.erased = erased
        self._pending: list[tuple[float, Any]] = []  # (when queued, record)
        self._task: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()
        self.dropped = 0
        self.refused = 0

    def add(self, record: Any) -> None:
        if len(self._pending) >= self.max_pending:  # the store is down for long: bound memory
            self.dropped += 1
            return
        self._pending.append((time.time(), record))
        if self._task is None or self._task.done():
            self._task = spawn(self._flush_soon(), name=self.what)

    async def _flush_soon(self) -> None:
        """Flush until nothing is left: a record queued while a batch was being written (or
        left by a batch the store refused) waited for the next message, lost if the relay
        stopped first."""
        wait = self.interval
        while True:
            await asyncio.sleep(wait)
            ok = await self.flush()
            if not self._pending:
                return
            wait = self.interval if ok else max(self.interval, 1.0)  # a store down: not hammered

    async def flush(self) -> bool:
        """Write what is queued; whether the store took it. One flush at a time: a flush
        asked for (at drain, or by a test) while the timed one was writing found nothing
        queued and returned at once, before those rows were in the store."""
        async with self._writing:
            return await self._flush()

    async def _flush(self) -> bool:
        queued, self._pending = self._pending, []
        if queued and self.erased is not None:
            queued = await asyncio.to_thread(self._after_erasure, queued)
        if not queued:
            return True
        when = {id(r): t for t, r in queued}
        batch = [r for _, r in queued]
        try:
            await asyncio.to_thread(self.write, batch)
            return True
        except StoreError as exc:
            whole = exc.whole  # a full disk answers reads: ping alone dropped its rows
            error = str(exc)
        refused, unwritten = await asyncio.to_thread(self._apart, batch) \
            if not whole and self.ping is not None and await asyncio.to_thread(self._answers) \
            else ([], batch)
        if refused:
            self.refused += len(refused)
            log.error("store_refused_rows", stage=self.what, rows=len(refused))
        if unwritten:
            log.error("store_failed", stage=self.what, rows=len(unwritten), error=error)
            from dlpgate import metrics  # the relay's counters (prometheus_client), when asked

            metrics.STORE_ERRORS.labels(self.what).inc()
            self._pending[:0] = [(when[id(r)], r) for r in unwritten][
                : self.max_pending - len(self._pending)]
        return not unwritten

    def _after_erasure(self, queued: list[tuple[float, Any]]) -> list[tuple[float, Any]]:
        try:
            erased = self.erased()  # type: ignore[misc]
        except StoreError:
            return queued  # the write will fail too, and keep them
        if erased is None:
            return queued
        kept = [(t, r) for t, r in queued if t > erased]
        if len(kept) < len(queued):
            log.info("erased_before_written", stage=self.what, rows=len(queued) - len(kept))
        return kept

    def _answers(self) -> bool:
        try:
            self.ping()  # type: ignore[misc]
            return True
        except StoreError:
            return False

    def _apart(self, rows: list[Any]) -> tuple[list[Any], list[Any]]:
        """(rows the store refuses alone, rows left unwritten because it stopped answering),
        writing the rest in halves."""
        if len(rows) == 1:
            for _ in range(2):  # refused twice while the store answers: not a passing lock
                try:
                    self.write(rows)
                    return [], []
                except StoreError as exc:
                    if exc.whole or not self._answers():
                        return [], rows
            return rows, []
        refused: list[Any] = []
        middle = len(rows) // 2
        for i, part in enumerate((rows[:middle], rows[middle:])):
            try:
                self.write(part)
                continue
            except StoreError as exc:
                if exc.whole:  # the store went away: keep this and what is not tried yet
                    return refused, part + (rows[middle:] if i == 0 else [])
            bad, unwritten = self._apart(part)
            refused += bad
            if unwritten:  # the store went away: keep this and what is not tried yet
                return refused, unwritten + (rows[middle:] if i == 0 else [])
        return refused, []

    async def close(self) -> None:
        """The last flush. The timed one is stopped only between its writes (the lock held):
        cancelled in the middle of one, its rows went on being written in their thread while
        the store was closed under them."""
        async with self._writing:
            if self._task is not None and not self._task.done():
                self._task.cancel()
            await self._flush()

    def add_all(self, records: list[Any]) -> None:
        for r in records:
            self.add(r)


def decision_log(store: Store) -> Batcher:
    return Batcher(store.record_decisions, "decision-log", ping=store.ping)


def history_log(store: Store) -> Batcher:
    """Correspondence learned from mail the next hop accepted (held mail once it is
    released: `learn_released`)."""
    return Batcher(store.learn, "history", ping=store.ping, erased=store.erased_at)


def reply_log(store: Store) -> Batcher:
    """(our address, theirs, when) of relayed mail from outside to us: they wrote in."""
    return Batcher(store.mark_replied, "replies", ping=store.ping, erased=store.erased_at)


def group_log(store: Store) -> Batcher:
    """(sender, recipients) of relayed mail: who is written to together."""
    return Batcher(store.learn_groups, "groups", ping=store.ping, erased=store.erased_at)


def profile_log(store: Store) -> Batcher:
    """(sender, recipient, word hashes) of relayed mail, for content fit."""
    return Batcher(store.learn_profiles, "profiles", ping=store.ping, erased=store.erased_at)


def identifier_finder(settings: Any) -> Callable[[Any], list]:
    """The pattern detectors alone (NER left out), for the identifiers a content profile
    carries beside its words, as the relay's scan finds them."""
    from dlpgate import detect
    from dlpgate.detect.registry import Context, build

    patterns = [d for d in build(settings)[0] if not getattr(d, "costly", False)]
    ctx = Context(settings=settings, store=None)
    return lambda message: list(detect.find(message, patterns, ctx))


def learn_message(store: Store, message: Any, pairs: list, key: bytes,
                  findings: list | tuple = (), no_profile: frozenset[str] = frozenset()) -> list:
    """One message's group and content profile, outside the batchers; returns its pairs
    with `joined` set for recipients it added to a conversation, for the caller to learn
    (at once, or in batches as `history learn` does). `no_profile`: recipients whose address
    passed for another's, kept out of the profiles as the relay keeps them."""
    from dlpgate.detect.profile import fingerprint
    from dlpgate.detect.thread import carries_conversation, outside_thread
    from dlpgate.history import joining

    # Only a message that quotes the conversation says who was in it: a reply with its quote
    # deleted made its one recipient "copied in", and every resident a housing officer had
    # answered so became `often-copied-in`, which took `not-in-thread` off the wrong one
    if carries_conversation(message.body):
        pairs = joining(pairs, outside_thread(message, [p.recipient for p in pairs], True))
    store.learn_groups([(pairs[0].sender, tuple(p.recipient for p in pairs))])
    tokens = fingerprint(message, key, findings)
    store.learn_profiles([(p.sender, p.recipient, tokens) for p in pairs
                          if p.recipient not in no_profile], pairs[0].when or None)
    return pairs


def learn_sent(store: Store, raw: bytes, key: bytes,
               no_profile: frozenset[str] = frozenset()) -> list:
    """Learn one sent message at once: From -> each recipient, the group, the content profile.

    The offline twin of what the relay learns from relayed mail through the batchers (for
    the benchmarks' history), with the profile made of words alone: the relay and `history
    learn` add the identifiers pattern detection finds. Returns the pairs learned.
    """
    from dlpgate.history import pairs_from_message
    from dlpgate.parse.mime import parse

    pairs = pairs_from_message(raw)
    if not pairs:
        return []
    pairs = learn_message(store, parse(raw), pairs, key, no_profile=no_profile)
    store.learn(pairs)
    return pairs


def learn_released(store: Store, settings: Any, raw: bytes, mail_from: str,
                   delivered: list[str], now: float | None = None, unread: bool = False) -> None:
    """A held message that left after all (a reviewer released it, its sender confirmed it,
    its delay ran out): the next hop accepted it for `delivered`, so it is learned as the
    relay learns what it relays. Without this a new correspondent whose first message was
    held stays new however often a reviewer lets mail to them go, and is held again.

    The profile carries the identifiers pattern detection finds, as the relay's does; the
    message is parsed again (its scan result is not kept with it), within the scan limits.
    Mail from outside to us teaches only that its sender wrote in, as the relay learns it.
    `unread`: held because its scan failed too often (`HeldMessage.unread`): whatever
    crashed the scan workers would crash this process, so only its headers are read, and
    who wrote to whom is learned without its content.
    """
    import time

    from dlpgate.history import Pair, answered, normalise, written_in
    from dlpgate.parse.mime import parse

    if mail_from in ("", "<>") or not delivered:
        return
    now = time.time() if now is None else now
    if unread:  # its scan failed too often (model.SCAN_FAILED): its headers, not its content
        from dlpgate.parse.unread import unread_message

        message = unread_message(raw, None, "")
    else:
        message = parse(raw, limits=settings.scan.limits, ocr=settings.scan.ocr)
    sender = normalise(message.from_addr or mail_from)  # the From's, as the relay learns it
    rcpts = tuple(dict.fromkeys(normalise(r) for r in delivered))
    internal = settings.organisation.internal_domains
    replied = written_in(sender, rcpts, internal, now)
    if replied is None and message.auto_reply:
        replied = answered(sender, rcpts, internal, now)
    if replied is not None:
        store.mark_replied(replied)
        return
    pairs = [Pair(sender, r, now, audience=len(rcpts)) for r in rcpts]
    # an unread message's words (its subject alone) make no content profile, as the relay
    # keeps none from it (`Scanner.unread` gives no fingerprint)
    store.learn(learn_message(store, message, pairs, store.profile_key(),
                              identifier_finder(settings)(message),
                              frozenset(rcpts) if unread else frozenset()))
