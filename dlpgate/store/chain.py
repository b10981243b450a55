"""The audit trail as a hash chain: an edited, deleted, inserted or reordered entry shows.

Each entry written since schema 0021 (SQLite) / 0015 (PostgreSQL) has a place in the chain
(`seq`: 1, 2, 3 ... with no gaps) and a hash over its fields, its place and the hash of the
entry before it, written in the same transaction as the entry. With `quarantine.audit_key` set
the hash is an HMAC-SHA256 under that key ("hmac:ID:...", ID naming the key: store/auditkeys.py),
else a plain SHA-256 ("sha256:..."): a plain chain shows a careless edit, but anyone who can
write the database can recompute it; a keyed one cannot be rewritten without the key, which is
not in the database. Each entry is checked under the key it names, so a key can be rotated.

Appends are serialised by the one-row table `audit_chain` (the head: the last place and
hash), updated by each appending transaction: on PostgreSQL its row lock makes the nodes
sharing it append one at a time, each after the other's commit; on SQLite the write
transaction does. The append is the last thing each transaction does (after the quarantine
update, the session, the burst counts it goes with), so the lock is held only from there to
the commit, and always taken last: no two transactions wait on each other through it.

Entries from before the chain (no place, no hash) are anchored once by the migration: an
entry `chain-start` is appended whose detail holds how many there were and one SHA-256 over
them in order, so changing any of them shows too (which one is not said).

What this cannot show: a rewrite by someone holding the key (or of a chain without one),
and the newest entries cut off along with the head table, unless the head was kept
elsewhere: `serve` logs it (`audit_chain` line) every `quarantine.expire_interval`, and
`quarantine audit --verify --head N:HASH` checks the trail still holds it.

This module writes the chain and reads it back in order; store/chaincheck.py walks it and
says where it fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator

from dlpgate.store.auditkeys import (
    ACTION,
    ACTOR,
    PLAIN,
    UNNAMED,
    AuditKeys,
    change_entry,
    key_id,
    signer_of,
    vouch,
)

COLUMNS = "actor, action, item_id, reason, via, detail, at"
INSERT = f"INSERT INTO audit ({COLUMNS}, seq, hash) VALUES (?,?,?,?,?,?,?,?,?)"
READ = f"id, seq, hash, {COLUMNS}"
BATCH = 5000
ANCHOR_ACTOR, ANCHOR_ACTION = "system:audit-chain", "chain-start"
UPGRADE_ACTOR, UPGRADE_ACTION = "system:store", "schema-upgrade"


def canonical(seq: int | None, prev: str, row: tuple) -> bytes:
    """The bytes hashed for one entry: its place, the previous hash and its seven fields,
    as JSON. A NUL is taken as U+FFFD, as PostgreSQL stores it (store/postgres.py), so a
    chain copied from SQLite checks the same there; the time as the float it is stored as."""
    *text, at = row
    fields = [seq, prev, *(v.replace("\x00", "\ufffd") for v in text), float(at)]
    return json.dumps(fields, separators=(",", ":")).encode()


def link(key: bytes | None, seq: int, prev: str, row: tuple) -> str:
    """The hash of the entry `row` (the seven columns) at place `seq` after `prev`."""
    data = canonical(seq, prev, row)
    if key:
        return f"hmac:{key_id(key)}:" + hmac.new(key, data, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _unnamed(key: bytes, seq: int, prev: str, row: tuple) -> str:
    """The hash as written before key ids ("hmac:HEX"), to check those entries."""
    return "hmac:" + hmac.new(key, canonical(seq, prev, row), hashlib.sha256).hexdigest()


def check(keys: AuditKeys, seq: int, prev: str, row: tuple, stored: str
           ) -> tuple[str, bool | None]:
    """(who signed the entry stored as `stored`, whether it follows `prev` at `seq`): None
    when the key it names was not given. An entry from before key ids is tried under each."""
    signer = signer_of(stored)
    if signer == PLAIN:
        return PLAIN, stored == link(None, seq, prev, row)
    if signer:
        key = keys.by_id.get(signer)
        return signer, None if key is None else stored == link(key, seq, prev, row)
    if not keys:
        return UNNAMED, None
    for kid, key in keys.by_id.items():
        if stored == _unnamed(key, seq, prev, row):
            return kid, True
    return UNNAMED, False


def append(db, rows: list[tuple], keys: AuditKeys) -> str:
    """Append `rows` (the seven columns each) to the chain, inside the caller's transaction;
    after entries signed otherwise (another key, or none), an `audit-key-changed` first,
    vouched for by the key it changes from where this node holds it. Returns the key id
    the chain was on when this node does not hold that key ("" else): the node is behind a
    rotation (or was given a wrong key), and its entries will not check as a rotation's;
    they are written all the same, for a write refused would lose what was done here."""
    if not rows:
        return ""
    [(seq, head)] = db.execute("UPDATE audit_chain SET seq = seq + ? WHERE one = 1 "
                               "RETURNING seq, hash", (len(rows),)).fetchall()
    seq -= len(rows)
    behind = ""
    if head and (old := _head_signer(db, seq, head, keys)) != keys.signer:
        db.execute("UPDATE audit_chain SET seq = seq + 1 WHERE one = 1")
        held = keys.by_id.get(old)
        rows = [change_entry(old, keys.signer, vouch(held, seq + 1, head, keys.signer)
                             if held else ""), *rows]
        behind = "" if keys.holds(old) else old
    chained = []
    for row in rows:
        seq += 1
        head = link(keys.current, seq, head, row)
        chained.append((*row, seq, head))
    db.executemany(INSERT, chained)
    db.execute("UPDATE audit_chain SET hash = ? WHERE one = 1", (head,))
    return behind


def missing_keys(read, keys: AuditKeys) -> tuple[str, ...]:
    """The keys this node does not hold that the trail has moved to from its key (an
    `audit-key-changed` entry from it), or that signed the newest entry: a node left on a
    key rotated away from on the others. `read(sql, params)` as a store's `_read`; one
    look at the change entries, at start and in `config check`, not at every append."""
    if not keys.current:
        return ()
    moved = {found.group(1) for (detail,) in read(
        "SELECT detail FROM audit WHERE actor = ? AND action = ? AND detail LIKE ?",
        (ACTOR, ACTION, f"from key {keys.signer} to key %"))
        if (found := re.match(r"from key [0-9a-f]{12} to key ([0-9a-f]{12})", detail))}
    [(top,)] = read("SELECT hash FROM audit_chain WHERE one = 1", ())
    moved.add(signer_of(top or ""))
    return tuple(sorted(k for k in moved if not keys.holds(k)))


def _head_signer(db, seq: int, head: str, keys: AuditKeys) -> str:
    """Who signed the newest entry; one from before key ids, found by trying the keys given
    (read once, when the first entry after the upgrade is appended)."""
    if signer := signer_of(head):
        return signer
    found = db.execute(f"SELECT seq, hash, {COLUMNS} FROM audit WHERE seq IN (?, ?) "
                       "ORDER BY seq", (seq - 1, seq)).fetchall()
    prev = found[0][1] if len(found) == 2 else ""
    return check(keys, seq, prev, tuple(found[-1][2:]), head)[0] if found else UNNAMED


def anchor(db, keys: AuditKeys) -> int:
    """Anchor the entries written before the chain (in the migration's transaction): one
    `chain-start` entry holding their count and digest. How many there were."""
    digest = hashlib.sha256()
    count = last = 0
    while rows := db.execute(f"SELECT id, {COLUMNS} FROM audit WHERE seq IS NULL AND id > ? "
                             "ORDER BY id LIMIT ?", (last, BATCH)).fetchall():
        for row in rows:
            digest.update(canonical(None, "", tuple(row[1:])))
        count += len(rows)
        last = rows[-1][0]
    if count:
        append(db, [(ANCHOR_ACTOR, ANCHOR_ACTION, "", f"{count} earlier entries", "store",
                     f"digest sha256:{digest.hexdigest()} of {count} entries numbered up to "
                     f"{last}", time.time())], keys)
    return count


def upgraded(db, keys: AuditKeys, backend: str, before: int, applied: list[int]) -> None:
    """The `schema-upgrade` entry of migrations applied to a store in use (in the last one's
    transaction): which versions, never what the tables hold."""
    append(db, [(UPGRADE_ACTOR, UPGRADE_ACTION, "", f"{backend} schema {before} -> "
                 f"{applied[-1]}", "store", f"{len(applied)} migration(s) applied: "
                 + ", ".join(map(str, applied)), time.time())], keys)

def _rows(store, seq: int, last_id: int) -> Iterator[tuple]:
    """Chained entries after place `seq` (and table id `last_id`), in chain order; a
    duplicated place (the unique index dropped) comes back once per row."""
    while True:
        # `seq >= ?` alone, the rest skipped here: with `OR (seq = ? AND id > ?)` the place
        # index was not used, and a look at the audit page read the whole table (10 ms at
        # 100,000 entries on SQLite, for one new entry)
        rows = [r for r in store._read(f"SELECT {READ} FROM audit WHERE seq >= ? ORDER BY "
                                       "seq, id LIMIT ?", (seq, BATCH + 1))
                if (r[1], r[0]) > (seq, last_id)]
        if not rows:
            return
        yield from rows
        seq, last_id = rows[-1][1], rows[-1][0]


def to_head(store, seq: int, last_id: int, head: list) -> Iterator[tuple]:
    """`_rows` after reading the head (into `head`), again while the walk ends short of it:
    the entries up to a head read are there to read, for each is written with it. Read after
    the walk, the head of an append made meanwhile said its entries were gone (on PostgreSQL
    a third of the walks beside two appending processes)."""
    while True:
        [(top, top_hash)] = store._read("SELECT seq, hash FROM audit_chain WHERE one = 1", ())
        head[:] = [top, top_hash]
        more = False
        for row in _rows(store, seq, last_id):
            more = True
            seq, last_id = row[1], row[0]
            yield row
        if top <= seq or not more:
            return


def head(store) -> tuple[int, str]:
    """The chain's head as the store records it (place, hash): what `serve` logs."""
    [(seq, top)] = store._read("SELECT seq, hash FROM audit_chain WHERE one = 1", ())
    return int(seq), top


def parse_head(text: str) -> tuple[int, str]:
    """'N:HASH' (as `--verify` prints and `serve` logs it) -> (N, HASH); ValueError else."""
    place, _, digest = text.strip().partition(":")
    if not place.isdigit() or not re.fullmatch(r"(sha256|hmac(:[0-9a-f]{12})?):[0-9a-f]{64}",
                                               digest):
        raise ValueError(f"{text!r} is not a head as logged (N:sha256:... or N:hmac:...)")
    return int(place), digest
