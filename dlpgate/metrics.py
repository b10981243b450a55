"""Metrics and health for monitoring: /metrics (Prometheus), /healthz, /readyz.

Counted per message from the one log line the relay writes for it (so the log
and the metrics cannot disagree): messages by outcome and action, rule matches
by rule, recipients by recipient-risk signal, scan and end-to-end latency,
next-hop errors and store failures (a full disk answers /readyz, which only reads,
while every hold gets 451); sampled at scrape time: the scan queue and the quarantine's open
holds. Labels carry rule ids, signal names, outcomes and actions only, never
addresses.

/healthz answers 200 while the process runs; /readyz answers 200 only when the
store answers and the next hop takes a session as the relay would open one (EHLO, and
STARTTLS with a trusted certificate when relay.next_hop_tls requires it), so a load
balancer stops sending mail to a node that could only answer 451.
"""

from __future__ import annotations

import asyncio
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
        try:
            open_holds = await asyncio.to_thread(_open_holds, relay.store)
        except Exception:
            open_holds = None
        if open_holds is not None:
            HELD.set(open_holds)
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


def _open_holds(store: Any) -> int:
    rows = store._read("SELECT count(*) FROM quarantine WHERE state IN ('held', "
                       "'awaiting-sender')", ())
    return int(rows[0][0])
