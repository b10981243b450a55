"""`dlpgate db copy`: a council's SQLite store moved into PostgreSQL, all of it, once."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from dlpgate.history import Pair
from dlpgate.store.base import AuditEntry
from dlpgate.store.postgres import PostgresStore, migrations
from dlpgate.store.sqlite import SQLiteStore

from .test_sql import held_item


def dlpgate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlpgate", *args], capture_output=True,
                          text=True, timeout=300)


def test_everything_moves_and_a_second_run_adds_nothing(tmp_path, pg_url):
    lite = SQLiteStore(f"sqlite:///{tmp_path / 'old.db'}")
    item, raw = held_item()
    lite.hold(item)
    lite.learn([Pair("ann@x.gov.uk", "gp@nhs.net", 100.0, count=4, joined=2, audience=3)])
    lite.learn_groups([("ann@x.gov.uk", ("gp@nhs.net", "sw@x.gov.uk"))])
    lite.learn_profiles([("ann@x.gov.uk", "gp@nhs.net", (11, 22, 33))], 1_000_000.0)
    lite.save_user("ann", "scrypt$old", ("reviewer",), mailboxes=("ann@x.gov.uk",))
    lite.save_user("ann", "scrypt$h", ("reviewer",), mailboxes=("ann@x.gov.uk",))  # passwd
    lite.audit(AuditEntry("cli:ann", "view", item.id))
    lite.audit(AuditEntry("cli:ann", "reject", item.id, "wrong person"))
    for _ in range(2):  # one written, one held back for a summary: it moves as the summary
        lite.audit_some(AuditEntry("sender:(unknown)", "link-refused", via="link"),
                        "203.0.113.0/24", 1, 20, 900)
    key = lite.profile_key()
    lite.close()
    cfg = tmp_path / "pg.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": pg_url}}))

    migrated = dlpgate("db", "migrate", "--config", str(cfg))
    latest = max(v for v, _ in migrations())
    assert migrated.returncode == 0
    assert f"postgresql store at schema version {latest}" in migrated.stdout
    first = dlpgate("db", "copy", f"sqlite:///{tmp_path / 'old.db'}", "--config", str(cfg))
    assert first.returncode == 0, first.stderr
    assert "quarantine: 1 row\n" in first.stdout
    # the four entries and this run's own, which says what it did, on both trails
    pg = PostgresStore(pg_url)
    try:
        seq, top = pg.audit_head()
    finally:
        pg.close()
    assert (f"audit: 5 rows, the last this run's store-copy entry; head {seq}:{top}\n"
            in first.stdout)
    again = dlpgate("db", "copy", f"sqlite:///{tmp_path / 'old.db'}", "--config", str(cfg))
    assert again.returncode == 0, again.stderr
    assert "audit: 1 row, 5 already there, the last this run's store-copy entry; head 6:" \
        in again.stdout  # a run again said nothing of the trail

    pg = PostgresStore(pg_url)
    try:
        assert pg.get_held(item.id) == item and pg.get_held(item.id).raw == raw
        gp = pg.correspondence("ann@x.gov.uk", ["gp@nhs.net"])["gp@nhs.net"]
        assert (gp.count, gp.joined, gp.smallest) == (4, 2, 3)
        assert pg.together("ann@x.gov.uk", ["gp@nhs.net", "sw@x.gov.uk"]) == {
            ("gp@nhs.net", "sw@x.gov.uk"): 1}
        assert pg.profile_key() == key  # profiles keep their meaning
        # and analyzed, so that the relays' lookups are planned for the rows copied
        assert pg._read("SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() "
                        "AND tablename = 'spellings'", ())[0][0] > 0
        assert pg.profile_fit("ann@x.gov.uk", ["gp@nhs.net"], (22, 33)) == {"gp@nhs.net": 2}
        # with the date each word was last sent, so retention ages them out alike
        assert pg.expire_words(1_000_001.0) == 3
        assert pg.get_user("ann").roles == ("reviewer",)
        assert pg.get_user("ann").mailboxes == ("ann@x.gov.uk",)  # and whose mail they sent
        # and how often their credentials changed: at 0 again, a browser's known cookie from
        # before the last password change (its key copied with the store's) counted again
        assert pg.get_user("ann").generation == 1
        assert [(e.action, e.reason) for e in pg.audit_log()] == [
            ("store-copy", "copied to a PostgreSQL store"),
            ("store-copy", "copied to a PostgreSQL store"),
            ("link-refused", "1 more, not recorded one by one"), ("link-refused", ""),
            ("reject", "wrong person"), ("view", "")]
        assert [e.detail for e in pg.audit_log(action="store-copy")] == [
            "run again: the target held 5 of the trail's entries; the rest follow",
            "first copy: the target held no audit entries"]
        assert {e.actor for e in pg.audit_log(action="store-copy")} == {"system:store"}
        assert pg.verify_audit().intact
    finally:
        pg.close()


def test_a_copy_keeps_the_audit_chain_and_the_target_goes_on_from_its_head(tmp_path, pg_url):
    from dlpgate.store.base import open_store
    from dlpgate.store.copy import copy

    from .test_chain import KEY, old_store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old_store(url)  # entries from before the chain, anchored on opening, and the upgrade's
    lite = open_store(url, KEY)
    lite.audit(AuditEntry("cli:ann", "reveal", "m1", "case\x00 review"))  # stored as U+FFFD there
    lite.audit_some(AuditEntry("sender:(unknown)", "link-refused"), "198.51.100.0/24", 0, 20,
                    900)  # held back: copied as its summary, on the chain
    pg = open_store(pg_url, KEY)
    try:
        copy(lite, pg)
        source, target = lite.verify_audit(), pg.verify_audit()
        assert source.intact and target.intact, target.summary()
        assert (target.entries, target.seq, target.head) == (source.entries, source.seq,
                                                             source.head) == (8, 5, target.head)
        assert pg.audit_head() == lite.audit_head()
        pg.audit(AuditEntry("web:bob", "view", "m1"))  # and it goes on from there
        assert pg.verify_audit().intact and pg.audit_head()[0] == 6
    finally:
        lite.close()
        pg.close()


def test_a_chain_whose_key_was_rotated_copies_intact_and_goes_on_under_the_new_key(
        tmp_path, pg_url):
    from dlpgate.store.base import open_store
    from dlpgate.store.copy import copy

    from .test_auditkeys import NEW, NEW_ID, OLD, OLD_ID, rotated

    url = f"sqlite:///{tmp_path / 'old.db'}"
    rotated(url)
    lite, pg = open_store(url, NEW, (OLD,)), open_store(pg_url, NEW, (OLD,))
    try:
        copy(lite, pg)
        source, target = lite.verify_audit(), pg.verify_audit()
        assert target.intact, target.summary()
        assert target.summary() == source.summary()
        assert [s for _, s in target.segments] == [OLD_ID, NEW_ID]
        pg.audit(AuditEntry("web:bob", "view", "m1"))
        after = pg.verify_audit()
        assert after.intact and after.seq == 8 and not pg.audit_log(action="audit-key-changed",
                                                                      item_id="m1")
        assert len(pg.audit_log(action="audit-key-changed")) == 1
    finally:
        lite.close()
        pg.close()


def test_a_copy_out_of_postgresql_moves_every_row_of_a_busy_sender(tmp_path, pg_url):
    # paged by the sender alone, PostgreSQL ordered the ties afresh on each page: 3,796 of
    # 5,000 pairs arrived while the command said 5000
    from dlpgate.store.copy import copy

    pg = PostgresStore(pg_url)
    lite = SQLiteStore(f"sqlite:///{tmp_path / 'back.db'}")
    try:
        pg.learn([Pair("ann@x.gov.uk", f"person{i}@nhs.net", 100.0 + i) for i in range(5000)])
        counts = copy(pg, lite)
        [(n,)] = lite._read("SELECT count(*) FROM correspondence", ())
        assert counts["correspondence"] == n == 5000
    finally:
        pg.close()
        lite.close()


def test_a_target_another_installation_has_used_is_refused_and_left_as_it_was(tmp_path,
                                                                                pg_url):
    # a node started on PostgreSQL before the copy: its rows won where both had one (a
    # partner written to 22 times came out at 1) and the source's key replaced its own
    lite = SQLiteStore(f"sqlite:///{tmp_path / 'old.db'}")
    lite.learn([Pair("ann@x.gov.uk", "gp@nhs.net", 100.0, count=22)])
    lite.profile_key()
    lite.close()
    pg = PostgresStore(pg_url)
    pg.learn([Pair("ann@x.gov.uk", "gp@nhs.net", 200.0, count=1)])
    theirs = pg.profile_key()
    pg.close()
    cfg = tmp_path / "pg.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": pg_url}}))
    refused = dlpgate("db", "copy", f"sqlite:///{tmp_path / 'old.db'}", "--config", str(cfg))
    assert refused.returncode == 2
    assert "nothing copied: the target store already holds correspondence of its own" in \
        refused.stderr
    pg = PostgresStore(pg_url)
    try:
        assert pg.profile_key() == theirs
        assert pg.correspondence("ann@x.gov.uk", ["gp@nhs.net"])["gp@nhs.net"].count == 1
    finally:
        pg.close()


def test_a_source_store_that_is_not_there_is_refused_not_made(tmp_path, pg_url):
    # three slashes for an absolute path: an empty store was made there and "copied"
    cfg = tmp_path / "pg.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": pg_url}}))
    missing = tmp_path / "nope" / "dlpgate.db"
    got = dlpgate("db", "copy", f"sqlite:///{missing}", "--config", str(cfg))
    assert got.returncode == 2 and "nothing copied" in got.stderr
    assert not missing.exists() and not missing.parent.exists()


def test_a_copy_cut_short_in_the_audit_trail_goes_on_from_there_when_run_again(
        tmp_path, pg_url, monkeypatch):
    # the trail was skipped whenever the target held an entry: a copy cut short after its
    # first batch, run again, left the rest behind, and the shorter chain checked intact
    from dlpgate.store import chain
    from dlpgate.store import copy as copying
    from dlpgate.store.base import open_store

    from .test_chain import KEY, entries, old_store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old_store(url)  # three from before the chain, anchored, and the upgrade's entry
    lite, pg = open_store(url, KEY), open_store(pg_url, KEY)
    try:
        entries(lite, 7)
        monkeypatch.setattr(copying, "BATCH", 4)
        write, calls = pg._transaction, []  # the audit's batches, each one transaction

        def cut(steps, *args, **kwargs):
            calls.extend(sql for sql, _ in steps if sql == chain.INSERT)
            if len(calls) == 2:
                raise OSError("the connection dropped")
            return write(steps, *args, **kwargs)

        monkeypatch.setattr(pg, "_transaction", cut)
        with pytest.raises(OSError):
            copying.copy(lite, pg)
        monkeypatch.setattr(pg, "_transaction", write)
        assert len(pg.audit_log(limit=100)) == 4  # the first batch
        done = copying.copy(lite, pg)
        assert (done["audit"], done["audit_kept"]) == (10, 4)  # the rest, with both runs' entries
        source, target = lite.verify_audit(), pg.verify_audit()
        assert target.intact and (target.entries, target.head) == (source.entries, source.head)
        assert len(pg.audit_log(limit=100)) == len(lite.audit_log(limit=100)) == 14
        done = copying.copy(lite, pg)  # run once more: only its own entry is new
        assert (done["audit"], done["audit_kept"]) == (1, 14)
        [latest] = pg.audit_log(action="store-copy", limit=1)
        assert latest.detail == ("run again: the target held 14 of the trail's entries; the "
                                 "rest follow")
    finally:
        lite.close()
        pg.close()
