"""The scan pool: a stuck scan costs one worker, replaced; a full queue says so at once."""

from __future__ import annotations

import asyncio

import pytest

from dlpgate.config import Settings
from dlpgate.store.base import open_configured
from dlpgate.testing import make_envelope, make_message
from dlpgate.workers import (
    InlineScanner,
    Lookup,
    NoWorker,
    Overloaded,
    ScanFailed,
    ScanTimeout,
    WorkerPool,
)


@pytest.fixture
def pool():
    loop = asyncio.new_event_loop()
    p = WorkerPool(Settings(), size=1, queue=1)
    loop.run_until_complete(p.start())
    yield loop, p
    loop.run_until_complete(p.close())
    loop.close()


def test_a_scan_in_a_worker_returns_the_pipeline_result(pool):
    loop, p = pool
    raw = make_message()
    result = loop.run_until_complete(p.run(raw, make_envelope(raw), "scan-1", timeout=60))
    assert result.scan_id == "scan-1"
    assert result.decision.verdict == "allow"


def test_a_scan_over_budget_kills_its_worker_and_the_pool_recovers(pool):
    loop, p = pool
    raw = make_message(body="word " * 400_000)
    with pytest.raises(ScanTimeout) as timed_out:
        loop.run_until_complete(p.run(raw, make_envelope(raw), "slow", timeout=0.002))
    # the budget the operator set (relay.scan_timeout), not what was left of it
    assert str(timed_out.value) == "scan exceeded 0.002 s"
    assert p.restarts == 1
    small = make_message()
    result = loop.run_until_complete(p.run(small, make_envelope(small), "next", timeout=60))
    assert result.scan_id == "next"


def test_a_full_queue_is_refused_at_once(pool):
    loop, p = pool
    raw = make_message()

    async def scenario() -> None:
        worker = p._idle.get_nowait()  # every worker busy
        waiting = asyncio.ensure_future(p.run(raw, make_envelope(raw), "queued", timeout=60))
        await asyncio.sleep(0.05)
        assert p.waiting == 1
        with pytest.raises(Overloaded):
            await p.run(raw, make_envelope(raw), "one-too-many", timeout=60)
        p._idle.put_nowait(worker)
        assert (await waiting).scan_id == "queued"

    loop.run_until_complete(scenario())


def test_a_scan_that_needs_more_memory_than_allowed_fails_alone():
    from dlpgate.workers import ScanFailed

    loop = asyncio.new_event_loop()
    settings = Settings.model_validate({"scan": {"worker_memory": "450MB"},
                                        "detection": {"ner": False}})
    p = WorkerPool(settings, size=1, queue=1)
    loop.run_until_complete(p.start())
    try:
        huge = make_message(body="x" * 10, attachments=(
            ("big.txt", "text/plain", b"word " * (8 * 1024 * 1024)),))  # 40 MB
        with pytest.raises(ScanFailed):  # MemoryError in the scan, or the worker dying of it
            loop.run_until_complete(p.run(huge, make_envelope(huge), "huge", timeout=120))
        small = make_message()
        assert loop.run_until_complete(
            p.run(small, make_envelope(small), "after", timeout=60)).scan_id == "after"
    finally:
        loop.run_until_complete(p.close())
        loop.close()


def test_a_worker_whose_relay_went_mid_scan_exits_quietly():
    """A relay killed mid-scan leaves its worker a reply with no reader: the worker ends
    cleanly, not with a broken-pipe traceback in the operator's log."""
    import pickle

    from dlpgate.policy.load import load_policy
    from dlpgate.workers import _Worker

    settings = Settings.model_validate({"detection": {"ner": False}})
    worker = _Worker(pickle.dumps((settings, load_policy(settings))))
    raw = make_message(body="word " * 200_000)  # long enough to outlast the close below
    worker.conn.send_bytes(pickle.dumps((raw, make_envelope(raw), "orphan", None, "", "")))
    worker.conn.close()
    worker.process.join(60)
    assert worker.process.exitcode == 0


def test_a_message_given_up_on_is_decided_in_a_worker_without_being_read(pool):
    loop, p = pool
    raw = make_message(to=("carer.home@gmail.com",), body="word " * 400_000)
    with pytest.raises(ScanTimeout):
        loop.run_until_complete(p.run(raw, make_envelope(raw), "slow", timeout=0.002))

    # in the worker started in place of the one killed: only the header block is read now
    result = loop.run_until_complete(p.run(raw, make_envelope(raw), "unread", timeout=60,
                                           unread="the scan failed 3 times"))

    assert result.scan_id == "unread" and result.message.parts == ()
    [finding] = result.evidence.findings
    assert (finding.entity, finding.detector) == ("UNSCANNABLE", "scan-failed")
    assert finding.explanation == "body: the scan failed 3 times"
    assert result.decision.rules == ("unreadable-attachment-leaving",)


def test_no_worker_free_within_the_budget_is_a_timeout_of_its_own_kind(pool):
    loop, p = pool
    raw = make_message()

    async def scenario() -> None:
        worker = p._idle.get_nowait()  # the only worker busy for longer than the budget
        try:
            with pytest.raises(NoWorker):
                await p.run(raw, make_envelope(raw), "waits", timeout=0.05)
        finally:
            p._idle.put_nowait(worker)

    loop.run_until_complete(scenario())


def test_a_worker_logs_its_libraries_warnings_as_json_lines_like_the_relay(pg_url, capfd):
    """A scan worker is a process of its own, started with logging unconfigured: psycopg's
    pool, finding the connection the database had cut, wrote "discarding closed connection:
    <psycopg.Connection [BAD] ...>" among the relay's JSON lines, which a log shipper parsing
    them could not read."""
    import json
    import secrets

    import psycopg

    name = f"worker-{secrets.token_hex(4)}"
    settings = Settings.model_validate({
        "storage": {"url": f"{pg_url}&application_name={name}"},
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "detection": {"ner": False}})
    loop = asyncio.new_event_loop()
    p = WorkerPool(settings, size=1, queue=1)
    loop.run_until_complete(p.start())
    raw = make_message(to=("someone@example.org",))
    try:
        loop.run_until_complete(p.run(raw, make_envelope(raw), "before", timeout=60))
        with psycopg.connect(pg_url, autocommit=True) as admin:  # the database drops it
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = %s", (name,))
        # the pool drops the dead connection (its warning) and the scan goes on with another
        result = loop.run_until_complete(p.run(raw, make_envelope(raw), "cut", timeout=60))
        assert result.decision.verdict
    finally:
        loop.run_until_complete(p.close())
        loop.close()

    logged = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line]
    assert any(e["event"] == "library" and e["logger"] == "psycopg.pool" for e in logged)


@pytest.mark.parametrize("workers", [1, 0])
def test_a_scan_asked_to_reads_the_delivery_journal_row_before_it_scans(tmp_path, workers):
    """The relay's journal read rides with the scan (its own thread hop cost the relay
    process 8% of its CPU): the row as the store has it, None for a message never sent."""
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{tmp_path}/s.db"}})
    store = open_configured(settings)
    store.begin_deliveries([("sent-before", "node:1", "scan-0")])
    loop = asyncio.new_event_loop()
    scanner = WorkerPool(settings, size=1, queue=1) if workers else \
        InlineScanner(settings, store)
    loop.run_until_complete(scanner.start())
    try:
        raw = make_message()
        known, new = Lookup("sent-before"), Lookup("never-sent")
        result = loop.run_until_complete(scanner.run(raw, make_envelope(raw), "scan-1",
                                                     timeout=60, journal=known))
        loop.run_until_complete(scanner.run(raw, make_envelope(raw), "scan-2", timeout=60,
                                            journal=new))
    finally:
        loop.run_until_complete(scanner.close())
        loop.close()
    assert result.scan_id == "scan-1"
    assert (known.done, known.row, known.error) == (True, ("sending", "node:1", "scan-0"), "")
    assert (new.done, new.row, new.error) == (True, None, "")


def test_a_journal_row_the_worker_could_not_read_says_why(tmp_path):
    """A store that cannot answer: the relay hears the store's words, and decides (451
    when the journal is required) as when its own read failed."""
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{tmp_path}/s.db"}})
    store = open_configured(settings)
    store.close()  # every read now fails
    loop = asyncio.new_event_loop()
    scanner = InlineScanner(settings, store)
    raw = make_message()
    lookup = Lookup("k")
    try:
        with pytest.raises(ScanFailed):  # the scan reads history from it too
            loop.run_until_complete(scanner.run(raw, make_envelope(raw), "s", timeout=60,
                                                journal=lookup))
    finally:
        loop.run_until_complete(scanner.close())
        loop.close()
    assert lookup.done and lookup.row is None and "store read failed" in lookup.error
