"""The audit trail's hash chain (store/chain.py), on both backends: every way an entry is
written chains, and an attacker with the database (its own client, the append-only triggers
dropped) editing, deleting, inserting, swapping or cutting entries is seen."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dlpgate.config import sqlite_path
from dlpgate.store import chain
from dlpgate.store.auditkeys import key_id
from dlpgate.store.base import AuditEntry, HeldMessage, open_store

KEY = "an audit key of at least thirty-two characters"
ROOT = Path(__file__).resolve().parents[2]


def attacker(url: str):
    """Run SQL on the store as someone with the database would: its own connection, the
    append-only triggers and the unique place index out of the way."""
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(sqlite_path(url), isolation_level=None)
        for drop in ("TRIGGER audit_no_update", "TRIGGER audit_no_delete", "INDEX audit_seq"):
            db.execute(f"DROP {drop}")
        return lambda sql, params=(): db.execute(sql, params).fetchall()
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute("ALTER TABLE audit DISABLE TRIGGER USER")
    conn.execute("DROP INDEX audit_seq")

    def run(sql: str, params: tuple = ()) -> list:
        cur = conn.execute(sql.replace("?", "%s"), params)
        return cur.fetchall() if cur.description else []

    return run


def entries(store, n: int, start: float = 1_700_000_000.0) -> None:
    for i in range(n):
        store.audit(AuditEntry("web:ann", "reveal", f"m{i}", reason=f"case {i}", via="web",
                               at=start + i))


def row(run, rid: int) -> tuple:
    [found] = run(f"SELECT {chain.COLUMNS}, seq, hash FROM audit WHERE id = ?", (rid,))
    return tuple(found)


@pytest.fixture
def keyed(store_url: str):
    s = open_store(store_url, KEY)
    yield s
    s.close()


def test_every_way_an_entry_is_written_is_on_one_chain(any_store):
    item = HeldMessage("m1", 100.0, "held", "a@x.gov.uk", ("b@y.org",), "<m>", 10, "hold",
                       (), (), (), (), b"raw")
    any_store.hold(item)
    any_store.audit(AuditEntry("cli:ann", "list", reason="with a NUL\x00 in it"))
    any_store.claim("m1", ("held",), "rejected", "web:ann",
                    AuditEntry("web:ann", "reject", "m1", "wrong person", "web"))  # _cas
    any_store.purge_decided(time.time() + 10, AuditEntry("system:retention", "purge"))
    any_store.open_session("t", "bob", "c", 0, 0, AuditEntry("proxy:bob", "sign-in"))
    for _ in range(3):  # one written, two held back for a summary
        any_store.audit_some(AuditEntry("x", "sign-in-failed"), "10.0.0.0/24", 1, 100, 60)
    assert any_store.audit_summaries() == 1
    state = any_store.verify_audit()
    assert state.intact and state.entries == 6 == len(any_store.audit_log())
    assert (state.seq, state.head) == any_store.audit_head()
    assert state.summary() == (f"6 entries, chain intact, head 6:{state.head} (not keyed)")
    assert state.head.startswith("sha256:")


def test_an_edited_reason_is_named_by_entry_and_time(any_store, store_url):
    entries(any_store, 5)
    run = attacker(store_url)
    run("UPDATE audit SET reason = 'lunch break' WHERE id = 3")
    state = any_store.verify_audit()
    assert (state.broken.id, state.broken.what, state.broken.at) == (3, "edited", 1_700_000_002)
    assert state.summary() == ("chain broken at entry 3 (2023-11-14 22:13:22Z): edited: its "
                               "fields no longer match its hash")
    assert state.entries == 2 and not state.intact


def test_an_edit_with_its_hash_recomputed_shows_at_the_next_entry_unkeyed_or_not(keyed,
                                                                                store_url):
    entries(keyed, 4)
    run = attacker(store_url)
    *fields, seq, _ = row(run, 2)
    fields[3] = "safeguarding"
    [(prev,)] = run("SELECT hash FROM audit WHERE id = 1")
    # without the key, the best an attacker can do is a plain hash; with it, the right one
    run("UPDATE audit SET reason = ?, hash = ? WHERE id = 2",
        ("safeguarding", chain.link(None, seq, prev, tuple(fields))))
    assert keyed.verify_audit().broken.what == "unkeyed"
    run("UPDATE audit SET hash = ? WHERE id = 2",
        (chain.link(b"not the key", seq, prev, tuple(fields)),))
    state = keyed.verify_audit()
    assert (state.broken.id, state.broken.what) == (2, "edited")
    assert "the key is not the one" in state.broken.why


def test_a_deleted_entry_is_missing_before_the_next(any_store, store_url):
    entries(any_store, 5)
    attacker(store_url)("DELETE FROM audit WHERE id = 2")
    b = any_store.verify_audit().broken
    assert (b.id, b.what, b.why) == (3, "missing", "place 2 of the chain is gone before it")


FORGED = ("web:ann", "release", "m9", "", "web", "", 1_700_000_001.5)


def slip_in(run, key: bytes | None = None) -> tuple[int, str]:
    """FORGED at place 3, the later entries moved one on to make room, as an attacker must,
    hashed after place 2 (under `key`; None: plain). (its id, the hash before it)"""
    run("UPDATE audit SET seq = seq + 1 WHERE seq >= 3")
    [(prev,)] = run("SELECT hash FROM audit WHERE seq = 2")
    run(f"INSERT INTO audit ({chain.COLUMNS}, seq, hash) VALUES (?,?,?,?,?,?,?,?,?)",
        (*FORGED, 3, chain.link(key, 3, prev, FORGED)))
    [(forged_id,)] = run("SELECT id FROM audit WHERE seq = 3")
    return forged_id, prev


def test_a_forged_entry_slipped_in_is_inserted(keyed, store_url):
    entries(keyed, 4)
    run = attacker(store_url)
    forged_id, prev = slip_in(run)
    assert keyed.verify_audit().broken.what == "unkeyed"  # a plain hash among keyed ones
    run("UPDATE audit SET hash = ? WHERE seq = 3", (chain.link(b"guess" * 8, 3, prev, FORGED),))
    b = keyed.verify_audit().broken
    assert (b.id, b.what) == (forged_id, "inserted")


def test_a_forged_entry_with_a_good_plain_hash_is_inserted_in_an_unkeyed_chain(any_store,
                                                                               store_url):
    entries(any_store, 4)
    forged_id, _ = slip_in(attacker(store_url))
    b = any_store.verify_audit().broken
    assert (b.id, b.what) == (forged_id, "inserted")


def test_an_entry_with_no_place_written_after_the_chain_began_is_inserted(any_store, store_url):
    entries(any_store, 2)
    run = attacker(store_url)
    run(f"INSERT INTO audit ({chain.COLUMNS}) VALUES (?,?,?,?,?,?,?)",
        ("web:ann", "release", "m9", "", "web", "", 1.0))
    b = any_store.verify_audit().broken
    assert b.what == "inserted" and "no place in the chain" in b.why
    run("DELETE FROM audit WHERE seq IS NULL")
    assert any_store.verify_audit().intact
    # one given a place already taken (the unique index dropped)
    [(prev,)] = run("SELECT hash FROM audit WHERE seq = 1")
    forged = ("web:ann", "release", "m9", "", "web", "", 2.0)
    run(f"INSERT INTO audit ({chain.COLUMNS}, seq, hash) VALUES (?,?,?,?,?,?,?,?,?)",
        (*forged, 2, chain.link(None, 2, prev, forged)))
    [(forged_id,)] = run("SELECT MAX(id) FROM audit")
    b = any_store.verify_audit().broken
    assert (b.id, b.what, b.why) == (forged_id, "inserted", "a second entry at place 2")


def test_two_entries_swapped_are_moved(any_store, store_url):
    entries(any_store, 4)
    run = attacker(store_url)
    a, b = (run("SELECT seq, hash FROM audit WHERE id = ?", (i,))[0] for i in (2, 3))
    run("UPDATE audit SET seq = ?, hash = ? WHERE id = 2", tuple(b))
    run("UPDATE audit SET seq = ?, hash = ? WHERE id = 3", tuple(a))
    got = any_store.verify_audit().broken
    assert (got.id, got.what) == (3, "moved")
    # the contents swapped instead, places kept: both edited, the first named
    run("UPDATE audit SET seq = ?, hash = ? WHERE id = 2", tuple(a))
    run("UPDATE audit SET seq = ?, hash = ? WHERE id = 3", tuple(b))
    r2, r3 = row(run, 2), row(run, 3)
    cols = ", ".join(f"{c} = ?" for c in chain.COLUMNS.split(", "))
    run(f"UPDATE audit SET {cols} WHERE id = 2", r3[:7])
    run(f"UPDATE audit SET {cols} WHERE id = 3", r2[:7])
    got = any_store.verify_audit().broken
    assert (got.id, got.what) == (2, "edited")


def test_the_newest_entries_cut_show_against_the_head_or_a_logged_one(any_store, store_url):
    entries(any_store, 5)
    logged = any_store.audit_head()
    run = attacker(store_url)
    run("DELETE FROM audit WHERE seq > 3")
    b = any_store.verify_audit().broken  # the head table still says 5
    assert (b.id, b.what, b.why) == (0, "missing",
                                     "the newest: places 4-5 of the chain are gone")
    # a careful attacker sets the head back too: the chain is whole, shorter, and only the
    # head logged before the cut (serve's audit_chain line) shows it
    [(h3,)] = run("SELECT hash FROM audit WHERE seq = 3")
    run("UPDATE audit_chain SET seq = 3, hash = ?", (h3,))
    assert any_store.verify_audit().intact
    b = any_store.verify_audit(expect=logged).broken
    assert (b.what, b.id) == ("missing", 0) and "logged head 5" in b.why
    assert any_store.verify_audit(expect=(3, h3)).intact
    assert any_store.verify_audit(expect=(3, "sha256:" + "0" * 64)).broken.what == "edited"


def test_a_keyed_chain_cannot_be_checked_without_the_key(keyed, store_url):
    entries(keyed, 3)
    state = keyed.verify_audit()
    assert state.intact and state.keyed_from == 1 and state.head.startswith("hmac:")
    bare = open_store(store_url)
    try:
        unkeyed = bare.verify_audit()
        assert unkeyed.unchecked and not unkeyed.intact and unkeyed.broken is None
        entries(bare, 1)  # a node without the key: its entry after keyed ones shows
        assert keyed.verify_audit().broken.what == "unkeyed"
    finally:
        bare.close()


def test_a_chain_checked_under_another_key_names_the_key_not_given_and_not_the_key(keyed,
                                                                                  store_url):
    # every keyed link fails under another key: that was "edited" at the first entry, the
    # operator sent looking for a tampered row where the configuration had changed; each
    # entry now names its key, and one not given is unchecked, not tampered with
    entries(keyed, 4)
    other = open_store(store_url, KEY.upper())
    try:
        state = other.verify_audit()
        assert state.broken is None and state.unchecked == 4 and not state.intact
        assert (f"4 of them signed with a key not given (id {key_id(KEY.encode())} from "
                "place 1)") in state.summary()
        assert KEY.upper() not in str(state.as_json()) and KEY not in state.summary()
    finally:
        other.close()
    run = attacker(store_url)  # one entry rewritten, its hash recomputed without the key
    run("UPDATE audit SET reason = 'x', hash = ? WHERE id = 2", ("hmac:" + "0" * 64,))
    assert keyed.verify_audit().broken.what == "edited"


def test_an_entry_appended_as_a_walk_ends_is_no_break(any_store, monkeypatch):
    # the head was read after the walk: an append between the two said "the newest: place 4
    # of the chain is gone" (a third of the walks beside two appending processes on
    # PostgreSQL), and the audit page kept saying it until the app restarted
    entries(any_store, 3)
    rows = chain._rows

    def then_append(store, seq: int, last_id: int):
        yield from rows(store, seq, last_id)
        entries(any_store, 1, start=1_800_000_000.0)  # another node's, as the walk ends

    monkeypatch.setattr(chain, "_rows", then_append)
    assert any_store.verify_audit(whole=False).intact
    monkeypatch.setattr(chain, "_rows", rows)
    state = any_store.verify_audit(whole=False)  # and the next walk goes on to it
    assert state.intact and state.seq == 4


def test_a_walk_goes_on_from_the_last_and_remembers_a_break(any_store, store_url):
    entries(any_store, 3)
    assert any_store.verify_audit(whole=False).entries == 3
    entries(any_store, 2, start=1_800_000_000.0)
    state = any_store.verify_audit(whole=False)
    assert state.intact and state.entries == 5 and state.seq == 5
    attacker(store_url)("UPDATE audit SET detail = 'x' WHERE id = 5")
    assert any_store.verify_audit(whole=False).intact  # entry 5 was checked already
    entries(any_store, 1)
    assert any_store.verify_audit().broken.id == 5  # a whole walk finds it
    entries(any_store, 1)
    assert any_store.verify_audit(whole=False).broken.id == 5  # and later walks keep it


def test_parse_head_reads_what_is_logged():
    h = "hmac:" + "a" * 64
    assert chain.parse_head(f"12:{h}") == (12, h)
    for bad in ("12", f"x:{h}", "3:md5:00", f"3:{h}0"):
        with pytest.raises(ValueError, match="not a head as logged"):
            chain.parse_head(bad)


# appends from many writers at once -------------------------------------------------

APPENDER = """
import sys
from dlpgate.store.base import AuditEntry, open_store
s = open_store(sys.argv[1], sys.argv[2])
for i in range(int(sys.argv[3])):
    s.audit(AuditEntry("cli:" + sys.argv[4], "list", reason=str(i)))
s.close()
"""


def test_appends_from_threads_and_processes_at_once_make_one_chain(store_url):
    # without the head's row lock two PostgreSQL nodes took the same place (unique index)
    stores = [open_store(store_url, KEY) for _ in range(3)]  # nodes, as it were
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, store_url, KEY, "60", f"p{n}"],
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
             for n in range(2)]

    def node(s, name: str) -> None:
        for i in range(60):
            s.audit(AuditEntry(f"web:{name}", "view", str(i)))
            if i % 10 == 0:  # and the other kinds of append among them
                s.audit_some(AuditEntry(name, "sign-in-failed"), name, 2, 100, 3600)

    threads = [threading.Thread(target=node, args=(s, f"t{n}{m}"))
               for n, s in enumerate(stores) for m in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    stores[0].audit_summaries()
    state = stores[0].verify_audit()
    total = len(stores[0].audit_log(limit=10_000))
    assert state.intact and state.entries == total == state.seq
    assert total == 2 * 60 + 6 * 60 + 6 * 2 + 6  # 2 written, the rest summarised, per name
    for s in stores:
        s.close()


# a store from before the chain ----------------------------------------------------

OLD = [("cli:ann", "reveal", "m1", "child protection case", "cli", "", 1_600_000_000.0),
       ("web:bob", "release", "m1", "", "web", "", 1_600_000_100.0),
       ("web:bob", "view", "m2", "", "web", "", 1_600_000_200.0)]


def old_store(url: str) -> None:
    """The store as the release before the chain left it, with three audit entries."""
    insert = f"INSERT INTO audit ({chain.COLUMNS}) VALUES (?,?,?,?,?,?,?)"
    if url.startswith("sqlite:///"):
        from dlpgate.store.sqlite import CHAIN_VERSION, migrations

        db = sqlite3.connect(sqlite_path(url), isolation_level=None)
        db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
        for version, sql in migrations("sqlite"):
            if version < CHAIN_VERSION:
                for statement in sql.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?)", (version,))
        db.executemany(insert, OLD)
        db.close()
        return
    import psycopg

    from dlpgate.store.postgres import CHAIN_VERSION
    from dlpgate.store.postgres import migrations as pg_migrations

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
        for version, sql in pg_migrations():
            if version < CHAIN_VERSION:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        with conn.cursor() as cur:
            cur.executemany(insert.replace("?", "%s"), OLD)


def test_the_upgrade_anchors_the_entries_written_before_it(store_url):
    old_store(store_url)
    s = open_store(store_url, KEY)
    try:
        entries(s, 2)
        state = s.verify_audit()
        # the earlier three, chain-start, the upgrade's own entry and the two since
        assert state.intact and state.entries == 3 + 1 + 1 + 2 and state.earlier == 3
        assert state.keyed_from == 1  # the anchor is keyed: the key is given as it opens
        start = [e for e in s.audit_log() if e.action == "chain-start"]
        assert [(e.actor, e.reason) for e in start] == [("system:audit-chain",
                                                         "3 earlier entries")]
        assert "numbered up to 3" in start[0].detail
        again = open_store(store_url, KEY)  # a second opening anchors nothing again
        assert again.verify_audit().entries == 7
        again.close()
        run = attacker(store_url)
        run("UPDATE audit SET reason = 'training' WHERE id = 1")  # before the chain
        b = s.verify_audit().broken
        assert (b.what, b.id) == ("edited", 4) and "3 from before the chain" in b.why
        run("UPDATE audit SET reason = 'child protection case' WHERE id = 1")
        assert s.verify_audit().intact
        run("DELETE FROM audit WHERE id = 2")
        b = s.verify_audit().broken
        assert (b.what, b.id) == ("missing", 4) and b.why.startswith("1 of the 3 entries")
    finally:
        s.close()


def test_an_upgrade_of_a_store_in_use_is_on_the_chain_with_its_versions_alone(store_url):
    from dlpgate.store import postgres, sqlite

    old_store(store_url)
    if store_url.startswith("sqlite:///"):
        backend, latest = "SQLite", max(v for v, _ in sqlite.migrations("sqlite"))
        before = sqlite.CHAIN_VERSION - 1
    else:
        backend, latest = "PostgreSQL", max(v for v, _ in postgres.migrations())
        before = postgres.CHAIN_VERSION - 1
    s = open_store(store_url, KEY)
    try:
        [up] = s.audit_log(action="schema-upgrade")
        assert (up.actor, up.via, up.reason) == ("system:store", "store",
                                                 f"{backend} schema {before} -> {latest}")
        applied = ", ".join(map(str, range(before + 1, latest + 1)))
        assert up.detail == f"{latest - before} migration(s) applied: {applied}"
        assert s.verify_audit().intact
    finally:
        s.close()
    again = open_store(store_url, KEY)  # nothing to apply: nothing written
    try:
        assert len(again.audit_log(action="schema-upgrade")) == 1
    finally:
        again.close()


def test_a_new_store_records_no_upgrade(any_store):
    assert any_store.audit_log() == [] and any_store.audit_head() == (0, "")
