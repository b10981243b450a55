"""/metrics, /healthz and /readyz on a running relay: the counters move with the mail."""

from __future__ import annotations

import re
import smtplib
from pathlib import Path

import httpx2 as httpx
import pytest
import yaml

from dlpgate import testdata
from dlpgate.testing import free_port, make_message
from dlpgate.testing import metric_value as sample

ROOT = Path(__file__).resolve().parents[1]
OPERATOR_DOC = ROOT / "docs" / "operator.md"
ALERTS = ROOT / "docker" / "prometheus" / "alerts.yml"
# Series Prometheus makes itself for every target, which an alert may read beside ours
PROMETHEUS_OWN = {"up"}
PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
                "group_right", "bool", "offset"}


def alert_metrics() -> set[str]:
    """The metric names docker/prometheus/alerts.yml's expressions read: identifiers left
    once strings, label matchers, ranges, grouping lists and function calls are taken out."""
    names = set()
    for group in yaml.safe_load(ALERTS.read_text())["groups"]:
        for rule in group["rules"]:
            expr = re.sub(r'"[^"]*"|\{[^}]*\}|\[[^\]]*\]', " ", rule["expr"])
            expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", expr)
            names |= {w for w in re.findall(r"\b([a-zA-Z_:][\w:]*)\b(?!\s*\()", expr)
                      if w not in PROMQL_WORDS}
    return names


def test_a_scrape_shows_the_counters_moving_and_readiness_follows_the_next_hop(
        make_settings, relay_factory, sink):
    port = free_port()
    relay = relay_factory(make_settings(metrics={"listen": f"127.0.0.1:{port}"},
                                        notifications={"enabled": False}))
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=30) as web:
        before = web.get("/metrics").text
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
            client.sendmail("a@example-council.gov.uk", ["b@example-council.gov.uk"],
                            make_message())
            client.sendmail("a@example-council.gov.uk", ["x@example.org"], make_message(
                to=("x@example.org",), attachments=(("l.zip", "application/zip",
                                                     testdata.make_encrypted_zip({"a": b"b"})),)))
        after = web.get("/metrics").text
        relayed = ("dlpgate_messages_total", {"outcome": "relayed", "action": "allow"})
        held = ("dlpgate_messages_total", {"outcome": "held", "action": "hold"})
        for name, labels in (relayed, held):
            assert sample(after, name, **labels) == sample(before, name, **labels) + 1
        assert sample(after, "dlpgate_rule_matches_total",
                      rule="unreadable-attachment-leaving") >= 1
        assert sample(after, "dlpgate_quarantine_open") == 1
        assert sample(after, "dlpgate_quarantine_oldest_held_seconds") > 0
        assert sample(after, "dlpgate_journal_sending") == 0  # both sends finished
        # recipients by signal: the colleague is internal, the outsider new to us all
        for signal in ("internal", "new-to-organisation"):
            assert sample(after, "dlpgate_recipient_signals_total", signal=signal) == \
                sample(before, "dlpgate_recipient_signals_total", signal=signal) + 1
        assert sample(after, "dlpgate_message_seconds_count") >= 2
        assert "x@example.org" not in after and "a@example" not in after
        # every metric docs/operator.md's "Metrics and health" names is exported
        section = OPERATOR_DOC.read_text().split("## Metrics and health\n")[1].split("\n## ")[0]
        named = set(re.findall(r"`(dlpgate_\w+)", section))
        exported = set(re.findall(r"^# TYPE (\w+) ", after, re.M))
        assert named and named <= exported, named - exported
        # and every metric an alert reads (docker/prometheus/alerts.yml), by the names of
        # its samples too (a histogram's _bucket), with one message held and one relayed
        samples = set(re.findall(r"^(\w+)[{ ]", after, re.M))
        read = alert_metrics()
        assert read - PROMETHEUS_OWN and read - PROMETHEUS_OWN <= exported | samples, \
            read - PROMETHEUS_OWN - exported - samples
        assert web.get("/healthz").status_code == 200
        assert web.get("/readyz").text == "ready\n"
        sink.stop()
        r = web.get("/readyz")
        assert r.status_code == 503 and "next hop" in r.text


def test_readiness_says_not_ready_while_the_next_hop_cannot_be_used_as_configured(
        make_settings, relay_factory, sink, tmp_path):
    # with next_hop_tls: starttls, a next hop that offered no STARTTLS (or a certificate not
    # trusted) took a connection, so /readyz said ready while every message got 451
    from dlpgate.testing import Sink, edge_tls

    cert, served = edge_tls(tmp_path)

    def readiness(next_hop: str, **tls: str) -> httpx.Response:
        port = free_port()
        relay_factory(make_settings(metrics={"listen": f"127.0.0.1:{port}"},
                                    relay={"next_hop": next_hop, "next_hop_tls": "starttls",
                                           **tls}))
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30)

    plain = readiness(sink.address)  # the sink offers no STARTTLS
    assert (plain.status_code, plain.text) == (
        503, "not ready: next hop: STARTTLS not offered (relay.next_hop_tls: starttls)\n")
    with Sink(tls_context=served) as edge:
        untrusted = readiness(edge.address)
        assert (untrusted.status_code, untrusted.text) == (
            503, "not ready: next hop: certificate not trusted\n")
        trusted = readiness(edge.address, next_hop_ca=str(cert))
        assert (trusted.status_code, trusted.text) == (200, "ready\n")
    assert sink.received == [] and edge.received == []  # probed, never sent to


def test_the_store_gauges_count_holds_past_their_senders_window_and_unfinished_sends(
        tmp_path):
    import time

    from dlpgate import metrics
    from dlpgate.store.base import HeldMessage, open_store

    store = open_store(f"sqlite:///{tmp_path / 'gw.db'}")
    now = time.time()

    def hold(id: str, created: float, state: str, action: str, minutes: int = 0) -> None:
        store.hold(HeldMessage(id, created, state, "a@x.gov.uk", ("b@y.org",), "<m>", 10,
                               "hold", (), (), (), (), b"", action, delay_minutes=minutes))

    hold("late-delay", now - 31 * 60, "awaiting-sender", "delay", 30)  # its minutes ended
    hold("delay", now - 10 * 60, "awaiting-sender", "delay", 30)
    hold("late-confirm", now - 73 * 3600, "awaiting-sender", "confirm")  # links expired
    hold("confirm", now - 71 * 3600, "awaiting-sender", "confirm")
    hold("reviewer", now - 5 * 3600, "held", "hold")
    hold("done", now - 9 * 3600, "rejected", "hold")  # decided: waits for no one
    store.begin_deliveries([("k1", "node", "s1")])
    try:
        got = metrics._sample_store(store, 72, now)
    finally:
        store.close()
    assert got[metrics.HELD] == 5
    assert got[metrics.OLDEST_HELD] == pytest.approx(5 * 3600)
    assert got[metrics.OVERDUE] == 2
    assert got[metrics.SENDING] == 1
    assert 0 <= got[metrics.OLDEST_SENDING] < 60


def test_a_scrape_counts_the_journals_unfinished_sends_from_their_own_index(any_store):
    # a scrape read the whole delivery journal (40-60 ms at 700,000 rows on SQLite) to count
    # the handful of sends not yet answered
    from dlpgate.metrics import JOURNAL_SENDING

    if any_store.__class__.__name__.startswith("Postgres"):
        with any_store._pool.connection() as db, db.transaction():
            db.execute("SET LOCAL enable_seqscan = off")  # else it scans a table this small
            plan = " ".join(r[0] for r in db.execute(f"EXPLAIN {JOURNAL_SENDING}").fetchall())
    else:
        plan = " ".join(str(r) for r in any_store._read(f"EXPLAIN QUERY PLAN {JOURNAL_SENDING}",
                                                        ()))
    assert "deliveries_sending" in plan
