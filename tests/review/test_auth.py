"""Passwords, tokens and throttling for the review app."""

from __future__ import annotations

from dlpgate.review import auth
from dlpgate.review.auth import (
    Throttle,
    User,
    check_known_browser,
    check_password,
    hash_password,
    known_browser,
    token_hash,
)


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


def test_a_names_wait_doubles_past_five_failures_and_never_passes_the_window(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: clock[0])
    t = Throttle(max_failures=5, window=60)
    waits = []
    for _ in range(12):
        t.failed("user:ann")
        waits.append(t.wait("user:ann"))
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    clock[0] += 30
    assert t.wait("user:ann") == 30
    clock[0] += 61  # the window has passed: the failures are forgotten
    assert t.wait("user:ann") == 0 and t.count("user:ann") == 0


def test_a_known_browser_cookie_is_for_its_name_its_key_and_ninety_days(monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(auth, "_clock", lambda: clock[0])
    ann = User("Ann", ("reviewer",))
    cookie = known_browser(b"k" * 32, ann)
    assert check_known_browser(b"k" * 32, ann, cookie) == cookie.split(".")[1]
    assert check_known_browser(b"k" * 32, User("bob", ("reviewer",)), cookie) == ""
    assert check_known_browser(b"x" * 32, ann, cookie) == ""
    assert check_known_browser(b"k" * 32, ann, "1." + cookie.split(".")[1]) == ""
    assert check_known_browser(b"k" * 32, ann, "junk") == ""
    assert check_known_browser(b"k" * 32, None, cookie) == ""  # no such account
    clock[0] += 91 * 86400
    assert check_known_browser(b"k" * 32, ann, cookie) == ""


def test_a_known_browser_cookie_is_no_good_after_a_password_change_or_a_disable():
    # the cookie outlived `users passwd` and `users disable`: a browser left signed in went on
    # being spared the slowing of guesses at that name
    ann = User("ann", ("reviewer",), generation=3)
    cookie = known_browser(b"k" * 32, ann)
    assert check_known_browser(b"k" * 32, ann, cookie)
    assert check_known_browser(b"k" * 32, User("ann", ("reviewer",), generation=4), cookie) == ""
    assert check_known_browser(b"k" * 32, User("ann", ("reviewer",), disabled=True,
                                                generation=3), cookie) == ""


def test_a_user_printed_or_logged_does_not_show_its_password_hash():
    user = User("ann", ("reviewer",), password_hash="$argon2id$v=19$secret")
    assert "argon2" not in repr(user) and "secret" not in str(user)


def test_a_try_counted_before_its_password_was_checked_is_forgiven_when_it_was_right():
    t = Throttle(max_failures=5, window=60)
    for _ in range(4):
        t.failed("addr:1.2.3.4")
    t.failed("addr:1.2.3.4")  # counted while its password is checked
    assert t.locked("addr:1.2.3.4")
    t.forgive("addr:1.2.3.4", "user:nobody-yet")
    assert t.count("addr:1.2.3.4") == 4 and t.count("user:nobody-yet") == 0
