"""A message whose scan keeps failing (relay.max_scan_attempts), through a real SMTP client to
a real next-hop sink on loopback: 451 while it may yet scan, then held unread for a reviewer,
not 451 at every retry until the client's queue bounces it days later."""

from __future__ import annotations

import smtplib

from dlpgate.store.base import open_store
from dlpgate.testing import RunningRelay, capture_logs, make_message

SENDER = "alice.jones@example-council.gov.uk"
OUTSIDE = "carer.home@gmail.com"
BODY = "Callum Smith, NHS number 943 476 5919, moved to 12 Acacia Avenue.\n"


def attempt(relay: RunningRelay, raw: bytes, rcpt: str = OUTSIDE) -> tuple[int, bytes]:
    """One delivery attempt as a client's queue makes it: the reply at the end of DATA."""
    with smtplib.SMTP("127.0.0.1", relay.port, timeout=60) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(rcpt)
        return client.data(raw)


def crashing(relay: RunningRelay, monkeypatch, times: int | None = None) -> list[int]:
    """Make the relay's scans fail, as a worker killed by a C library would; `times`: only
    the first so many (None: every one). Returns the list the scans are counted in."""
    scanner = relay.relay.scanner.scanner
    real = scanner.scan
    calls: list[int] = []

    def scan(*args, **kwargs):
        calls.append(1)
        if times is None or len(calls) <= times:
            raise MemoryError  # what a reader gone wild on hostile bytes raises
        return real(*args, **kwargs)

    monkeypatch.setattr(scanner, "scan", scan)
    return calls


def test_a_message_whose_scan_always_fails_gets_451_twice_and_is_held_at_the_third_attempt(
        make_settings, relay_factory, sink, monkeypatch):
    settings = make_settings()
    raw = make_message(to=(OUTSIDE,), subject="Callum", body=BODY)
    with capture_logs(settings, forbidden=("alice.jones", "carer.home", "Callum", "943 476",
                                           "Acacia")) as logs:
        relay = relay_factory(settings)
        scans = crashing(relay, monkeypatch)
        replies = [attempt(relay, raw)[0] for _ in range(3)]
        relay.stop()

    assert replies == [451, 451, 250]
    assert len(scans) == 3  # the third failed too: the decision did not read it again
    assert sink.delivered == []
    [held] = open_store(settings.storage.url).held()
    assert held.unread and held.raw == raw
    assert held.rules == ("unreadable-attachment-leaving",)
    [why] = held.reasons
    assert why == ("body: the scan failed 3 times (the last: scan raised MemoryError), so "
                   "nothing in the message could be checked; it would leave the council to "
                   "gmail.com")
    [finding] = held.findings
    assert finding["entity"] == "UNSCANNABLE"
    [gave_up] = [e for e in logs.events if e.get("event") == "scan_attempts_exhausted"]
    assert gave_up["failures"] == 3 and gave_up["rules"] == ["unreadable-attachment-leaving"]
    [line] = [e for e in logs.events if e.get("event") == "message" and e["reply"] == 250]
    assert line["outcome"] == "held" and "decided unread" in line["error"]


def test_a_retry_of_the_held_message_is_answered_from_the_journal_without_a_scan(
        relay, sink, monkeypatch):
    scans = crashing(relay, monkeypatch)
    raw = make_message(to=(OUTSIDE,), body=BODY)
    for _ in range(3):
        attempt(relay, raw)

    code, _ = attempt(relay, raw)  # the client never heard the 250

    assert code == 250 and len(scans) == 3
    assert len(relay.store.held()) == 1


def test_a_message_given_up_on_whose_decision_could_not_be_made_is_decided_next_time_unscanned(
        relay, sink, monkeypatch):
    # the third scan's failure cost its worker, and the replacement was not ready for the
    # decision within the budget: every later attempt scanned it again, and failed again
    scans = crashing(relay, monkeypatch)
    scanner = relay.relay.scanner.scanner
    real = scanner.unread
    decisions: list[int] = []

    def unread(*args, **kwargs):
        decisions.append(1)
        if len(decisions) == 1:
            raise MemoryError  # no worker for it, in effect: the decision failed
        return real(*args, **kwargs)

    monkeypatch.setattr(scanner, "unread", unread)
    raw = make_message(to=(OUTSIDE,), body=BODY)

    replies = [attempt(relay, raw)[0] for _ in range(4)]

    assert replies == [451, 451, 451, 250]
    assert len(scans) == 3 and len(decisions) == 2  # the fourth was decided, not scanned
    [held] = relay.store.held()
    assert held.unread and sink.delivered == []
    assert held.reasons[0].startswith("body: the scan failed 3 times, so nothing in the "
                                      "message could be checked")


def test_two_relays_on_one_store_count_the_failures_together(make_settings, relay_factory,
                                                              sink, monkeypatch):
    a = relay_factory(make_settings())
    b = relay_factory(make_settings())  # another node: its own port, the same store
    crashing(a, monkeypatch)
    crashing(b, monkeypatch)
    raw = make_message(to=(OUTSIDE,), body=BODY)

    replies = [attempt(a, raw)[0], attempt(b, raw)[0], attempt(a, raw)[0]]

    assert replies == [451, 451, 250]
    assert sink.delivered == []
    [held] = b.store.held()
    assert "the scan failed 3 times" in held.reasons[0]


def test_max_scan_attempts_0_keeps_451_for_ever_and_counts_nothing(make_settings,
                                                                    relay_factory, sink,
                                                                    monkeypatch):
    relay = relay_factory(make_settings(relay={"max_scan_attempts": 0}))
    crashing(relay, monkeypatch)
    raw = make_message(to=(OUTSIDE,), body=BODY)

    replies = [attempt(relay, raw)[0] for _ in range(5)]

    assert replies == [451] * 5
    relay.call(relay.relay.gateway.decisions.flush())
    assert sink.delivered == [] and relay.store.held() == []
    assert relay.store.decisions() == []
    assert relay.store.scan_failures(_key(raw, OUTSIDE)) == 0


def test_a_message_that_fails_once_and_then_scans_is_decided_on_what_it_says(make_settings,
                                                                             relay_factory,
                                                                             sink, monkeypatch):
    relay = relay_factory(make_settings(relay={"max_scan_attempts": 2}))
    crashing(relay, monkeypatch, times=1)
    clean = make_message(to=("bob.smith@example-council.gov.uk",), body="Lunch at one?\n")

    first, _ = attempt(relay, clean, "bob.smith@example-council.gov.uk")
    second, _ = attempt(relay, clean, "bob.smith@example-council.gov.uk")

    assert (first, second) == (451, 250)
    [got] = sink.delivered
    assert b"X-DLP-Verdict: allow" in got.data  # scanned: not the unread decision's log
    relay.call(relay.relay.gateway.decisions.flush())
    [decision] = relay.store.decisions()
    assert "unreadable-attachment-internal" not in decision.rules
    # one failure counted, short of two: the next failure of it would have been the last
    assert relay.store.scan_failures(_key(clean, "bob.smith@example-council.gov.uk")) == 1


def test_given_up_mail_inside_the_council_is_sent_as_policy_says_unread_mail_inside_is(
        make_settings, relay_factory, sink, monkeypatch):
    relay = relay_factory(make_settings(relay={"max_scan_attempts": 1}))
    crashing(relay, monkeypatch)
    raw = make_message(to=("bob.smith@example-council.gov.uk",), body=BODY)

    code, _ = attempt(relay, raw, "bob.smith@example-council.gov.uk")

    assert code == 250  # logged by unreadable-attachment-internal, as an unread zip would be
    [got] = sink.delivered
    assert b"X-DLP-Verdict: log" in got.data
    relay.call(relay.relay.gateway.decisions.flush())
    [decision] = relay.store.decisions()
    assert decision.rules == ("unreadable-attachment-internal",)


def test_on_error_pass_still_sends_a_failed_scan_unscanned_and_counts_nothing(
        make_settings, relay_factory, sink, monkeypatch):
    relay = relay_factory(make_settings(relay={"on_error": "pass", "max_scan_attempts": 1}))
    crashing(relay, monkeypatch)
    raw = make_message(to=(OUTSIDE,), body=BODY)

    code, _ = attempt(relay, raw)

    assert code == 250
    assert b"X-DLP-Verdict: unscanned" in sink.delivered[0].data
    assert relay.store.held() == [] and relay.store.scan_failures(_key(raw, OUTSIDE)) == 0


def _key(raw: bytes, rcpt: str) -> str:
    from dlpgate.act.journal import journal_key
    from dlpgate.model import Envelope

    return journal_key(Envelope(mail_from=SENDER, rcpt_tos=(rcpt,)), raw)


def test_a_message_that_waited_in_vain_for_a_free_worker_is_not_counted_as_failing(
        relay, sink, monkeypatch):
    from dlpgate.workers import NoWorker

    async def busy(*args, **kwargs):
        raise NoWorker("no worker free within the scan budget")

    monkeypatch.setattr(relay.relay.gateway.scanner, "run", busy)
    raw = make_message(to=(OUTSIDE,), body=BODY)

    replies = [attempt(relay, raw)[0] for _ in range(4)]

    assert replies == [451] * 4  # a busy hour holds no ordinary mail unread
    assert relay.store.held() == [] and relay.store.scan_failures(_key(raw, OUTSIDE)) == 0


def test_a_scan_the_store_failed_is_not_counted_against_the_message(relay, sink, monkeypatch):
    from dlpgate.store.base import StoreError

    def unavailable(*args, **kwargs):
        raise StoreError("store read failed: OperationalError: database is locked")

    monkeypatch.setattr(relay.relay.scanner.scanner, "scan", unavailable)
    raw = make_message(to=(OUTSIDE,), body=BODY)

    replies = [attempt(relay, raw)[0] for _ in range(4)]

    assert replies == [451] * 4  # the store's trouble: the message waits, as before
    assert relay.store.held() == [] and relay.store.scan_failures(_key(raw, OUTSIDE)) == 0
