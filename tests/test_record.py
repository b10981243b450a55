"""The batched writers: rows reach the store in batches, survive a store failure, flush at close."""

from __future__ import annotations

import asyncio
import random
import string
import time

from dlpgate.config import Settings
from dlpgate.history import Pair
from dlpgate.record import Batcher
from dlpgate.store.base import StoreError, open_store
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import capture_logs


def test_rows_are_written_in_one_batch_and_kept_when_the_store_fails():
    written: list[list[int]] = []
    fail = {"on": True}

    def write(rows):
        if fail["on"]:
            raise StoreError("disk full")
        written.append(list(rows))

    async def scenario():
        b = Batcher(write, "test", interval=0.01)
        b.add_all([1, 2, 3])
        await asyncio.sleep(0.05)  # the first flush fails: rows stay queued
        assert written == []
        fail["on"] = False
        b.add(4)
        await b.close()

    asyncio.run(scenario())
    assert written == [[1, 2, 3, 4]]


def test_memory_is_bounded_while_the_store_is_down():
    b = Batcher(lambda rows: None, "test", max_pending=2)

    async def scenario():
        b.add_all([1, 2, 3])
        await b.close()

    asyncio.run(scenario())
    assert b.dropped == 1


def test_a_row_the_store_refuses_is_dropped_and_counted_and_the_rest_are_written(tmp_path):
    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    now = time.time()
    good = [Pair("ann@x.gov.uk", f"p{i}@nhs.net", now, 1) for i in range(7)]
    poison = Pair("ann@x.gov.uk", "bad\udcff@nhs.net", now, 1)  # SQLite cannot encode it

    async def scenario() -> Batcher:
        b = Batcher(store.learn, "history", interval=0.01, ping=store.ping)
        b.add_all(good[:3] + [poison] + good[3:])
        await b.close()
        b.add(Pair("ann@x.gov.uk", "later@nhs.net", now, 1))  # and the next batch goes
        await b.close()
        return b

    with capture_logs(Settings(), forbidden=("@nhs.net",)) as logs:  # no address at all
        b = asyncio.run(scenario())
    assert b.refused == 1 and b._pending == []
    assert {c.recipient for c in store.contacts("ann@x.gov.uk")} == \
        {p.recipient for p in good} | {"later@nhs.net"}
    assert "store_refused_rows" in logs.text
    store.close()


def test_when_the_store_stops_answering_nothing_is_dropped_as_refused(tmp_path):
    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    store.close()  # every write and every ping now fails

    async def scenario() -> Batcher:
        b = Batcher(store.learn, "history", interval=0.01, ping=store.ping)
        b.add_all([Pair("ann@x.gov.uk", f"p{i}@nhs.net", time.time(), 1) for i in range(4)])
        await b.flush()
        return b

    b = asyncio.run(scenario())
    assert b.refused == 0 and len(b._pending) == 4  # kept for when the store is back


def test_while_the_disk_is_full_rows_are_kept_though_the_store_still_answers(tmp_path):
    # a full disk answers reads: its rows were dropped as "refused" one by one, for good
    store = SQLiteStore(f"sqlite:///{tmp_path / 'h.db'}")
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL on the next write
    rows = [Pair("ann@x.gov.uk", f"p{i}-{'x' * 200}@nhs.net", time.time(), 1)
            for i in range(40)]

    async def scenario() -> Batcher:
        b = Batcher(store.learn, "history", interval=0.01, ping=store.ping)
        b.add_all(rows)
        assert not await b.flush()
        assert b.refused == 0 and len(b._pending) == 40  # kept for when there is room
        store._db.execute("PRAGMA max_page_count = 1073741823")
        assert await b.flush()
        return b

    with capture_logs(Settings(), forbidden=("@nhs.net",)) as logs:
        b = asyncio.run(scenario())
    assert b._pending == [] and len(store.contacts("ann@x.gov.uk")) == 40
    # and the line says why, in SQLite's words, which quote no row
    [failed] = [e for e in logs.events if e["event"] == "store_failed"]
    assert (failed["stage"], failed["rows"]) == ("history", 40)
    assert failed["error"] == "store write failed: OperationalError: database or disk is full"
    store.close()


def test_postgresql_refusing_one_row_costs_that_row_only(pg_url):
    store = open_store(pg_url)
    now = time.time()
    rnd = random.Random(1)  # an address too long for an index entry, as a damaged header has
    huge = "".join(rnd.choice(string.ascii_lowercase) for _ in range(9000)) + "@nhs.net"

    async def scenario() -> Batcher:
        b = Batcher(store.learn, "history", interval=0.01, ping=store.ping)
        b.add_all([Pair("ann@x.gov.uk", "a@nhs.net", now, 1),
                   Pair("ann@x.gov.uk", huge, now, 1),
                   Pair("ann@x.gov.uk", "c@nhs.net", now, 1)])
        await b.close()
        return b

    b = asyncio.run(scenario())
    assert b.refused == 1
    assert {c.recipient for c in store.contacts("ann@x.gov.uk")} == {"a@nhs.net", "c@nhs.net"}
    store.close()


def test_a_row_that_fails_once_while_the_store_answers_is_tried_again_not_dropped():
    written: list[int] = []
    hiccups = {4: 6}  # row 4 meets a passing lock in every write down to its first alone

    def write(rows):
        if any(hiccups.get(r) for r in rows):
            for r in rows:
                if hiccups.get(r):
                    hiccups[r] -= 1
            raise StoreError("database is locked")
        if 7 in rows:
            raise StoreError("refused")  # row 7 is never taken
        written.extend(rows)

    async def scenario() -> Batcher:
        b = Batcher(write, "test", interval=0.01, ping=lambda: None)
        b.add_all(list(range(10)))
        await b.close()
        return b

    b = asyncio.run(scenario())
    assert sorted(written) == [0, 1, 2, 3, 4, 5, 6, 8, 9] and b.refused == 1


def _while_the_timed_flush_writes(then) -> list[int]:
    """Rows written by a slow store, after `then(batcher)` was awaited while the timed flush
    was writing the first row."""
    written: list[int] = []

    def write(rows):
        time.sleep(0.2)
        written.extend(rows)

    async def scenario():
        b = Batcher(write, "test", interval=0.01)
        b.add(1)
        await asyncio.sleep(0.05)  # the timed flush is writing
        await then(b)
        seen = list(written)
        await b.close()
        return seen

    return asyncio.run(scenario())


def test_a_row_queued_while_a_batch_is_written_is_written_without_waiting_for_more_mail():
    # it waited for the node's next message, and a node killed first lost it
    async def queue_another(b):
        b.add(2)
        await asyncio.sleep(1.0)

    assert _while_the_timed_flush_writes(queue_another) == [1, 2]


def test_a_flush_asked_for_while_the_timed_one_writes_returns_once_the_rows_are_in():
    # it found nothing queued and returned at once: a test's reads (and a drain's close)
    # came before the rows the timed flush was still writing
    assert _while_the_timed_flush_writes(lambda b: b.flush()) == [1]


def test_closing_while_the_timed_flush_writes_waits_for_its_rows():
    # written before close returned, not after
    assert _while_the_timed_flush_writes(lambda b: b.close()) == [1]


def test_what_was_queued_before_an_erasure_is_not_written_after_it():
    # a batch held back (a slow store, a node's lost link) wrote the forgotten address back
    written: list[str] = []
    erased = {"at": None}

    async def scenario():
        b = Batcher(written.extend, "history", interval=0.05, erased=lambda: erased["at"])
        b.add("before")
        erased["at"] = time.time()  # history forget, in another process, before the flush
        await asyncio.sleep(0.01)
        b.add("after")
        await b.close()

    asyncio.run(scenario())
    assert written == ["after"]
