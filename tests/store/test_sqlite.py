"""The SQLite store: migrations at open, decisions and held messages round-trip."""

from __future__ import annotations

import sqlite3

import pytest

from dlpgate.config import Settings
from dlpgate.pipeline import Scanner
from dlpgate.store.base import HeldMessage, StoreError
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import make_envelope, make_message

from .test_sql import assert_upgraded_history


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(f"sqlite:///{tmp_path / 'db' / 'dlpgate.db'}")
    yield s
    s.close()


def scanned(raw: bytes):
    return Scanner(Settings()).scan(raw, make_envelope(raw))


def test_opening_creates_the_file_in_wal_mode_with_the_schema(store, tmp_path):
    db = sqlite3.connect(tmp_path / "db" / "dlpgate.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    from dlpgate.store.sqlite import migrations

    shipped = [version for version, _ in migrations("sqlite")]
    assert shipped == list(range(1, len(shipped) + 1))  # numbered without gaps
    assert [r[0] for r in db.execute("SELECT version FROM schema_version")] == shipped


def test_reopening_does_not_migrate_twice(store, tmp_path):
    again = SQLiteStore(f"sqlite:///{tmp_path / 'db' / 'dlpgate.db'}")
    again.close()


def test_an_upgrade_files_the_spellings_of_the_history_already_learned(tmp_path):
    from dlpgate.store.sqlite import migrations

    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
    for version, sql in migrations("sqlite"):
        if version < 9:  # the store as the release before spellings left it
            for statement in sql.split(";\n"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?)", (version,))
    db.execute("INSERT INTO correspondence VALUES ('a@x.gov.uk', 'jo.bloggs@nhs.net', 3, 1, 2, 0)")
    db.execute("INSERT INTO correspondence VALUES ('a@x.gov.uk', 'they.wrote@nhs.net', 0, 0, 0, 1)")
    db.execute("INSERT INTO domains VALUES ('nhs.net', 3, 1, 2)")
    db.close()
    upgraded = SQLiteStore(f"sqlite:///{path}")
    assert_upgraded_history(upgraded)
    upgraded.close()


def test_a_held_message_keeps_the_action_and_every_rule_match_with_the_policy_version(store):
    from dlpgate import testdata

    raw = make_message(sender="sw@childrens.example-council.gov.uk", to=("head@school.org.uk",),
                       body=f"Pupil UPN {testdata.upn(__import__('random').Random(3))} starts "
                       "on Monday.")
    settings = Settings.model_validate({"organisation": {
        "internal_domains": ["example-council.gov.uk"]}, "detection": {"ner": False}})
    result = Scanner(settings).scan(raw, make_envelope(raw))
    assert result.decision.chosen.value == "confirm"
    store.hold(HeldMessage.of(result, make_envelope(raw), raw, 1000.0))
    assert store.held() == []  # it waits for its sender, not for a reviewer
    [got] = store.held("awaiting-sender")
    assert got.action == "confirm" and got.verdict == "hold"
    assert got.policy_version == result.decision.policy_version
    assert "social-care-identifiers-leaving" in [m["rule"] for m in got.matches]
    assert got.notify == ("sender",)


def test_a_store_that_cannot_be_opened_says_where(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot open SQLite store"):
        SQLiteStore(f"sqlite:///{blocker / 'sub' / 'x.db'}")


def test_a_full_disk_is_named_as_such_and_as_the_whole_stores_failure(store):
    # SQLite rolls back itself on a full disk; a second ROLLBACK failed ("no transaction is
    # active") and that was the error shown, from a traceback, by quarantine release
    from dlpgate.history import Pair

    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError) as full:
        store.learn([Pair("a@x.gov.uk", f"p{i}-{'x' * 300}@y.org", 1.0, 1) for i in range(50)])
    assert "full" in str(full.value) and "rollback" not in str(full.value)
    assert full.value.whole


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() != 0,
                    reason="needs root, to mount a folder read-only")
def test_a_store_on_a_folder_it_may_not_write_says_so_not_only_unable_to_open(tmp_path):
    # SQLite said "unable to open database file" and no more: the operator was left to guess
    # that a read-only mount (or a file root made before the service first ran) was why
    import subprocess

    SQLiteStore(f"sqlite:///{tmp_path / 'rw' / 'dlpgate.db'}").close()
    (tmp_path / "ro").mkdir()
    mounted = subprocess.run(["mount", "--bind", str(tmp_path / "rw"), str(tmp_path / "ro")],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("mount --bind is not allowed here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(tmp_path / "ro")], check=True)
        with pytest.raises(StoreError) as refused:
            SQLiteStore(f"sqlite:///{tmp_path / 'ro' / 'dlpgate.db'}")
    finally:
        busy = subprocess.run(["umount", str(tmp_path / "ro")]).returncode != 0
        if busy:
            subprocess.run(["umount", "-l", str(tmp_path / "ro")], check=True)
    assert not busy, "the refused store kept its file open"
    assert str(refused.value) == (
        f"cannot open SQLite store {tmp_path / 'ro' / 'dlpgate.db'}: unable to open database "
        f"file ({tmp_path / 'ro' / 'dlpgate.db'} is not writable, or its folder is not, by this "
        "user (SQLite writes -wal and -shm files beside it))")


def test_a_message_held_before_dsn_was_kept_is_read_and_released_after_the_upgrade(tmp_path):
    # schema version 20 added the quarantine's dsn column; a row from before has none
    import asyncio

    from dlpgate.act.quarantine import release
    from dlpgate.store.sql import _HELD_COLUMNS, _held
    from dlpgate.store.sqlite import migrations
    from dlpgate.testing import Sink

    raw = make_message(to=("x@example.org",), body="Minutes.\n")
    item = HeldMessage.of(scanned(raw), make_envelope(raw), raw, 1000.0)
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
    for version, sql in migrations("sqlite"):
        if version < 20:
            for statement in sql.split(";\n"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?)", (version,))
    old_columns = _HELD_COLUMNS.removesuffix(", dsn")
    new = SQLiteStore(f"sqlite:///{tmp_path / 'new.db'}")
    new.hold(item)
    [row] = new._read(f"SELECT {old_columns} FROM quarantine", ())
    new.close()
    db.execute(f"INSERT INTO quarantine ({old_columns}) VALUES ({','.join('?' * 21)})", row)
    db.close()

    upgraded = SQLiteStore(f"sqlite:///{path}")
    try:
        got = upgraded.get_held(item.id)
        assert got == _held((*row, "")) and (got.mail_dsn, got.rcpt_dsn) == ((), ())
        settings = Settings.model_validate({"relay": {"next_hop_timeout": 5}})
        with Sink() as sink:
            hop = settings.model_copy(update={"relay": settings.relay.model_copy(
                update={"next_hop": sink.address})})
            assert asyncio.run(release(upgraded, hop, item.id, "cli:ann", "fine", "cli")).ok
        [went] = sink.delivered
        assert went.rcpt_tos == ["x@example.org"] and went.rcpt_options == [[]]
    finally:
        upgraded.close()
