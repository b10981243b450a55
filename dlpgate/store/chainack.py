"""Acknowledging a return to a retired audit key, on the chain itself.

A change back to a key the chain had moved away from, vouched for by no key given, is
reported by every check (store/chaincheck.py `returns`): a node left on the old key during
a rollout writes exactly what a thief of that key writes, and the trail cannot tell them
apart. Once someone has looked (the node logs, `audit_key_behind` at that minute) the
conclusion has to go somewhere, or the alert stays raised for good and teaches everyone to
ignore it. It goes on the trail: a `chain-acknowledged` entry, written by `quarantine audit
--acknowledge PLACE --reason WHY`, whose detail names the place and the hash of the entry
acknowledged. Nothing outside the trail is trusted, so it is forged only as entries are.

It is honoured only where a forger holding the retired key alone could not have written it:
its own link checks under a key given here (not plain, not a key not given), and the
stretch of the chain it is in did not itself begin with a reported return (whoever changed
the chain back to the retired key cannot then clear their own report, for every entry they
sign after it is in that stretch). It names a change back already walked, so it comes after
the return, and that entry's hash, so it cannot be moved onto another one: its own hash
covers the detail, and edited, it breaks the chain. An acknowledgement that is not honoured
is reported itself (`refused`), never passed over.
"""

from __future__ import annotations

import dataclasses
import re

from dlpgate.store.auditkeys import PLAIN, describe

ACTION = "chain-acknowledged"
_DETAIL = re.compile(r"place (\d+) back to key ([0-9a-f]{12}), entry hash (\S+)")


@dataclasses.dataclass(frozen=True)
class Acknowledged:
    """A return acknowledged by an entry that checks."""

    place: int  # the return's place
    id: int  # the acknowledging entry's number in the table
    seq: int  # and its place
    at: float
    actor: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Refused:
    """A `chain-acknowledged` entry not honoured, and why (no personal data: neither its
    actor nor its reason, for this is logged)."""

    id: int
    at: float
    place: int  # the place it names (0: none it could be read for)
    why: str


def detail(place: int, key: str, stored: str) -> str:
    """What an acknowledgement binds: the return's place, the key it changed back to and
    its entry's hash as stored."""
    return f"place {place} back to key {key}, entry hash {stored}"


def judge(rid: int, seq: int, at: float, fields: tuple, signer: str, follows: bool | None,
          backs: dict[int, tuple[str, str]], tainted_by: int) -> Acknowledged | Refused | None:
    """An acknowledgement (the seven columns `fields`, at place `seq`, signed by `signer`;
    `follows` its link as checked) against the changes back walked before it (`backs`:
    place -> (key, hash)); `tainted_by`, the place of the reported return the stretch it is
    in began with (0: none). None when it was signed with a key not given here: it cannot be
    honoured, and the return it names stays reported; not a forgery found either."""
    found = _DETAIL.fullmatch(fields[5])
    place = int(found.group(1)) if found else 0
    if follows is None:
        return None
    if signer == PLAIN:
        why = "it is not signed with an audit key (plain SHA-256): anyone could write it"
    elif tainted_by:
        why = (f"it is signed with {describe(signer)}, which place {tainted_by} changed the "
               "chain back to unvouched: whoever holds a retired key cannot clear its own "
               "return")
    elif found is None:
        why = "it does not say which place it acknowledges"
    elif place not in backs or place >= seq:
        why = (f"it names place {place}, which does not change the chain back to a key it "
               "had moved away from")
    elif backs[place] != (found.group(2), found.group(3)):
        why = f"the key or hash it names is not place {place}'s (copied from another return)"
    else:
        return Acknowledged(place, rid, seq, at, fields[0], fields[3])
    return Refused(rid, at, place, why)


def said(a: Acknowledged) -> str:
    """How an acknowledgement reads after the return it clears (the CLI, the audit page;
    never a log line, for the reason is an operator's own words), its text on one line."""
    reason = "".join(c if c.isprintable() else repr(c)[1:-1] for c in a.reason)
    return f"acknowledged at entry {a.id} (place {a.seq}) by {a.actor}: {reason}"


def acknowledge(store, place: int, actor: str, reason: str) -> str:
    """Write the acknowledgement of the return at `place`, as the chain is checked here now;
    "" when written, else why not (one line, no personal data; nothing written then). A
    place no check here reports, or one acknowledged already, is refused: an entry naming
    it would be reported as not honoured, a second alarm instead of none."""
    from dlpgate.store.base import AuditEntry

    keys = store.audit_keys
    if not keys.current:
        return ("an unkeyed trail has no returns to a retired key to acknowledge: "
                "quarantine.audit_key is not set here")
    if not reason.strip():
        return "say why in --reason: what the investigation found"
    state = store.verify_audit()
    if state.broken is not None:
        return (f"the chain is broken ({state.broken.what} at entry {state.broken.id}), "
                "which cannot be acknowledged: see docs/operator.md")
    done = {a.place: a for a in state.acknowledged}
    if place in done:
        return f"place {place} was acknowledged already, at entry {done[place].id}"
    reported = {r[2]: r for r in state.returns}
    if place not in reported:
        listed = ", ".join(str(p) for p in reported if p not in done) or "none"
        return (f"place {place} is not a return to a retired key that --verify reports "
                f"(unacknowledged: {listed})")
    # a node on the retired key is not asked: to it the change back is no return
    key, stored = {p: (k, h) for p, k, h in state.backs}[place]
    store.audit(AuditEntry(actor, ACTION, reason=reason, via="cli",
                           detail=detail(place, key, stored)))
    return ""
