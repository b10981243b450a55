"""The delivery journal: each message is sent on at most once, even across a crash.

RFC 1047's window: the next hop has the whole message and is about to say 250
when the relay dies. The client never hears 250, so its MTA sends the message
again, and without a record the next hop gets it twice. The journal is that
record. Before DATA goes to the next hop, a row keyed by a hash of the envelope
and bytes is committed as 'sending'; after the next hop's 250 it becomes
'delivered' (written in batches: a lost mark errs towards holding, never
towards sending twice); a held message's row is committed with the quarantine
row. A retry is then answered from the journal:

- delivered or held before: 250 again, nothing sent;
- being sent by this process right now (a client that gave up waiting): 451;
- 'sending' left by a relay that stopped: the outcome is unknown, so the
  message is held for a person to check rather than sent a second time.

Concurrent claims are written together in one transaction (group commit), so
the cost per message is a share of one commit, not one each.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass, replace

from dlpgate import obs
from dlpgate.model import Envelope
from dlpgate.record import Batcher
from dlpgate.store.base import HeldMessage, Store, StoreError
from dlpgate.workers import spawn

log = obs.logger("dlpgate.journal")

INTERRUPTED_RULE = "interrupted-delivery"
INTERRUPTED_REASON = (
    "The gateway stopped while the next hop was taking this message, so it may already "
    "have been delivered. Check with the recipient's mail system before releasing it; "
    "release only if it did not arrive."
)


class Prior(enum.StrEnum):
    """What became of an earlier attempt to send the same message."""

    NEW = "new"  # none: send it
    IN_FLIGHT = "in-flight"  # this process is sending it now
    DELIVERED = "delivered"  # the next hop said 250
    HELD = "held"  # it is in the quarantine
    UNKNOWN = "unknown"  # a relay stopped while sending it: maybe delivered


@dataclass(frozen=True, slots=True)
class Earlier:
    prior: Prior
    scan_id: str = ""


NEW = Earlier(Prior.NEW)
# what this process remembers of a key -> what a retry of it finds
_LOCAL = {"sending": Prior.IN_FLIGHT, "delivered": Prior.DELIVERED, "held": Prior.HELD,
          "doubt": Prior.UNKNOWN}


def as_interrupted(item: HeldMessage) -> HeldMessage:
    """A message policy would send, held because an earlier attempt may have been delivered."""
    match = {"rule": INTERRUPTED_RULE, "action": "hold", "mode": "enforce", "overridden_by": "",
             "reasons": [INTERRUPTED_REASON]}
    # reviewers are told (they must check the next hop); the sender is not: nothing they
    # wrote is in question, and the message may well have arrived
    notify = tuple(dict.fromkeys((*(n for n in item.notify if n != "sender"), "reviewers")))
    return replace(item, state="held", verdict="hold", action="hold", delay_minutes=0,
                   notify=notify,
                   rules=(*item.rules, INTERRUPTED_RULE),
                   reasons=(*item.reasons, INTERRUPTED_REASON),
                   matches=(*item.matches, match))


def journal_key(envelope: Envelope, raw: bytes) -> str:
    """The identity of one submission: sender, recipients (in any order) and the exact bytes.

    An MTA's retry repeats all three; a person sending the same text again makes a new
    Message-ID and Date, and so a new key.
    """
    h = hashlib.sha256()
    for part in (envelope.mail_from, *sorted(envelope.rcpt_tos)):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(raw)
    return h.hexdigest()


class Journal:
    """One relay process's view of the journal: the store's rows plus what it is doing now."""

    REMEMBER = 50_000  # keys this process has touched lately, for answers without a read

    def __init__(self, store: Store, node: str, required: bool = True) -> None:
        self.store = store
        # relay.delivery_journal: required raises StoreError (the relay says 451);
        # best-effort carries on as if the message were new when the store cannot answer
        self.required = required
        self.owner = f"{node}:{secrets.token_hex(4)}"  # this boot: a restart is another owner
        self._local: OrderedDict[str, tuple[str, str]] = OrderedDict()  # key -> (state, scan_id)
        self._queue: list[tuple[str, str, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None
        self.marks = Batcher(store.end_deliveries, "delivery-journal", interval=0.05)

    def _remember(self, key: str, state: str, scan_id: str) -> None:
        self._local[key] = (state, scan_id)
        self._local.move_to_end(key)
        while len(self._local) > self.REMEMBER:
            self._local.popitem(last=False)

    def interpret(self, key: str, row: tuple | None) -> Earlier:
        """What an earlier attempt came to, from its row (`Store.delivery`): read here, or by
        the scan worker before its scan (`WorkerPool.run(journal=key)`)."""
        if row is None:
            return NEW
        state, owner, scan_id = row
        if state == "delivered":
            return Earlier(Prior.DELIVERED, scan_id)
        if state == "held":
            return Earlier(Prior.HELD, scan_id)
        if owner == self.owner:
            local = self._local.get(key)
            if local is not None and local[0] == "sending":
                return Earlier(Prior.IN_FLIGHT, scan_id)
            if local is not None and local[0] == "failed":
                return NEW  # our own failed send whose row could not be cleared
        return Earlier(Prior.UNKNOWN, scan_id)

    def recalled(self, key: str) -> Earlier | None:
        """What this process remembers of an earlier attempt; None: only the store knows."""
        local = self._local.get(key)
        if local is None:
            return None
        state, scan_id = local
        return Earlier(_LOCAL[state], scan_id) if state != "failed" else NEW

    async def earlier(self, key: str) -> Earlier:
        """What an earlier attempt at this message came to (StoreError when required)."""
        recalled = self.recalled(key)
        if recalled is not None:
            return recalled
        try:
            row = await asyncio.to_thread(self.store.delivery, key)
        except StoreError as exc:
            return self.unread(exc)
        return self.interpret(key, row)

    def unread(self, exc: StoreError) -> Earlier:
        """The store could not say: `exc` raised when the journal is required, else NEW."""
        if self.required:
            raise exc
        log.warning("journal_unavailable", stage="read")
        return NEW

    async def begin(self, key: str, scan_id: str) -> Earlier:
        """Claim the message for sending; NEW means it is committed as ours and may go."""
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queue.append((key, scan_id, fut))
        if self._writer is None or self._writer.done():
            self._writer = spawn(self._drain(), name="journal-begin")
        try:
            row = await fut
        except StoreError:
            if self.required:
                raise
            log.warning("journal_unavailable", stage="claim")
            return NEW  # sent unjournaled: its marks later change no row
        if row is None:
            return NEW
        earlier = self.interpret(key, row)
        if earlier is NEW:  # our own earlier failed send: take the row over
            await asyncio.to_thread(self.store.retake_delivery, key, self.owner, scan_id)
            self._remember(key, "sending", scan_id)
        return earlier

    async def _drain(self) -> None:
        """Write every claim waiting now in one transaction; repeat while more arrive."""
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                rows = await asyncio.to_thread(
                    self.store.begin_deliveries, [(k, self.owner, s) for k, s, _ in batch])
            except StoreError as exc:
                for _, _, fut in batch:
                    if not fut.done():
                        fut.set_exception(StoreError(str(exc)))
                continue
            for (key, scan_id, fut), row in zip(batch, rows, strict=True):
                if row is None:
                    self._remember(key, "sending", scan_id)
                    if fut.done():  # the session went away while waiting: nothing was sent
                        self.forget(key)
                        continue
                if not fut.done():
                    fut.set_result(row)

    def sent(self, key: str, delivered: bool, in_doubt: bool = False) -> None:
        """After the next hop's answer. A refused send's row goes in the next batch, as does
        a delivered one's mark; this process answers from memory until then. A send whose
        answer never came (time-out, connection lost after the data) keeps its 'sending'
        row: a retry is held for a check, like one after a crash."""
        _, scan_id = self._local.get(key, ("", ""))
        if delivered:
            self._remember(key, "delivered", scan_id)
            self.marks.add((key, scan_id, True))
        elif in_doubt:
            self._remember(key, "doubt", scan_id)
        else:
            self.forget(key)

    def forget(self, key: str) -> None:
        _, scan_id = self._local.get(key, ("", ""))
        self._remember(key, "failed", scan_id)
        self.marks.add((key, scan_id, False))

    def held(self, key: str, scan_id: str) -> None:
        self._remember(key, "held", scan_id)

    async def close(self) -> None:
        await self.marks.close()
