"""Checking the audit trail's hash chain (store/chain.py writes it): where it first fails.

A walk reads the chained entries in order, up to the head it read first, and checks each
one's hash under the key it names, its place, and that a change of signer begins with an
`audit-key-changed` entry; a mismatch is classed by the entry after it (edited, inserted,
moved), and the entries from before the chain against the `chain-start` digest. The state a
walk ends in (ChainState) lets the next one go on from there (the audit page, serve's
periodic check). Split from chain.py by verb: that module writes, this one judges.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time

from dlpgate.store import chainack
from dlpgate.store.auditkeys import (
    PLAIN,
    UNNAMED,
    AuditKeys,
    describe,
    is_change,
    signer_of,
    vouched,
)
from dlpgate.store.chain import (
    ANCHOR_ACTION,
    ANCHOR_ACTOR,
    BATCH,
    COLUMNS,
    READ,
    canonical,
    check,
    to_head,
)
from dlpgate.store.chainack import ACTION as ACK_ACTION

_ANCHOR = re.compile(r"digest (sha256:[0-9a-f]{64}) of (\d+) entries numbered up to (\d+)")


@dataclasses.dataclass(frozen=True)
class Break:
    """The first entry at which the chain does not hold."""

    id: int  # the entry's number in the table (0: none, e.g. the newest entries are gone)
    at: float  # its time (0.0 when there is no entry to name)
    what: str  # edited, missing, inserted, moved, unkeyed, truncated, key
    why: str


@dataclasses.dataclass(frozen=True)
class ChainState:
    """What a walk of the chain found, and where it stopped: a later walk goes on from here."""

    entries: int = 0  # entries the chain covers (anchored earlier ones included)
    seq: int = 0  # the last place checked
    head: str = ""  # its hash
    last_id: int = 0
    keyed_from: int = 0  # the first keyed place (0: none)
    earlier: int = 0  # entries before the chain, anchored
    broken: Break | None = None
    unchecked: int = 0  # keyed entries signed by a key not given (not checked)
    checked_at: float = 0.0
    signer: str = ""  # who signed the last entry walked (store/auditkeys.py signer_of)
    segments: tuple[tuple[int, str], ...] = ()  # (place, signer) where each signer began
    not_given: tuple[str, ...] = ()  # the signers of the unchecked entries
    left: tuple[str, ...] = ()  # the keys the chain has changed away from
    # (entry id, time, place, key) of each change back to a key the chain had left, not
    # vouched for by the key it changed from, nor to the key in force here
    returns: tuple[tuple[int, float, int, str], ...] = ()
    # (place, key, hash) of every change back to a key the chain had left, reported or not:
    # what an acknowledgement may name (store/chainack.py)
    backs: tuple[tuple[int, str, str], ...] = ()
    acknowledged: tuple[chainack.Acknowledged, ...] = ()  # returns acknowledged on the chain
    refused: tuple[chainack.Refused, ...] = ()  # acknowledgements not honoured

    @property
    def open_returns(self) -> tuple[tuple[int, float, int, str], ...]:
        """The returns no honoured acknowledgement names."""
        done = {a.place for a in self.acknowledged}
        return tuple(r for r in self.returns if r[2] not in done)

    @property
    def intact(self) -> bool:
        return (self.broken is None and not self.unchecked and not self.open_returns
                and not self.refused)

    @property
    def failed(self) -> bool:
        """Whether the check found something wrong (exit 1), not merely unfinished: an
        acknowledged return is not, an acknowledgement not honoured is."""
        return self.broken is not None or bool(self.open_returns) or bool(self.refused)

    def summary(self) -> str:
        """One line: for the CLI, the log and the audit page. No personal data where
        something is wrong (serve logs it then); only with nothing wrong does it give an
        acknowledged return's who and why, the operator's own words, never logged."""
        if self.broken is not None:
            b = self.broken
            where = (f"entry {b.id} ({_utc(b.at)})" if b.id else "the end of the trail")
            return f"chain broken at {where}: {b.what}: {b.why}"
        if self.open_returns:
            rid, at, place, key = self.open_returns[0]
            more = len(self.open_returns) - 1
            return (f"chain returned to a retired key at entry {rid} ({_utc(at)}): place "
                    f"{place} changes back to key {key}, which the chain had moved away from, "
                    "and is not vouched for by the key it changes from: written by a node "
                    "still configured with the retired key (keys rolled out one node at a "
                    "time), or by someone who kept it"
                    + (f"; {more} more such change(s) after it" if more else "")
                    + (f"; {len(self.acknowledged)} other(s) acknowledged"
                       if self.acknowledged else "")
                    + (f"; {len(self.refused)} acknowledgement(s) not honoured, the first at "
                       f"entry {self.refused[0].id}" if self.refused else "")
                    + f"; the links hold, head {self.seq}:{self.head} ({self.keys_text()})")
        if self.refused:
            r = self.refused[0]
            more = len(self.refused) - 1
            return (f"chain acknowledgement not honoured at entry {r.id} ({_utc(r.at)}): "
                    f"{r.why}" + (f"; {more} more after it" if more else "")
                    + f"; the links hold, head {self.seq}:{self.head} ({self.keys_text()})")
        if self.unchecked:
            first = {s: p for p, s in reversed(self.segments)}
            named = "; ".join(f"{_named(s)} from place {first.get(s, 0)}"
                              for s in self.not_given)
            return (f"{self.entries} entries, {self.unchecked} of them signed with a key not "
                    f"given ({named}): those cannot be checked without it in "
                    "quarantine.audit_key or quarantine.audit_keys_retired; the rest hold, "
                    f"head {self.seq}:{self.head} ({self.keys_text()})")
        if self.acknowledged:
            return self.acknowledged_text()
        return (f"{self.entries} entries, chain intact, head {self.seq}:{self.head} "
                f"({self.keys_text()})")

    def acknowledged_text(self) -> str:
        """The returns acknowledged, the first in full: what the operator recorded (who and
        why) stays in view, and a later return is not read as the same one."""
        first = self.acknowledged[0]
        rid, at, place, key = next(r for r in self.returns if r[2] == first.place)
        more = len(self.acknowledged) - 1
        return (f"chain returned to a retired key at entry {rid} ({_utc(at)}): place {place} "
                f"changes back to key {key}, which the chain had moved away from; "
                + chainack.said(first)
                + (f"; {more} more such change(s) acknowledged after it" if more else "")
                + f"; {self.entries} entries, the links hold, head {self.seq}:{self.head} "
                f"({self.keys_text()})")

    def keys_text(self) -> str:
        """Which key signed which places: "keyed from place 1 with key ID, from place 57
        with key ID2", a removal as "not keyed from place N (the key was removed)"."""
        parts: list[str] = []
        for place, signer in self.segments:
            if signer == PLAIN:
                if parts:
                    parts.append(f"not keyed from place {place} (the key was removed)")
            else:
                lead = "from" if parts else "keyed from"
                parts.append(f"{lead} place {place} with {describe(signer)}")
        return ", ".join(parts) or "not keyed"

    def as_json(self) -> dict:
        out = {"entries": self.entries, "intact": self.intact, "head_seq": self.seq,
               "head": self.head, "keyed_from": self.keyed_from or None,
               "earlier_entries": self.earlier, "summary": self.summary(),
               "keys": [{"from": p, "key": None if s == PLAIN else s}
                        for p, s in self.segments],
               "unchecked": self.unchecked, "keys_not_given": list(self.not_given),
               "returns": [{"id": i, "at": at, "place": p, "key": k}
                           for i, at, p, k in self.returns],
               "acknowledged": [{"place": a.place, "id": a.id, "at": a.at, "by": a.actor,
                                 "reason": a.reason} for a in self.acknowledged],
               "acknowledgements_refused": [dataclasses.asdict(r) for r in self.refused]}
        if self.broken is not None:
            out["broken"] = dataclasses.asdict(self.broken)
        return out


def _named(signer: str) -> str:
    return "written before key ids" if signer == UNNAMED else f"id {signer}"


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t))


def _earlier(store, upto: int) -> tuple[int, str, int]:
    """(count, digest, count after `upto`) of the entries with no place in the chain."""
    digest = hashlib.sha256()
    count = last = 0
    while rows := store._read(f"SELECT id, {COLUMNS} FROM audit WHERE seq IS NULL AND id > ? "
                              "AND id <= ? ORDER BY id LIMIT ?", (last, upto, BATCH)):
        for row in rows:
            digest.update(canonical(None, "", tuple(row[1:])))
        count += len(rows)
        last = rows[-1][0]
    [(later,)] = store._read("SELECT COUNT(*) FROM audit WHERE seq IS NULL AND id > ?",
                             (upto,))
    return count, "sha256:" + digest.hexdigest(), int(later)


def verify(store, keys: AuditKeys, since: ChainState | None = None,
           expect: tuple[int, str] | None = None) -> ChainState:
    """Walk the chain (from `since`, an earlier walk's state, else from its start) and say
    where it first fails. `expect`: a head (place, hash) logged earlier, which must still be
    in the trail. An entry signed by a key not given is counted, not checked, and the walk
    goes on: the entry after it chains to its hash as stored."""
    s = since or ChainState()
    if s.broken is not None:
        return s
    if since is not None and s.earlier != _count_unchained(store):
        return _broken(s, 0, 0.0, "inserted", "the count of entries from before the chain "
                       "changed since the last check")
    entries, seq, head, last_id = s.entries, s.seq, s.head, s.last_id
    keyed_from, earlier, unchecked, signer = s.keyed_from, s.earlier, s.unchecked, s.signer
    segments, not_given = list(s.segments), list(s.not_given)
    left, returns = list(s.left), list(s.returns)
    backs = {place: (key, stored) for place, key, stored in s.backs}
    acknowledged, refused = list(s.acknowledged), list(s.refused)

    def state() -> ChainState:  # built where a walk ends, not at every entry (a third slower)
        return ChainState(entries, seq, head, last_id, keyed_from, earlier, None, unchecked,
                          0.0, signer, tuple(segments), tuple(not_given), tuple(left),
                          tuple(returns), tuple((p, *b) for p, b in backs.items()),
                          tuple(acknowledged), tuple(refused))

    found_expect = expect is not None and expect[0] <= seq
    pending = None  # a mismatched entry, classed by whether the next one chains to it
    before, last_at = "", 0.0  # the hash before `head`, and the time of `head`'s entry
    top_row: list = []  # the head the walk reached, read before its entries
    for row in to_head(store, seq, last_id, top_row):
        rid, rseq, rhash, fields = row[0], row[1], row[2] or "", tuple(row[3:])
        at = float(fields[-1])
        if pending is not None:
            return _classify(store, state(), keys, pending, row)
        if rseq != seq + 1:
            if rseq > seq + 1:
                return _broken(state(), rid, at, "missing",
                               _gone(seq + 1, rseq - 1) + " before it")
            return _broken(state(), rid, at, "inserted", f"a second entry at place {rseq}")
        rsigner, follows = check(keys, rseq, head, fields, rhash)
        bad = _signer_change(signer, head, rsigner, fields, rhash)
        if bad and (bad[0] == "unkeyed" or follows):
            return _broken(state(), rid, at, *bad)
        if bad:  # and not checked under its key: named by the links either side of it
            follows = False
        if rsigner != signer:
            if rsigner in left:
                backs[rseq] = (rsigner, rhash)
                if not _rolled_back(keys, rseq, head, signer, rsigner, fields[5]):
                    returns.append((rid, at, rseq, rsigner))
            if signer not in ("", PLAIN, UNNAMED) and signer not in left:
                left.append(signer)
            signer = rsigner
            segments.append((rseq, rsigner))
        if rsigner != PLAIN and not keyed_from:
            keyed_from = rseq
        if follows is None:  # signed by a key not given: counted, and the walk goes on
            unchecked += 1
            if rsigner not in not_given:
                not_given.append(rsigner)
        elif not follows and seq and check(keys, rseq - 1, before, fields, rhash)[1]:
            # it follows from the entry before the last, one place on: the last one, a hash
            # of its own made for it, was slipped in and the rest renumbered
            return _broken(state(), last_id, last_at, "inserted", "it was slipped in between "
                           "the entries either side of it")
        if rid <= last_id:
            return _broken(state(), rid, at, "moved",
                           f"place {rseq} is held by an entry written before place {seq}'s")
        if follows is False:
            pending = (row, head)
            seq, head, last_id = rseq, rhash, rid
            continue
        if fields[1] == ACK_ACTION:
            # honoured only outside a stretch a reported return began (store/chainack.py)
            tainted = returns[-1][2] if returns and returns[-1][2] == segments[-1][0] else 0
            got = chainack.judge(rid, rseq, at, fields, rsigner, follows, backs, tainted)
            if isinstance(got, chainack.Refused):
                refused.append(got)
            elif got is not None and got.place in {r[2] for r in returns} - {
                    a.place for a in acknowledged}:  # else excused here, or said already
                acknowledged.append(got)
        if rseq == 1 and fields[0] == ANCHOR_ACTOR and fields[1] == ANCHOR_ACTION:
            bad_anchor = _check_anchor(store, fields, state(), rid, at)
            if isinstance(bad_anchor, ChainState):
                return bad_anchor
            earlier = bad_anchor
            entries += earlier
        entries += 1
        before, last_at = head, at
        seq, head, last_id = rseq, rhash, rid
        if expect is not None and rseq == expect[0]:
            if rhash != expect[1]:
                return _broken(state(), rid, at, "edited", f"place {rseq} is not the logged "
                               "head (it was rewritten since)")
            found_expect = True
    if pending is not None:
        return _classify(store, state(), keys, pending, None)
    return _ended(store, state(), keys, since, expect, found_expect, top_row)


def _rolled_back(keys: AuditKeys, seq: int, prev: str, old: str, new: str,
                 detail: str) -> bool:
    """Whether a change back to a key the chain had left (`new`, after `old`) is a real
    roll-back: vouched for by `old` (its holder made it), or `new` is the key in force here
    (the operator rolled back, and says so by configuring it). A key not given here
    (`vouched` None) leaves the change as the entries it signed: unchecked, not failed."""
    if keys.current and new == keys.signer:
        return True
    return vouched(keys, seq, prev, old, new, detail) is not False


def _signer_change(old: str, prev: str, signer: str, fields: tuple,
                   stored: str) -> tuple[str, str] | None:
    """(what, why) when an entry (`stored`) is signed otherwise than the one before it
    (`prev`, signed by `old`), and is not the `audit-key-changed` entry every such change
    begins with, else None. A key first set before key ids (plain, then keyed) wrote none,
    nor did a key changed then (two entries from before key ids); entries no key given
    checks are left to the links."""
    if not old or signer == old or UNNAMED in (signer, old) or is_change(fields):
        return None
    if signer == PLAIN:
        return ("unkeyed", "written without quarantine.audit_key after keyed entries, and no "
                "audit-key-changed entry says the key was removed (a node without the key, "
                "or the trail rewritten from here)")
    if old == PLAIN or not (signer_of(prev) or signer_of(stored)):
        return None
    return ("edited", f"signed with {describe(signer)} after entries signed with "
            f"{describe(old)}, and no audit-key-changed entry between: written by someone "
            "without the key (or the key is not the one it was written with)")


def _ended(store, w: ChainState, keys: AuditKeys, since: ChainState | None,
           expect: tuple[int, str] | None, found_expect: bool, top_row: list) -> ChainState:
    """The checks made once the walk reached the head."""
    state = dataclasses.replace(w, checked_at=time.time())
    if since is None and not w.earlier:
        n = _count_unchained(store)
        if n:
            return _broken(state, 0, 0.0, "inserted",
                           f"{n} entries with no place in the chain, and no chain-start")
    top, top_hash = top_row
    if top > w.seq:
        return _broken(state, 0, 0.0, "missing", f"the newest: {_gone(w.seq + 1, top)}")
    if top == w.seq and top_hash != w.head:
        return _broken(state, 0, 0.0, "edited", "the newest entry is not the one the head "
                       "records")
    if expect is not None and not found_expect:
        return _broken(state, 0, 0.0, "missing", f"the logged head {expect[0]} is past the end "
                       f"of the trail ({w.seq}): the newest entries are gone")
    if keys.current and w.signer == PLAIN and w.keyed_from:
        place = w.segments[-1][0]
        return _broken(state, 0, 0.0, "unkeyed", f"the trail is plain SHA-256 from place "
                       f"{place}, after keyed entries, while quarantine.audit_key is set here: "
                       "written by a node without the key, or by someone writing the database")
    return state


def _classify(store, state: ChainState, keys: AuditKeys, pending: tuple,
              after: tuple | None) -> ChainState:
    """An entry whose hash does not follow, named by what the entry `after` it says: if
    that one follows from it, its fields were changed under its hash (edited); if it
    follows from the entry before it, it was slipped in between (inserted); if it was
    written before it, the two were swapped (moved); else it was changed and its hash
    recomputed, or forged (edited)."""
    row, prev = pending
    rid, at = row[0], float(row[-1])
    if after is not None:
        nid, nseq, stored, fields = after[0], after[1], after[2] or "", tuple(after[3:])
        if check(keys, nseq, row[2], fields, stored)[1]:
            return _broken(state, rid, at, "edited", "its fields no longer match its hash")
        if (check(keys, nseq, prev, fields, stored)[1]
                or check(keys, nseq - 1, prev, fields, stored)[1]):
            return _broken(state, rid, at, "inserted", "it was slipped in between the "
                           "entries either side of it")
        if nid < rid:
            return _broken(state, rid, at, "moved", f"it is out of its order: entry {nid}, "
                           "written before it, follows it in the chain")
    if _wrong_key(store, keys, row, after):
        return _broken(state, rid, at, "key", "no keyed entry checks under this "
                       "quarantine.audit_key, neither this one, the one after it nor the "
                       "newest: it is not the key the chain was written with (or every keyed "
                       "entry was rewritten)")
    keyed = "; or the key is not the one it was written with" if row[2].startswith(
        "hmac:") else ""
    return _broken(state, rid, at, "edited", "its hash does not follow from the entry "
                   f"before it (changed, or written by someone without the key{keyed})")


def _wrong_key(store, keys: AuditKeys, row: tuple, after: tuple | None) -> bool:
    """Whether no key given is the chain's: an entry from before key ids that does not
    follow, the one after it not following from it, and the newest (from before key ids
    too) not from the one before it. An edit breaks the links either side of one entry; a
    changed `quarantine.audit_key` broke every one, and was named "edited" at the first
    keyed entry, the operator sent looking for a tampered row. An entry since key ids names
    its key, and one not given says so."""
    if not keys or after is None or signer_of(row[2]) != "":
        return False
    newest = store._read(f"SELECT {READ} FROM audit WHERE seq IS NOT NULL ORDER BY seq DESC "
                         "LIMIT 2", ())
    if len(newest) < 2 or newest[0][0] == after[0]:
        return False  # the break is at the end: no third link to ask
    last, before = newest
    return signer_of(str(last[2] or "")) == "" and check(
        keys, last[1], before[2] or "", tuple(last[3:]), last[2] or "")[1] is False

def _broken(state: ChainState, rid: int, at: float, what: str, why: str) -> ChainState:
    return dataclasses.replace(state, broken=Break(rid, at, what, why), checked_at=time.time())


def _count_unchained(store) -> int:
    [(n,)] = store._read("SELECT COUNT(*) FROM audit WHERE seq IS NULL", ())
    return int(n)


def _check_anchor(store, fields: tuple, state: ChainState, rid: int,
                  at: float) -> ChainState | int:
    """The entries from before the chain, against what `chain-start` recorded of them."""
    found = _ANCHOR.search(fields[5])
    if found is None:
        return _broken(state, rid, at, "edited", "the chain-start entry does not say what it "
                       "anchored")
    digest, count, upto = found.group(1), int(found.group(2)), int(found.group(3))
    now, now_digest, later = _earlier(store, upto)
    if later:
        return _broken(state, rid, at, "inserted", f"{later} entries with no place in the "
                       "chain were written after it")
    if now < count:
        return _broken(state, rid, at, "missing", f"{count - now} of the {count} entries from "
                       "before the chain are gone")
    if now > count:
        return _broken(state, rid, at, "inserted", f"{now - count} entries added to the "
                       f"{count} from before the chain")
    if now_digest != digest:
        return _broken(state, rid, at, "edited", f"an entry of the {count} from before the "
                       "chain was changed (their digest differs)")
    return count


def _gone(first: int, last: int) -> str:
    if first == last:
        return f"place {first} of the chain is gone"
    return f"places {first}-{last} of the chain are gone"
