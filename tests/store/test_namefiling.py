"""Filing the addresses learned before name keys under their names (store/namefiling.py), as
a store from before them is upgraded: on both backends."""

from __future__ import annotations

import sqlite3

from dlpgate.config import Settings, sqlite_path
from dlpgate.history import MAX_ADDRESS, Pair
from dlpgate.store import namefiling, postgres, sqlite
from dlpgate.store.base import open_store
from dlpgate.store.keeping import NAME_MARK, spelling_keys
from dlpgate.testing import capture_logs

TL, KW = "tl@council.gov.uk", "kw@council.gov.uk"
LEAD = "sarah.khan@oakfield.sch.uk"  # the safeguarding lead the team wrote to last year
LONG = f"sarah.{'x' * MAX_ADDRESS}@oakfield.sch.uk"  # no mail system delivers to it
# (sender, recipient, count): the lead written to by two, a namesake, one who only wrote
# to us (count 0), and an address too long to be anyone's
LAST_YEAR = [(TL, LEAD, 6), (KW, LEAD, 2), (TL, "imran.khan@oakfield.sch.uk", 1),
             (TL, "they.wrote@oakfield.sch.uk", 0), (TL, "head@oakfield.sch.uk", 3),
             (TL, LONG, 1)]


def store_before_name_keys(url: str) -> None:
    """The store as the release before name keys left it (SQLite schema 22, PostgreSQL 16),
    holding LAST_YEAR with its spelling keys filed as that release filed them."""
    known = sorted({r for _, r, n in LAST_YEAR if n} | {"@oakfield.sch.uk"})
    rows = [(s, r, n, 1.7e9, 1.7e9) for s, r, n in LAST_YEAR]
    filed = [(key, k) for k in known for key in sorted(spelling_keys(k))]
    insert = ("INSERT INTO correspondence (sender, recipient, count, first_seen, last_seen) "
              "VALUES (?,?,?,?,?)")
    spell = "INSERT INTO spellings (key, known) VALUES (?,?)"
    domain = "INSERT INTO domains VALUES ('oakfield.sch.uk', 12, 1.7e9, 1.7e9)"
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(sqlite_path(url), isolation_level=None)
        db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
        for version, sql in sqlite.migrations("sqlite"):
            if version < sqlite.NAMES_VERSION - 1:
                for statement in sql.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?)", (version,))
        db.executemany(insert, rows)
        db.executemany(spell, filed)
        db.execute(domain)
        db.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
        for version, sql in postgres.migrations():
            if version < postgres.NAMES_VERSION - 1:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        with conn.cursor() as cur:
            cur.executemany(insert.replace("?", "%s"), rows)
            cur.executemany(spell.replace("?", "%s"), filed)
            cur.execute(domain)


def spellings(store) -> list[tuple[str, str]]:
    return sorted(store._read("SELECT key, known FROM spellings", ()))


def names(store) -> list[tuple[str, str]]:
    return sorted(store._read("SELECT key, known FROM spellings WHERE substr(key, 1, 1) = ?",
                              (NAME_MARK,)))


def test_an_upgraded_store_finds_the_namesakes_colleagues_wrote_to_before_it(store_url):
    store_before_name_keys(store_url)
    with capture_logs(Settings(), forbidden=(LEAD, "sarah", "khan", "oakfield")) as logs:
        upgraded = open_store(store_url)
    try:
        # the key worker's new Sarah at the school: the lead everyone wrote to last year is
        # her namesake, as is imran.khan by the surname; not the one who only wrote to us
        assert upgraded.named_alike(["sarah.jones@oakfield.sch.uk", "amir.khan@oakfield.sch.uk",
                                     "they.wrote@oakfield.sch.uk"]) == {
            "sarah.jones@oakfield.sch.uk": [LEAD],
            "amir.khan@oakfield.sch.uk": ["imran.khan@oakfield.sch.uk", LEAD]}
        # the log says what the start is doing and how many, naming no one
        assert '"addresses": 4' in logs.text and "store_filed_names" in logs.text
    finally:
        upgraded.close()


def test_the_upgrade_files_what_learning_the_history_fresh_would_have(store_url, tmp_path):
    store_before_name_keys(store_url)
    upgraded = open_store(store_url)
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        # the relay learns no address too long for a mail system (history.is_address)
        fresh.learn([Pair(s, r, 1.7e9, count=n) for s, r, n in LAST_YEAR if r != LONG])
        assert names(upgraded) == names(fresh) and len(names(fresh)) == 6
    finally:
        upgraded.close()
        fresh.close()


def test_filing_again_a_batch_at_a_time_changes_nothing(store_url):
    store_before_name_keys(store_url)
    upgraded = open_store(store_url)
    try:
        before = spellings(upgraded)
        # two addresses a read: the lead, written to by two senders, is read once, and the
        # one who only wrote to us not at all
        assert upgraded._atomic(lambda db: namefiling.file_names(db, batch=2)) == 4
        assert spellings(upgraded) == before
        again = open_store(store_url)  # and a second start applies nothing
        again.close()
        assert spellings(upgraded) == before
    finally:
        upgraded.close()


def test_a_new_store_has_nothing_to_file(any_store):
    assert any_store._atomic(namefiling.file_names) == 0
    any_store.learn([Pair(TL, LEAD, 1.7e9)])
    assert any_store.named_alike(["sarah.jones@oakfield.sch.uk"]) == {
        "sarah.jones@oakfield.sch.uk": [LEAD]}
