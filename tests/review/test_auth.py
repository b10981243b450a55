"""Passwords, tokens and throttling for the review app."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading

from dlpgate.review import auth
from dlpgate.review.auth import (
    Hashing,
    Throttle,
    User,
    check_evenly,
    check_known_browser,
    check_password,
    decoy_hash,
    form_token,
    hash_password,
    known_browser,
    needs_rehash,
    proxy_session,
    token_hash,
)


def old_hash(password: str, n: int = 2**14) -> str:
    """A hash as the app made them before the cost was raised (N=2^14)."""
    salt = b"s" * 16
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    return f"scrypt${n}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_a_password_hash_is_salted_scrypt_at_owasps_cost_and_checks_only_the_right_password():
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("scrypt$131072$8$1$") and first != second  # N=2^17, r=8, p=1
    assert check_password("correct horse battery", first)
    assert not check_password("correct horse batterz", first)
    assert not check_password("anything", "not-a-hash")
    assert not needs_rehash(first)


def test_a_hash_made_at_the_old_cost_still_checks_and_is_to_be_made_again():
    old = old_hash("correct horse battery")
    assert check_password("correct horse battery", old)
    assert not check_password("correct horse batterz", old)
    assert needs_rehash(old) and not needs_rehash("not-a-hash")


def test_a_stored_hash_asking_for_more_memory_than_allowed_is_refused_unrun():
    # N=2^24 is 16 GiB: a hash edited (or corrupted) to ask for it had each try allocate it
    greedy = old_hash("pw", n=2**4).replace("scrypt$16$", f"scrypt${2**24}$")
    assert not check_password("pw", greedy)


def test_a_decoy_hash_is_at_todays_cost_and_matches_no_password():
    decoy = decoy_hash()
    assert decoy.startswith("scrypt$131072$8$1$") and decoy != decoy_hash()
    assert not check_password("", decoy) and not needs_rehash(decoy)


def test_an_old_hash_is_checked_as_slowly_as_a_decoy_is(monkeypatch):
    # an account not signed in since the cost was raised answered eight times sooner than a
    # name with no account: the time taken told an outsider which names are accounts
    checked = []
    real = auth.check_password
    monkeypatch.setattr(auth, "check_password", lambda pw, stored: checked.append(stored)
                        or real(pw, stored))
    decoy, old, new = "scrypt$2$8$1$AA==$AA==", old_hash("pw"), hash_password("pw")
    assert check_evenly("pw", old, decoy) and checked == [old, decoy]
    checked.clear()
    assert check_evenly("pw", new, decoy) and checked == [new]


def test_hashing_runs_at_most_its_number_at_once_and_says_when_its_queue_is_full():
    hashing, running, most = Hashing(at_once=1, waiting=2), [0], [0]
    lock, release = threading.Lock(), threading.Event()

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(5)
        with lock:
            running[0] -= 1
        return n

    async def watch() -> bool:
        for _ in range(500):  # until all three are in: one hashing, two waiting
            if hashing.full():
                break
            await asyncio.sleep(0.01)
        full = hashing.full()
        release.set()
        return full

    async def flood() -> list:
        return await asyncio.gather(*(hashing.run(work, n) for n in range(3)), watch())

    assert asyncio.run(flood()) == [0, 1, 2, True]
    assert most[0] == 1 and not hashing.full()


def test_only_a_hash_of_a_session_token_is_kept():
    assert token_hash("abc") != "abc" and len(token_hash("abc")) == 64


def test_admins_review_but_do_not_audit():
    admin = User("root", ("admin",))
    assert admin.can("reviewer") and not admin.can("auditor")
    assert not User("ann", ("reviewer",)).can("admin")


def test_throttle_locks_a_key_after_five_failures_and_success_clears_it(any_store):
    t = Throttle(any_store, b"shared", max_failures=5, window=60)
    for _ in range(4):
        t.failed("user:ann", "addr:1.2.3.4")
    assert not t.locked("user:ann")
    t.failed("user:ann", "addr:1.2.3.4")
    assert t.locked("user:ann") and t.locked("addr:1.2.3.4") and not t.locked("user:bob")
    t.succeeded("user:ann")
    assert not t.locked("user:ann")


def test_a_names_wait_doubles_past_five_failures_and_never_passes_the_window(any_store,
                                                                           monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: clock[0])
    t = Throttle(any_store, b"shared", max_failures=5, window=60)
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


def test_a_hash_asked_first_goes_before_every_other_waiting():
    # a flood kept the queue full, and the reviewer's own sign-in waited behind all of it
    hashing, order = Hashing(at_once=1, waiting=8), []
    started, release = threading.Event(), threading.Event()

    def work(name: str) -> None:
        if name == "running":
            started.set()
            release.wait(5)
        order.append(name)

    async def until(queued: int) -> None:
        for _ in range(500):  # "running" has its turn, and `queued` wait theirs
            if started.is_set() and hashing.queued >= queued:
                return
            await asyncio.sleep(0.01)

    async def asked() -> None:
        async def in_turn(name: str, queued: int, first: bool = False) -> None:
            await until(queued)  # each asked once those before it are queued
            await hashing.run(work, name, first=first)

        async def then_release() -> None:
            await until(3)
            release.set()

        await asyncio.gather(hashing.run(work, "running"), in_turn("a guess", 0),
                             in_turn("another", 1), in_turn("hers", 2, first=True),
                             then_release())

    asyncio.run(asked())
    assert order == ["running", "hers", "a guess", "another"]


def test_a_proxy_users_form_token_changes_each_window_and_the_last_windows_is_still_taken(
        monkeypatch):
    # it was a MAC of the name alone: one token seen once was good in that reviewer's name
    # for ever
    key, window = b"k" * 32, auth.FORM_WINDOW
    start = 1_000 * window
    assert form_token(key, "session-a", start) == form_token(key, "session-a", start + window - 1)
    assert form_token(key, "session-a", start) != form_token(key, "session-a", start + window)
    assert form_token(key, "session-a", start) != form_token(key, "session-b", start)
    assert form_token(b"x" * 32, "session-a", start) != form_token(key, "session-a", start)
    monkeypatch.setattr(auth, "_clock", lambda: start + window + 5)
    session = proxy_session("ann", key, "session-a", 0.0, 0.0)
    assert session.csrf == form_token(key, "session-a", start + window)
    assert session.csrf_before == form_token(key, "session-a", start)


def test_a_user_printed_or_logged_does_not_show_its_password_hash():
    user = User("ann", ("reviewer",), password_hash="$argon2id$v=19$secret")
    assert "argon2" not in repr(user) and "secret" not in str(user)


def test_a_try_counted_before_its_password_was_checked_is_forgiven_when_it_was_right(
        any_store):
    t = Throttle(any_store, b"shared", max_failures=5, window=60)
    for _ in range(4):
        t.failed("addr:1.2.3.4")
    t.failed("addr:1.2.3.4")  # counted while its password is checked
    assert t.locked("addr:1.2.3.4")
    t.forgive("addr:1.2.3.4", "user:nobody-yet")
    assert t.count("addr:1.2.3.4") == 4 and t.count("user:nobody-yet") == 0


def test_two_review_nodes_sharing_a_store_count_one_guessers_failures_together(store_url):
    # behind a load balancer each node counted its own: a lockout's worth of tries at each
    from dlpgate.store.base import open_store

    one, two = open_store(store_url), open_store(store_url)
    try:
        a, b = (Throttle(s, b"shared", max_failures=5, window=60) for s in (one, two))
        for t in (a, b, a, b):
            t.failed("pair:ann\x00203.0.113.0")
        assert not a.locked("pair:ann\x00203.0.113.0")
        b.failed("pair:ann\x00203.0.113.0")
        assert a.locked("pair:ann\x00203.0.113.0") and b.locked("pair:ann\x00203.0.113.0")
        a.succeeded("pair:ann\x00203.0.113.0")
        assert not b.locked("pair:ann\x00203.0.113.0")
    finally:
        one.close()
        two.close()


def test_the_store_keeps_no_name_or_address_of_a_failed_sign_in(tmp_path):
    import sqlite3

    from dlpgate.store.base import open_store

    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    Throttle(store, b"shared").failed("pair:ann.reid\x00203.0.113.0", "addr:203.0.113.0",
                                      "user:ann.reid")
    store.close()
    with sqlite3.connect(tmp_path / "store.db") as db:
        rows = db.execute("SELECT key FROM signin_failures").fetchall()
    assert len(rows) == 3
    assert not any("ann" in k or "203.0" in k for (k,) in rows)


def test_failures_older_than_the_window_are_deleted_as_new_ones_come(any_store, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: clock[0])
    t = Throttle(any_store, b"shared", max_failures=5, window=60)
    for i in range(50):
        t.failed(f"addr:198.51.100.{i}")
    clock[0] += 61
    t.failed("addr:192.0.2.1")
    stale = any_store.signin_failures(t._key("addr:198.51.100.7"), 0)
    assert stale == (0, 0.0) and t.count("addr:192.0.2.1") == 1
