"""Failures counted in the store so that every node counts together: review sign-ins, and
failed scans of one message (relay.max_scan_attempts)."""

from __future__ import annotations


def test_failures_are_counted_since_a_time_with_the_last_ones_time(any_store):
    any_store.signin_failed(["k1", "k2"], 100.0, 0.0)
    any_store.signin_failed(["k1"], 130.0, 0.0)
    assert any_store.signin_failures("k1", 0.0) == (2, 130.0)
    assert any_store.signin_failures("k1", 120.0) == (1, 130.0)
    assert any_store.signin_failures("k2", 0.0) == (1, 100.0)
    assert any_store.signin_failures("k3", 0.0) == (0, 0.0)


def test_forgiving_takes_back_only_the_latest_failure_of_each_key(any_store):
    for at in (100.0, 110.0, 120.0):
        any_store.signin_failed(["k1", "k2"], at, 0.0)
    any_store.signin_forgive(["k1"], 0.0)
    assert any_store.signin_failures("k1", 0.0) == (2, 110.0)
    assert any_store.signin_failures("k2", 0.0) == (3, 120.0)


def test_a_success_forgets_every_failure_of_its_keys_and_no_others(any_store):
    any_store.signin_failed(["k1", "k2"], 100.0, 0.0)
    any_store.signin_succeeded(["k1"])
    assert any_store.signin_failures("k1", 0.0) == (0, 0.0)
    assert any_store.signin_failures("k2", 0.0) == (1, 100.0)


def test_failures_before_the_window_go_when_the_next_one_comes(any_store):
    any_store.signin_failed(["old"], 100.0, 0.0)
    any_store.signin_failed(["new"], 2000.0, 1000.0)
    assert any_store.signin_failures("old", 0.0) == (0, 0.0)
    assert any_store.signin_failures("new", 0.0) == (1, 2000.0)


def test_each_failed_scan_of_a_message_raises_its_count_and_says_the_new_one(any_store):
    assert any_store.scan_failures("m1") == 0
    assert [any_store.scan_failed("m1", at) for at in (100.0, 160.0, 220.0)] == [1, 2, 3]
    assert any_store.scan_failed("m2", 230.0) == 1
    assert (any_store.scan_failures("m1"), any_store.scan_failures("m2")) == (3, 1)


def test_scan_failure_counts_go_once_not_raised_since_the_cutoff(any_store):
    any_store.scan_failed("old", 100.0)
    any_store.scan_failed("kept", 100.0)
    any_store.scan_failed("kept", 500.0)  # raised again later: its count stays whole
    assert any_store.prune_scan_failures(400.0) == 1
    assert (any_store.scan_failures("old"), any_store.scan_failures("kept")) == (0, 2)
