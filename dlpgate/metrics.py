"""Metrics and health for monitoring: /metrics (Prometheus), /healthz, /readyz.

Counted per message from the one log line the relay writes for it (so the log
and the metrics cannot disagree): messages by outcome and action, rule matches
by rule, recipients by recipient-risk signal, scan and end-to-end latency,
next-hop errors and store failures (a full disk answers /readyz, which only reads,
while every hold gets 451); sampled at scrape time: the scan queue, the quarantine's open
holds, how long the oldest has waited for a reviewer, holds past their sender's window, and
the delivery journal's sends not finished; set by serve's periodic check: whether the audit
chain holds. Labels carry rule ids, signal names, outcomes and actions only, never
addresses. docker/prometheus/alerts.yml alerts on these.

/healthz answers 200 while the process runs; /readyz answers 200 only when the
store answers and the next hop takes a session as the relay would open one (EHLO, and
STARTTLS with a trusted certificate when relay.next_hop_tls requires it), so a load
balancer stops sending mail to a node that could only answer 451.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

_PROBE_SECONDS = 2.0  # a load balancer's probe gives up soon; a next hop this slow is not ready

REGISTRY = CollectorRegistry(auto_describe=True)
MESSAGES = Counter("dlpgate_messages_total", "Messages by what the gateway did and the policy's "
                   "action", ["outcome", "action"], registry=REGISTRY)
RULES = Counter("dlpgate_rule_matches_total", "Rule matches that chose or shared the action",
                ["rule"], registry=REGISTRY)
SCAN = Histogram("dlpgate_scan_seconds", "Parse, detect and decide, per message",
                 buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30),
                 registry=REGISTRY)
RELAY = Histogram("dlpgate_message_seconds", "End of DATA to our reply, per message",
                  buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30),
                  registry=REGISTRY)
SIGNALS = Counter("dlpgate_recipient_signals_total", "Recipients given each recipient-risk "
                  "signal (the closed set in docs/interface.md), when recipient risk was "
                  "assessed", ["signal"], registry=REGISTRY)
HOP_ERRORS = Counter("dlpgate_next_hop_errors_total", "Next hop down, slow or refusing",
                     ["stage"], registry=REGISTRY)
SCAN_FAILURES = Counter("dlpgate_scan_failures_total", "Scans that failed: the worker died "
                        "or the scan passed relay.scan_timeout", ["kind"], registry=REGISTRY)
GAVE_UP = Counter("dlpgate_scan_attempts_exhausted_total", "Messages whose scan failed "
                  "relay.max_scan_attempts times, decided as unreadable instead of 451 again",
                  registry=REGISTRY)
STORE_ERRORS = Counter("dlpgate_store_errors_total", "Writes the store could not take (a "
                       "full disk, a lock, an outage), by stage: journal and hold answer 451; "
                       "a batch writer keeps its rows and tries again", ["stage"],
                       registry=REGISTRY)
QUEUE = Gauge("dlpgate_scan_queue", "Scans waiting for a worker", registry=REGISTRY)
HELD = Gauge("dlpgate_quarantine_open", "Messages held or waiting for their sender",
             registry=REGISTRY)
OLDEST_HELD = Gauge("dlpgate_quarantine_oldest_held_seconds", "Age of the oldest message "
                    "held for a reviewer (state held); 0 when none", registry=REGISTRY)
OVERDUE = Gauge("dlpgate_quarantine_overdue", "Messages still waiting for their sender past "
                "their window: a delay whose minutes have ended, a confirm whose links have "
                "expired", registry=REGISTRY)
SENDING = Gauge("dlpgate_journal_sending", "Delivery-journal entries being sent, or whose "
                "send was interrupted before the next hop's answer", registry=REGISTRY)
OLDEST_SENDING = Gauge("dlpgate_journal_oldest_sending_seconds", "Age of the oldest of "
                       "those; 0 when none", registry=REGISTRY)
# 0 until a check finds a break, then 1 until the process restarts (as the audit page says
# it at every look): a later check that starts past the break must not clear the alarm. A
# retired key's return is 1 until acknowledged on the chain (store/chainack.py), then 0
CHAIN_BROKEN = Gauge("dlpgate_audit_chain_broken", "1 once this node's periodic check has "
                     "found the audit chain broken", registry=REGISTRY)
CHAIN_CHECKED = Gauge("dlpgate_audit_chain_checked_timestamp_seconds", "Unix time of this "
                      "node's last completed audit chain check; 0 before the first",
                      registry=REGISTRY)
# 1 while this node writes under an audit key the trail has moved away from (a key rotation
# not rolled out here): its entries will read as a retired key signing again (store/sql.py)
KEY_BEHIND = Gauge("dlpgate_audit_key_behind", "1 when this node's quarantine.audit_key is "
                   "one the audit trail has been rotated away from, to a key it does not "
                   "hold; 0 else", registry=REGISTRY)
# Label values known in advance start at 0: a series that first appears at 1 shows no
# increase, so an alert on increase() would miss the first next-hop or store error.
for _counter, _values in ((HOP_ERRORS, ("MAIL", "DATA")), (SCAN_FAILURES, ("failed", "timeout")),
                          (STORE_ERRORS, ("journal", "hold", "scan-failures"))):
    for _value in _values:
        _counter.labels(_value)


def observe(outcome: str, action: str, rules: list[str], seconds: float,
            scan_ms: float | None, signals: dict[str, int] | None = None) -> None:
    MESSAGES.labels(outcome, action or "none").inc()
    for rule in rules:
        RULES.labels(rule).inc()
    for signal, recipients in (signals or {}).items():
        SIGNALS.labels(signal).inc(recipients)
    RELAY.observe(seconds)
    if scan_ms is not None:
        SCAN.observe(scan_ms / 1000)


def app(relay: Any) -> Starlette:
    """The endpoints, reading the running relay's state."""

    async def metrics(request: Request) -> Response:
        QUEUE.set(getattr(relay.scanner, "waiting", 0))
        KEY_BEHIND.set(1 if getattr(relay.store, "key_behind", ()) else 0)
        link_hours = relay.settings.notifications.link_hours
        try:
            sampled = await asyncio.to_thread(_sample_store, relay.store, link_hours,
                                              time.time())
        except Exception:  # the store is down: the last values stay, store alerts say why
            sampled = {}
        for gauge, value in sampled.items():
            gauge.set(value)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(request: Request) -> Response:
        problems = []
        if relay.gateway.closing:
            problems.append("draining")
        try:
            await asyncio.to_thread(relay.store.ping)
        except Exception as exc:
            problems.append(f"store: {type(exc).__name__}")
        try:
            why = await asyncio.wait_for(relay.hop.probe(_PROBE_SECONDS), _PROBE_SECONDS + 1)
        except TimeoutError:
            why = "timed out"
        if why is not None:
            problems.append(f"next hop: {why}")
        if problems:
            return PlainTextResponse("not ready: " + "; ".join(problems) + "\n", 503)
        return PlainTextResponse("ready\n")

    return Starlette(routes=[Route("/metrics", metrics), Route("/healthz", healthz),
                             Route("/readyz", readyz)])


# from an index of its own (migration 0022 / PostgreSQL 0016): a scrape read the whole journal
JOURNAL_SENDING = "SELECT count(*), min(updated) FROM deliveries WHERE state = 'sending'"


def _sample_store(store: Any, link_hours: int, now: float) -> dict[Gauge, float]:
    """The store's gauges, read at scrape time so every node of a shared store says the
    same; counts and ages only. A confirm's links expire `link_hours` after its notice,
    sent as it was held, so past that its sender can no longer act and a reviewer must."""
    read = store._read
    open_holds = read("SELECT count(*) FROM quarantine WHERE state IN ('held', "
                      "'awaiting-sender')", ())[0][0]
    oldest = read("SELECT min(created) FROM quarantine WHERE state = 'held'", ())[0][0]
    waiting = read("SELECT action, created, delay_minutes FROM quarantine "
                   "WHERE state = 'awaiting-sender'", ())
    overdue = sum(1 for action, created, minutes in waiting
                  if now > created + (minutes * 60 if action == "delay" else link_hours * 3600))
    sending, since = read(JOURNAL_SENDING, ())[0]
    return {HELD: open_holds, OLDEST_HELD: _age(oldest, now), OVERDUE: overdue,
            SENDING: sending, OLDEST_SENDING: _age(since, now)}


def _age(since: float | None, now: float) -> float:
    return max(0.0, now - since) if since is not None else 0.0
