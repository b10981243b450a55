"""/metrics, /healthz and /readyz on a running relay: the counters move with the mail."""

from __future__ import annotations

import smtplib

import httpx2 as httpx

from dlpgate import testdata
from dlpgate.testing import free_port, make_message


def sample(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}}" if labels else f"{name} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


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
        # recipients by signal: the colleague is internal, the outsider new to us all
        for signal in ("internal", "new-to-organisation"):
            assert sample(after, "dlpgate_recipient_signals_total", signal=signal) == \
                sample(before, "dlpgate_recipient_signals_total", signal=signal) + 1
        assert sample(after, "dlpgate_message_seconds_count") >= 2
        assert "x@example.org" not in after and "a@example" not in after
        assert web.get("/healthz").status_code == 200
        assert web.get("/readyz").text == "ready\n"
        sink.stop()
        r = web.get("/readyz")
        assert r.status_code == 503 and "next hop" in r.text
