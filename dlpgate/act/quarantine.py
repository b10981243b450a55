"""The quarantine's side of `act`: release, reject and expire held messages.

Shared by `dlpgate quarantine ...` and the review app, so a message leaves the
quarantine one way only. Every step is on the audit trail, under the name of
whoever asked.

Exactly once: a release first claims the message (held -> releasing) with one
compare-and-set in the store. Of two reviewers clicking at the same moment, on
one node or two, one claim wins; the other is told the message is already being
released. The winner sends the original bytes and envelope to the next hop, with
`X-DLP-Released-By` on top, and then records `released`. If the next hop
refuses or is down, the message goes back to `held` with the error shown, never
lost. If the process dies between sending and recording, the message stays
`releasing` and is never sent again by itself: only a person who has checked
the next hop's log can say whether it left (`dlpgate quarantine show`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from dataclasses import dataclass

from dlpgate import obs
from dlpgate.act.notify import notify_closed, notify_partly_sent
from dlpgate.act.relay import NextHop
from dlpgate.config import Settings
from dlpgate.record import learn_released
from dlpgate.store.base import AuditEntry, HeldMessage, Store

log = obs.logger("dlpgate.act.quarantine")

# Where a message may be released or rejected from.
OPEN_STATES = ("held", "awaiting-sender")


def listed(store: Store, state: str, limit: int) -> list[HeldMessage]:
    """Messages in `state` without their bytes; `open` is both open states, `all` every state."""
    if state == "open":
        both = store.held("held", limit, raw=False) + store.held("awaiting-sender", limit,
                                                                 raw=False)
        return sorted(both, key=lambda i: i.created)[:limit]
    return store.held(None if state == "all" else state, limit=limit, raw=False)


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    state: str  # the message's state afterwards
    message: str  # for the person who asked: what happened, no content
    # nothing was tried: the message was not in a state this could act on (decided already,
    # under way, gone); a release that was tried and failed is audited as release-failed
    refused: bool = False


def _header(actor: str, full: bool) -> bytes:
    """X-DLP-Released-By: who, and when; the reason stays in the audit log. Who by kind alone
    (web, cli, sender, system) unless `relay.dlp_headers: full`: the header reaches the
    recipients, and a reviewer's login name is no business of theirs."""
    who = "".join(c for c in actor if c.isprintable() and c not in "\r\n")[:200]
    if not full:
        who = who.partition(":")[0]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return f"X-DLP-Released-By: {who} at {stamp}\r\n".encode("utf-8", "replace")


def _options(item: HeldMessage) -> list[str]:
    """MAIL's options for a release: what the bytes and addresses need, and the DSN options
    (RET, ENVID) the message came with, so a receipt asked for reaches its sender from
    where it is delivered, and NOTIFY=NEVER still means no bounce."""
    options = []
    if any(b > 127 for b in item.raw):
        options.append("BODY=8BITMIME")
    if not all(a.isascii() for a in (item.mail_from, *item.rcpt_tos)):
        options.append("SMTPUTF8")
    return options + list(item.mail_dsn)


async def release(store: Store, settings: Settings, item_id: str, actor: str, reason: str,
                  via: str, hop: NextHop | None = None,
                  states: tuple[str, ...] = OPEN_STATES,
                  only: tuple[str, ...] = ()) -> ActionResult:
    """Send a held message on, exactly once; on any failure it stays held, with the error.

    `only`: release to these of its recipients (the rest never get it from here).
    """
    current = store.get_held(item_id)
    if only and current is not None and not set(only) <= set(current.rcpt_tos):
        return ActionResult(False, current.state, "not released: those are not its recipients")
    item = store.claim(item_id, states, "releasing", actor)
    if item is None:
        return _not_open(store, item_id, "released")
    if only:
        kept = tuple(r for r in item.rcpt_tos if r in only)
        item = dataclasses.replace(item, rcpt_tos=kept, rcpt_dsn=tuple(
            item.options_of(r) for r in kept) if item.rcpt_dsn else ())
    own_hop = hop is None
    hop = hop or NextHop(settings.relay)
    try:
        error, refused = await _send(hop, item, actor, settings.relay.dlp_headers == "full")
    finally:
        if own_hop:
            await hop.close()
    if error:
        store.finish(item_id, "releasing", "held", AuditEntry(
            actor=actor, action="release-failed", item_id=item_id, reason=reason, via=via,
            detail=error), error=error)
        return ActionResult(False, "held", f"not released, still held: {error}")
    shown = ", ".join(f"{rcpt} ({code})" for rcpt, code in refused)
    note = f"the next hop refused {len(refused)} recipient(s): {shown}" if refused else ""
    if only:
        note = "; ".join(filter(None, [_released_note(item.rcpt_tos, current.rcpt_tos), note]))
    store.finish(item_id, "releasing", "released", AuditEntry(
        actor=actor, action="release", item_id=item_id, reason=reason, via=via, detail=note),
        error=note)
    gone = {rcpt for rcpt, _ in refused}
    delivered = [r for r in item.rcpt_tos if r not in gone]
    await _learn(store, settings, item, delivered)
    await notify_partly_sent(settings, current or item, delivered,
                             [r for r in (current or item).rcpt_tos if r not in item.rcpt_tos],
                             refused)
    return ActionResult(True, "released", "released: passed on for delivery"
                        + (f"; {note}" if note else ""))


_PARTIAL = re.compile(r"^to \d+ of \d+ recipients: ([^;]*)")


def _released_note(sent: tuple[str, ...], addressed: tuple[str, ...]) -> str:
    return f"to {len(sent)} of {len(addressed)} recipients: {', '.join(sent)}"


def released_to(entry: AuditEntry) -> set[str] | None:
    """The recipients a partial release went to, read back from its audit entry (None: a
    release to all of them, or no release)."""
    found = _PARTIAL.match(entry.detail) if entry.action == "release" else None
    return set(found.group(1).split(", ")) if found else None


async def _learn(store: Store, settings: Settings, item: HeldMessage,
                 delivered: list[str]) -> None:
    """History learns what a release delivered (record.learn_released), off the event loop.
    The message has left: a failure here is logged and costs a correspondent, never mail."""
    try:
        await asyncio.to_thread(learn_released, store, settings, item.raw, item.mail_from,
                                delivered, None, item.unread)
    except Exception as exc:
        log.error("release_learn_failed", error=type(exc).__name__)


async def _send(hop: NextHop, item: HeldMessage, actor: str,
                full: bool) -> tuple[str, list[tuple[str, int]]]:
    """(error, refused): error is '' when the next hop took the message for someone;
    refused: (recipient, reply code) for each it would not take. Its size is declared
    (RFC 1870) as the relay passes on a client's: a next hop that takes less refused it only
    after the whole DATA; one that says it takes less is not offered it (`NextHop.begin`)."""
    data = _header(actor, full) + item.raw
    tx, reply = await hop.begin(item.mail_from or "<>", [*_options(item), f"SIZE={len(data)}"])
    if tx is None:
        return f"next hop: {reply}", []
    refused = []
    for rcpt in item.rcpt_tos:
        r = await tx.rcpt(rcpt, item.options_of(rcpt))
        if not r.ok:
            refused.append((rcpt, r.code))
    if len(refused) == len(item.rcpt_tos):
        await tx.abort()
        return f"the next hop refused every recipient ({refused[0][0]} ({refused[0][1]}))", []
    sent = await tx.send(data)
    if not sent.ok:
        return f"next hop: {sent}", []
    return "", refused  # the rest have it; those refused never will from here


async def reject_and_tell(store: Store, settings: Settings, item_id: str, actor: str,
                          reason: str, via: str) -> ActionResult:
    """A reviewer's or operator's reject, and a notice to the sender that it will not go."""
    result = reject(store, item_id, actor, reason, via)
    item = store.get_held(item_id) if result.ok else None
    if item is not None:
        await notify_closed(settings, item, "your information governance team rejected it")
    return result


def reject(store: Store, item_id: str, actor: str, reason: str, via: str,
           states: tuple[str, ...] = OPEN_STATES) -> ActionResult:
    item = store.claim(item_id, states, "rejected", actor, AuditEntry(
        actor=actor, action="reject", item_id=item_id, reason=reason, via=via))
    if item is None:
        return _not_open(store, item_id, "rejected")
    return ActionResult(True, "rejected", "rejected: it will not be sent")


def _not_open(store: Store, item_id: str, verb: str) -> ActionResult:
    current = store.get_held(item_id)
    if current is None:
        return ActionResult(False, "", f"no held message {item_id}", refused=True)
    if current.state == "releasing":
        return ActionResult(False, "releasing", f"not {verb}: a release is already under way "
                            f"(started by {current.decided_by})", refused=True)
    return ActionResult(False, current.state, f"not {verb}: it is already {current.state}",
                        refused=True)


async def release_due(store: Store, settings: Settings,
                      now: float | None = None) -> list[ActionResult]:
    """`delay` holds whose window has ended leave by themselves, unless cancelled."""
    now = now or time.time()
    results = []
    for item in store.held("awaiting-sender", limit=10_000, raw=False):
        if item.action == "delay" and item.created + item.delay_minutes * 60 <= now:
            results.append(await release(store, settings, item.id, "system:delay",
                                         f"the {item.delay_minutes}-minute window ended",
                                         "delay"))
    return results


async def expire(store: Store, settings: Settings, now: float | None = None) -> list[ActionResult]:
    """Apply `quarantine.retention_days`: older open messages are rejected or released."""
    q = settings.quarantine
    cutoff = (now or time.time()) - q.retention_days * 86400
    results = []
    for item in store.held_before(OPEN_STATES, cutoff):
        reason = f"retention: held longer than {q.retention_days} days"
        if q.on_expiry == "release":
            results.append(await release(store, settings, item.id, "system:retention", reason,
                                         "retention"))
        else:
            got = store.claim(item.id, OPEN_STATES, "expired", "system:retention", AuditEntry(
                actor="system:retention", action="expire", item_id=item.id, reason=reason,
                via="retention"))
            results.append(ActionResult(got is not None, "expired" if got else item.state,
                                        "expired" if got else "changed meanwhile"))
            if got is not None:
                await notify_closed(settings, got, f"nobody released it within "
                                    f"{q.retention_days} days")
    return results


def purge(store: Store, settings: Settings, now: float | None = None) -> int:
    """Apply `quarantine.decided_days`: messages decided longer ago are deleted, in batches
    (each a short write transaction), each with a `purge` entry on the audit trail. Before,
    a released or rejected message stayed whole in the store for ever, though open holds
    expired and the history and decisions log had their ends."""
    days = settings.quarantine.decided_days
    if days is None:
        return 0
    cutoff = (now or time.time()) - days * 86400
    audit = AuditEntry(actor="system:retention", action="purge", via="retention",
                       reason=f"retention: decided more than {days} days ago")
    deleted = 0
    while gone := store.purge_decided(cutoff, audit):
        deleted += len(gone)
    return deleted
