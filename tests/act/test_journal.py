"""The delivery journal: a message retried by its client is sent on once, never twice."""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from dlpgate import testdata
from dlpgate.act.journal import INTERRUPTED_RULE
from dlpgate.store.base import StoreError
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import free_port, make_message, wait_for_port

SENDER = "alice.jones@example-council.gov.uk"
COLLEAGUE = "bob.smith@example-council.gov.uk"


def submit(port: int, raw: bytes, rcpts: list[str]) -> tuple[int, bytes]:
    """One SMTP transaction as an MTA makes it; the reply to DATA."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo()
        client.mail(SENDER)
        for r in rcpts:
            client.rcpt(r)
        return client.data(raw)


def held_message() -> bytes:
    return make_message(to=("someone@example.org",), attachments=(
        ("locked.zip", "application/zip", testdata.make_encrypted_zip({"a.csv": b"x"})),))


def test_a_message_retried_after_its_250_was_lost_reaches_the_next_hop_once(relay, sink):
    raw = make_message()

    first = submit(relay.port, raw, [COLLEAGUE])
    again = submit(relay.port, raw, [COLLEAGUE])

    assert first[0] == again[0] == 250
    assert b"already delivered" in again[1]
    assert len(sink.delivered) == 1


def test_the_same_text_sent_again_as_a_new_message_is_delivered_again(relay, sink):
    submit(relay.port, make_message(body="Same words."), [COLLEAGUE])
    submit(relay.port, make_message(body="Same words."), [COLLEAGUE])  # a new Message-ID
    assert len(sink.delivered) == 2


def test_the_same_bytes_to_other_recipients_are_another_message(relay, sink):
    raw = make_message()
    submit(relay.port, raw, [COLLEAGUE])
    submit(relay.port, raw, ["carol.white@example-council.gov.uk"])
    assert [m.rcpt_tos for m in sink.delivered] == [[COLLEAGUE],
                                                     ["carol.white@example-council.gov.uk"]]


def test_a_held_message_retried_is_answered_held_and_kept_once(relay, sink):
    raw = held_message()

    first = submit(relay.port, raw, ["someone@example.org"])
    again = submit(relay.port, raw, ["someone@example.org"])

    [item] = relay.store.held()
    assert first[0] == again[0] == 250
    assert item.id.encode() in first[1] and item.id.encode() in again[1]
    assert sink.delivered == []


def test_a_retry_after_the_next_hop_said_451_is_sent(relay, sink):
    raw = make_message()
    sink.handler.data_reply = "451 4.3.0 Try again later"
    assert submit(relay.port, raw, [COLLEAGUE])[0] == 451

    sink.handler.data_reply = None
    code, _ = submit(relay.port, raw, [COLLEAGUE])

    assert code == 250
    assert len(sink.delivered) == 1


def test_a_retry_while_the_first_attempt_is_still_being_sent_waits(relay, sink):
    raw = make_message()
    sink.handler.reply_delay = 2.0
    first: list[int] = []
    t = threading.Thread(target=lambda: first.append(submit(relay.port, raw, [COLLEAGUE])[0]))
    t.start()
    deadline = time.monotonic() + 30
    while not sink.received and time.monotonic() < deadline:
        time.sleep(0.02)

    early = submit(relay.port, raw, [COLLEAGUE])
    t.join(60)

    assert early[0] == 451 and b"being delivered" in early[1]
    assert first == [250]
    assert len(sink.delivered) == 1


def test_a_next_hop_that_took_the_data_but_answered_too_late_does_not_get_the_retry(
        make_settings, relay_factory, sink):
    """The time-out half of RFC 1047: the relay said 451, yet the next hop has the message."""
    relay = relay_factory(make_settings(
        relay={"next_hop_timeout": 1},
        notifications={"enabled": True, "reviewers": ["ig@example-council.gov.uk"]}))
    raw = make_message()
    sink.handler.reply_delay = 3.0
    first = submit(relay.port, raw, [COLLEAGUE])
    sink.handler.reply_delay = 0.0

    again = submit(relay.port, raw, [COLLEAGUE])

    assert first[0] == 451 and again[0] == 250 and b"held" in again[1]
    assert len(sink.delivered) == 1
    [item] = relay.store.held()
    assert INTERRUPTED_RULE in item.rules
    deadline = time.monotonic() + 30
    while not sink.notices and time.monotonic() < deadline:
        time.sleep(0.05)
    [notice] = sink.notices  # the reviewers are asked to check; the sender is not told
    assert notice.rcpt_tos == ["ig@example-council.gov.uk"]
    assert INTERRUPTED_RULE.encode() in notice.data


def test_while_the_journal_cannot_be_written_mail_waits_with_451(relay, sink, monkeypatch):
    def down(*args, **kwargs):
        raise StoreError("store write failed: disk full")

    monkeypatch.setattr(relay.store, "begin_deliveries", down)
    assert submit(relay.port, make_message(), [COLLEAGUE])[0] == 451
    assert sink.delivered == []


def test_best_effort_journal_sends_while_the_store_is_down(make_settings, relay_factory, sink,
                                                           monkeypatch):
    relay = relay_factory(make_settings(relay={"delivery_journal": "best-effort"}))

    def down(*args, **kwargs):
        raise StoreError("store read failed: gone")

    monkeypatch.setattr(relay.store, "delivery", down)
    monkeypatch.setattr(relay.store, "begin_deliveries", down)
    code, _ = submit(relay.port, make_message(), [COLLEAGUE])
    assert code == 250 and len(sink.delivered) == 1


def serve(cfg: Path, port: int, cwd: Path) -> subprocess.Popen:
    """`dlpgate serve`, its log lines appended to cwd/serve.log."""
    with open(cwd / "serve.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "dlpgate", "serve", "--config", str(cfg)],
                                stdout=log, stderr=log, cwd=cwd)
    wait_for_port(port, proc)
    return proc


def test_a_relay_killed_while_the_next_hop_owed_its_reply_holds_the_retry_instead_of_resending(
        sink, tmp_path):
    """RFC 1047: the next hop has the message, the relay dies before passing on its 250."""
    port = free_port()
    db = tmp_path / "dlpgate.db"
    cfg = tmp_path / "dlpgate.yaml"
    cfg.write_text(yaml.safe_dump({
        "organisation": {"internal_domains": ["example-council.gov.uk"]},
        "storage": {"url": f"sqlite:///{db}"},
        "relay": {"listen": f"127.0.0.1:{port}", "next_hop": sink.address},
        "scan": {"workers": 0}, "detection": {"ner": False},
        "notifications": {"enabled": False},
    }))
    raw = make_message()
    sink.handler.reply_delay = 30.0
    relay = serve(cfg, port, tmp_path)
    try:
        lost: list[BaseException] = []

        def first_attempt() -> None:
            try:
                submit(port, raw, [COLLEAGUE])
            except (smtplib.SMTPException, OSError) as exc:
                lost.append(exc)

        t = threading.Thread(target=first_attempt)
        t.start()
        deadline = time.monotonic() + 60
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(sink.received) == 1
        relay.kill()
        relay.wait(10)
        t.join(30)
        assert lost, "the client must not have heard 250"

        sink.handler.reply_delay = 0.0
        relay = serve(cfg, port, tmp_path)
        code, text = submit(port, raw, [COLLEAGUE])
    finally:
        relay.terminate()
        relay.wait(30)

    assert code == 250 and b"held" in text
    assert len(sink.delivered) == 1
    store = SQLiteStore(f"sqlite:///{db}")
    [item] = store.held()
    store.close()
    assert item.rules == (INTERRUPTED_RULE,)
    assert "may already have been delivered" in item.reasons[0]
    assert item.raw == raw
    # the log line says why it was held: the policy alone would have let it go
    [held] = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines()
              if '"event": "message"' in line and '"outcome": "held"' in line]
    assert held["error"] == "interrupted-delivery" and held["verdict"] == "allow"


def test_the_journal_claims_once_marks_and_forgets_on_every_store(any_store):
    assert any_store.begin_deliveries([("k1", "node-a", "s1")]) == [None]
    assert any_store.begin_deliveries([("k1", "node-b", "s2"), ("k2", "node-b", "s3")]) == [
        ("sending", "node-a", "s1"), None]

    any_store.end_deliveries([("k1", "s1", True), ("k2", "other-attempt", False)])
    assert any_store.delivery("k1") == ("delivered", "node-a", "s1")
    assert any_store.delivery("k2") == ("sending", "node-b", "s3")  # not that attempt's row

    any_store.end_deliveries([("k2", "s3", False)])
    assert any_store.delivery("k2") is None
    assert any_store.prune_deliveries(time.time() + 1) == 1
    assert any_store.delivery("k1") is None
