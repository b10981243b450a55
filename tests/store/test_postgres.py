"""PostgreSQL specifics: several nodes on one database, migrating once, claiming once."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from dlpgate.config import Settings
from dlpgate.history import Pair
from dlpgate.pipeline import Scanner
from dlpgate.store.base import HeldMessage, StoreError, open_store
from dlpgate.store.postgres import PostgresStore, migrations
from dlpgate.testing import make_envelope

from .test_sql import assert_upgraded_history, held_item


def test_nodes_starting_together_migrate_once(pg_url):
    stores: list[PostgresStore] = []
    threads = [threading.Thread(target=lambda: stores.append(PostgresStore(pg_url)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(stores) == 4
    versions = stores[0]._read("SELECT version FROM schema_version ORDER BY version", ())
    assert versions == [(v,) for v, _ in migrations()]  # each applied once
    keys = {s.profile_key() for s in stores}
    assert len(keys) == 1  # one per-install key, shared by every node
    for s in stores:
        s.close()


def test_of_many_nodes_claiming_one_message_exactly_one_wins(pg_url):
    first = PostgresStore(pg_url)
    item, _ = held_item()
    first.hold(item)
    nodes = [PostgresStore(pg_url, max_size=2) for _ in range(6)]
    wins: list[str] = []
    barrier = threading.Barrier(len(nodes))

    def claim(i: int) -> None:
        barrier.wait()
        if nodes[i].claim(item.id, ("held",), "releasing", f"node{i}") is not None:
            wins.append(f"node{i}")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(nodes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(wins) == 1
    assert first.get_held(item.id).decided_by == wins[0]
    for s in (first, *nodes):
        s.close()


def test_history_learned_on_one_node_is_seen_by_another(pg_url):
    a, b = PostgresStore(pg_url), PostgresStore(pg_url)
    a.learn([Pair("ann@x.gov.uk", "gp@nhs.net", 100.0, count=5)])
    assert b.correspondence("ann@x.gov.uk", ["gp@nhs.net"])["gp@nhs.net"].count == 5
    a.close()
    b.close()


def test_an_unreachable_server_is_a_clear_error_without_the_password():
    with pytest.raises(StoreError, match="cannot open PostgreSQL store") as info:
        PostgresStore("postgresql://dlpgate:s3cret-pw@127.0.0.1:1/nowhere")
    assert "s3cret-pw" not in str(info.value)


def test_an_upgrade_files_the_spellings_of_the_history_already_learned(pg_url):
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
        for version, sql in migrations():
            if version < 3:  # the store as the release before spellings left it
                conn.execute(sql)
                conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        conn.execute("INSERT INTO correspondence VALUES ('a@x.gov.uk', 'jo.bloggs@nhs.net', "
                     "3, 1, 2, 0), ('a@x.gov.uk', 'they.wrote@nhs.net', 0, 0, 0, 1)")
        conn.execute("INSERT INTO domains VALUES ('nhs.net', 3, 1, 2)")
    upgraded = PostgresStore(pg_url)
    assert_upgraded_history(upgraded)
    upgraded.close()


def test_a_nul_in_a_header_neither_fails_the_scan_nor_the_hold(pg_url):
    """PostgreSQL keeps no NUL in text and refuses the statement that carries one: a To
    address or a Message-ID with one would fail the scan's lookups or the hold, and the
    message would be deferred until its sender gave up. It is kept as U+FFFD instead."""
    store = open_store(pg_url)
    raw = (b"From: a@example-council.gov.uk\r\nTo: \x00z@x.org, x@gmail.com\r\n"
           b"Message-ID: <a\x00b@x>\r\nSubject: notes\r\n\r\n"
           b"NHS 943 476 5919, diagnosed with epilepsy\r\n")
    settings = Settings.model_validate({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}})
    result = Scanner(settings, store).scan(raw, make_envelope(raw))
    assert result.decision.verdict == "hold"
    item = HeldMessage.of(result, make_envelope(raw), raw, time.time())
    store.hold(item)
    assert store.get_held(item.id).message_id == "<a\ufffdb@x>"
    store.close()


def test_an_erasure_on_one_node_empties_the_contact_cache_of_another(pg_url, monkeypatch):
    # the cached contact list kept an erased contact "written to 22 times" for up to 30 s
    import dlpgate.store.postgres as pg_module

    monkeypatch.setattr(pg_module, "ERASURE_CHECK_SECONDS", 0.0)
    relay, cli = PostgresStore(pg_url), PostgresStore(pg_url)
    try:
        relay.learn([Pair("tom@x.gov.uk", "sarah.khan@nhs.net", time.time(), 22),
                     Pair("tom@x.gov.uk", "head@school.sch.uk", time.time(), 3)])
        assert [c.recipient for c in relay.contacts("tom@x.gov.uk")] == [
            "sarah.khan@nhs.net", "head@school.sch.uk"]
        cli.forget(["sarah.khan@nhs.net"])
        assert [c.recipient for c in relay.contacts("tom@x.gov.uk")] == ["head@school.sch.uk"]
    finally:
        relay.close()
        cli.close()


def test_ties_are_ordered_bytewise_whatever_the_databases_collation(pg_url, tmp_path):
    # a database made with en-GB put sarah_khan@ before sarah.khan@, so a tie named another
    # contact than SQLite's: the column is given that collation here, as such a database's is
    pg = PostgresStore(pg_url)
    try:
        pg._write('ALTER TABLE correspondence ALTER COLUMN recipient TYPE text '
                  'COLLATE "en-GB-x-icu"', [()])
        pg.learn([Pair("ann@x.gov.uk", r, time.time(), 6)
                  for r in ("sarah_khan@nhs.net", "sarah.khan@nhs.net", "sarahk@nhs.net")])
        assert [c.recipient for c in pg.contacts("ann@x.gov.uk")] == sorted(
            ["sarah_khan@nhs.net", "sarah.khan@nhs.net", "sarahk@nhs.net"])
    finally:
        pg.close()


def test_contacts_written_to_as_often_are_listed_alike_by_both_stores(pg_url, tmp_path):
    # ties came back in whatever order PostgreSQL's sort chose, and the first is the namesake
    # a signal names: one store held the NHS number to the wrong Sarah, the other sent it
    from dlpgate.store.sqlite import SQLiteStore

    pairs = [Pair("ann@x.gov.uk", f"sarah.{n}@nhs.net", time.time() - i, 6)
             for i, n in enumerate(["zed", "abb", "moss", "carr", "bell"])]
    lite, pg = SQLiteStore(f"sqlite:///{tmp_path / 's.db'}"), PostgresStore(pg_url)
    try:
        for store in (lite, pg):
            store.learn(pairs)
            store.forget(["sarah.moss@nhs.net"])
        listed = [[c.recipient for c in s.contacts("ann@x.gov.uk")] for s in (lite, pg)]
        assert listed[0] == listed[1] == sorted(p.recipient for p in pairs if "moss" not in
                                                p.recipient)
    finally:
        lite.close()
        pg.close()


def test_a_transaction_chosen_as_a_deadlocks_victim_is_run_again_whole(pg_url):
    # history forget failed one time in two beside relay traffic, and an import after three
    # of its four batches: PostgreSQL rolls the victim back, and it may simply run again
    pg = PostgresStore(pg_url)
    calls = []

    def work(db):
        calls.append(1)
        db.execute("INSERT INTO meta (key, value) VALUES ('probe', ?) ON CONFLICT (key) DO "
                   "UPDATE SET value = excluded.value", (str(len(calls)),))
        if len(calls) < 3:  # as PostgreSQL reports a deadlock (SQLSTATE 40P01)
            db.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; "
                       "END $$")
        return "done"

    try:
        assert pg._atomic(work) == "done" and len(calls) == 3
        assert pg._read("SELECT value FROM meta WHERE key = 'probe'", ()) == [("3",)]
    finally:
        pg.close()


class _Link:
    """A TCP hop to PostgreSQL that can go silent: the database host behind a link that drops
    packets rather than refusing them. Connections made while silent stay silent (their
    packets were lost); the link heals for new ones."""

    def __init__(self, url: str) -> None:
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = url.replace(parts.netloc, f"{parts.username or 'postgres'}@127.0.0.1:"
                               f"{self.port}")
        self.silent = False
        self.live: list = []
        self.lost: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.silent:
                self.lost.append(client)
                continue
            upstream = socket.create_connection(self.target)
            self.live += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            with contextlib.suppress(OSError):
                s.close()

    def cut(self) -> None:
        self.silent = True
        for s in self.live:
            with contextlib.suppress(OSError):
                s.shutdown(2)

    def close(self) -> None:
        self.server.close()
        for s in self.live + self.lost:
            s.close()


def test_a_node_recovers_when_a_silent_database_link_heals(pg_url):
    """While the link drops packets each request fails (a 451 to the client, the mail kept
    by its sender); once it heals the node works again without a restart. Before, a
    reconnection attempt made into the silence held its place in the pool for psycopg's
    default 130 s, and every message meanwhile got a 451 (here, with one place, for the whole
    90 s the test waits)."""
    link = _Link(pg_url)
    store = PostgresStore(link.url, min_size=1, max_size=1)
    try:
        assert store._read("SELECT 1", ()) == [(1,)]
        link.cut()
        with pytest.raises(StoreError):
            store._read("SELECT 1", ())
        time.sleep(1)  # the pool tries to reconnect into the silence
        link.silent = False
        deadline = time.monotonic() + 90
        while True:
            try:
                assert store._read("SELECT 1", ()) == [(1,)]
                break
            except StoreError:
                assert time.monotonic() < deadline, "the node never recovered"
    finally:
        store.close()
        link.close()


def _end_sessions(application_name: str) -> int:
    """What a database restart or fail-over does to a node's pooled connections: ends them
    while they sit idle."""
    import psycopg

    from tests.conftest import PG_URL

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE application_name = %s", (application_name,)).fetchall())


def _pooled(pg_url: str, name: str) -> PostgresStore:
    store = PostgresStore(f"{pg_url}&application_name={name}", min_size=3, max_size=3)
    deadline = time.monotonic() + 10
    while store._pool.get_stats().get("pool_available", 0) < 3:  # all three idle in the pool
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return store


@pytest.mark.parametrize("first", ["write", "read"])
def test_after_a_database_restart_no_message_meets_a_dead_pooled_connection(pg_url, first):
    """Each idle connection in the pool was dead after a restart, and the first message to be
    handed each one got a 451: three here, up to eight with the default pool. Now a connection
    found dead is dropped and the next asked, so the first message after a restart goes
    through."""
    import secrets

    name = f"dlpgate-restart-{secrets.token_hex(4)}"
    store = _pooled(pg_url, name)
    try:
        assert _end_sessions(name) == 3
        time.sleep(0.2)  # the server has closed them; the pool has not noticed
        pair = Pair("ann@x.gov.uk", "gp@nhs.net", 100.0, count=2)
        for _ in range(3):
            if first == "write":
                store.learn([pair])
                assert store.correspondence("ann@x.gov.uk", ["gp@nhs.net"])
            else:
                assert store._read("SELECT 1", ()) == [(1,)]
                store.learn([pair])
    finally:
        store.close()


def test_a_transaction_whose_connection_died_inside_it_is_not_written_again(pg_url):
    """Lost after BEGIN, a transaction may have committed (the COMMIT sent, its answer lost):
    it is the caller's error to retry (a 451, the client sends again), never a second write
    made here."""
    store = PostgresStore(pg_url, min_size=1, max_size=2)
    calls = []

    def work(db):
        calls.append(1)
        db.execute("INSERT INTO meta (key, value) VALUES ('died', 'x')")
        db.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    try:
        with pytest.raises(StoreError, match="store write failed"):
            store._atomic(work)
        assert calls == [1]
        assert store._read("SELECT value FROM meta WHERE key = 'died'", ()) == []
    finally:
        store.close()


def _plan_of_near(store: PostgresStore) -> str:
    """PostgreSQL's plan for `near`'s statement as it is sent for five slips and their
    domains (the keys as parameters)."""
    from dlpgate.store.keeping import spelling_keys

    asked = [f"contcat{i}@org{i % 50}.example" for i in range(5)] + ["@og1.example"]
    keys = sorted({k for a in asked for k in spelling_keys(a)})
    marks = ",".join("?" * len(keys))
    rows = store._read(f"EXPLAIN SELECT key, known FROM spellings WHERE key IN ({marks})",
                       tuple(keys))
    return "\n".join(r[0] for r in rows)


def test_an_import_analyzes_the_history_so_that_near_reads_the_index(pg_url):
    """The cause of a 150 ms spelling lookup at a million pairs: straight after a bulk load
    PostgreSQL has no statistics, takes near's hundred keys for most of `spellings` and
    reads the whole table. `history import` and `learn` (cli._learn) analyze at their end."""
    from dlpgate.cli import _learn

    store = PostgresStore(pg_url)
    try:
        for table in ("correspondence", "domains", "spellings"):  # no autovacuum meanwhile
            store._atomic(lambda db, t=table: db.execute(
                f"ALTER TABLE {t} SET (autovacuum_enabled = false)"))
        pairs = (Pair(f"user{i % 20}@x.gov.uk", f"contact{i}@org{i % 50}.example", 1.0)
                 for i in range(5000))
        store.learn(list(pairs))
        assert "Seq Scan on spellings" in _plan_of_near(store)  # as a bulk load leaves it
        _learn(store, iter([Pair("ann@x.gov.uk", "gp@nhs.net", 1.0)]), "h.csv")
        assert "spellings_pkey" in _plan_of_near(store)
        analyzed = {t for (t,) in store._read(
            "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()", ())}
        assert {"correspondence", "domains", "spellings"} <= analyzed
    finally:
        store.close()


def test_an_upgrade_analyzes_the_history_its_migrations_filled(pg_url):
    """The name keys filed as the store is upgraded (store/namefiling.py) are a bulk load like
    an import's: the node that applied the migrations analyzes the history once they commit,
    so the planner does not wait for autovacuum to read `spellings` by its index."""
    import psycopg

    from .test_namefiling import store_before_name_keys

    store_before_name_keys(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for table in ("correspondence", "domains", "spellings"):  # no autovacuum meanwhile
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    stats = ("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")
    upgraded = PostgresStore(pg_url)
    try:
        assert {"correspondence", "domains", "spellings"} <= {
            t for (t,) in upgraded._read(stats, ())}
    finally:
        upgraded.close()
