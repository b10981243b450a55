"""Passwords, tokens and throttling for the review app."""

from __future__ import annotations

from dlpgate.review.auth import Throttle, User, check_password, hash_password, token_hash


def test_a_password_hash_is_salted_scrypt_and_checks_only_the_right_password():
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert check_password("correct horse battery", first)
    assert not check_password("correct horse batterz", first)
    assert not check_password("anything", "not-a-hash")


def test_only_a_hash_of_a_session_token_is_kept():
    assert token_hash("abc") != "abc" and len(token_hash("abc")) == 64


def test_admins_review_but_do_not_audit():
    admin = User("root", ("admin",))
    assert admin.can("reviewer") and not admin.can("auditor")
    assert not User("ann", ("reviewer",)).can("admin")


def test_throttle_locks_a_key_after_five_failures_and_success_clears_it():
    t = Throttle(max_failures=5, window=60)
    for _ in range(4):
        t.failed("user:ann", "addr:1.2.3.4")
    assert not t.locked("user:ann")
    t.failed("user:ann", "addr:1.2.3.4")
    assert t.locked("user:ann") and t.locked("addr:1.2.3.4") and not t.locked("user:bob")
    t.succeeded("user:ann")
    assert not t.locked("user:ann")
