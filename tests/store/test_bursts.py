"""Anonymous refusals bounded on the audit trail, on both backends, and by nodes together."""

from __future__ import annotations

import threading

from dlpgate.store.base import AuditEntry, open_store

WINDOW = 900.0


def refused(actor: str = "web:(no such user)", address: str = "203.0.113.9") -> AuditEntry:
    return AuditEntry(actor, "sign-in-refused", reason="too many failed attempts", via="web",
                      detail=address)


def some(store, entry: AuditEntry, source: str = "203.0.113.0/24", at: float = 1000.0,
         each: int = 3, everywhere: int = 10) -> bool:
    return store.audit_some(entry, source, each, everywhere, WINDOW, now=at)


def test_the_first_few_of_a_kind_from_a_network_are_written_and_the_rest_counted(any_store):
    written = [some(any_store, refused(f"web:u{i % 2}"), at=1000.0 + i) for i in range(8)]
    assert written == [True] * 3 + [False] * 5
    other = AuditEntry("sender:(unknown)", "link-refused", via="link", detail="203.0.113.9")
    assert some(any_store, other, at=1010.0)  # another kind counts apart
    assert some(any_store, refused(), "198.51.100.0/24", at=1010.0)  # so does another network
    assert len(any_store.audit_log()) == 5
    assert any_store.audit_summaries(now=1020.0) == 1
    [summary] = [e for e in any_store.audit_log() if e.actor == "(several)"]
    assert (summary.action, summary.via, summary.reason, summary.at) == (
        "sign-in-refused", "web", "5 more, not recorded one by one", 1007.0)
    assert summary.detail == (
        "203.0.113.0/24; 5 between 1970-01-01T00:16:43Z and 1970-01-01T00:16:47Z; past the 3 "
        "recorded one by one in the 15 minutes from 1970-01-01T00:16:40Z; naming web:u1, web:u0")
    assert any_store.audit_summaries(now=1021.0) == 0  # once: nothing held back since


def test_a_window_still_open_goes_on_holding_back_and_one_ended_begins_again(any_store):
    for i in range(5):
        some(any_store, refused(), at=1000.0 + i)
    assert any_store.audit_summaries(now=1100.0) == 1  # read meanwhile: 2 so far
    assert not some(any_store, refused(), at=1200.0)  # the window is open: still held back
    assert some(any_store, refused(), at=1000.0 + WINDOW)  # a new window: written
    reasons = [e.reason for e in reversed(any_store.audit_log())]
    # the ended window's last one was summarised when the next entry ended it
    assert reasons == ["too many failed attempts"] * 3 + [
        "2 more, not recorded one by one", "1 more, not recorded one by one",
        "too many failed attempts"]


def test_many_networks_together_are_bounded_too(any_store):
    written = [some(any_store, refused(), f"10.0.{i}.0/24", at=1000.0 + i, everywhere=10)
               for i in range(25)]
    assert written == [True] * 10 + [False] * 15
    assert any_store.audit_summaries(now=1100.0) == 1
    [summary, *_] = any_store.audit_log()
    assert summary.detail.startswith("all networks together; 15 between")
    assert summary.actor == "web:(no such user)"


def test_a_summary_names_ten_at_most(any_store):
    for i in range(20):
        some(any_store, refused(f"sender:{i}@example.org"), at=1000.0 + i, each=1)
    any_store.audit_summaries(now=1100.0)
    [summary, *_] = any_store.audit_log()
    assert summary.detail.endswith(", ".join(f"sender:{i}@example.org" for i in range(1, 11))
                                   + ", (others)")


def test_nodes_sharing_the_store_count_together_and_write_each_summary_once(store_url):
    # two relays' review apps on one database: each wrote its own few, and a summary read
    # by both at once was written twice
    nodes = [open_store(store_url) for _ in range(4)]
    try:
        def flood(node, start: int) -> None:
            for i in range(25):
                some(node, refused(), at=1000.0 + start + i, each=5, everywhere=1000)

        threads = [threading.Thread(target=flood, args=(n, k * 25)) for k, n in
                   enumerate(nodes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(nodes[0].audit_log()) == 5
        summaries = []
        threads = [threading.Thread(target=lambda n=n: summaries.append(
            n.audit_summaries(now=1200.0))) for n in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(summaries) == [0, 0, 0, 1]
        [summary, *_] = nodes[1].audit_log()
        assert summary.reason == "95 more, not recorded one by one"
    finally:
        for n in nodes:
            n.close()


def test_every_row_held_back_is_summarised_however_many_networks(any_store, monkeypatch):
    from dlpgate.store import bursts

    monkeypatch.setattr(bursts, "BATCH", 2)  # rows summarised a transaction
    for n in range(5):
        for i in range(2):
            some(any_store, refused(), f"10.0.{n}.0/24", at=1000.0 + i, each=1)
    assert any_store.audit_summaries(now=1100.0) == 5
    assert any_store.audit_summaries(now=1101.0) == 0
