"""Who is asking: forwarded addresses believed only from listed proxies, and the audit
entries anyone can cause kept to a few and a count, through the app on a real store."""

from __future__ import annotations

import functools
import time

import pytest
from starlette.testclient import TestClient

from dlpgate.config import Settings
from dlpgate.review import auth, clients
from dlpgate.review.app import create_app
from dlpgate.store.sqlite import SQLiteStore
from dlpgate.testing import capture_logs

PASSWORD = "correct horse battery"


@functools.cache
def hashed() -> str:
    return auth.hash_password(PASSWORD)  # once for the module: half a second a hash


@pytest.fixture
def world(tmp_path):
    store = SQLiteStore(f"sqlite:///{tmp_path / 'r.db'}")
    for name, roles in (("ann", ("reviewer",)), ("audrey", ("auditor",))):
        store.save_user(name, hashed(), roles)
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
                                        "review": {"secure_cookies": False,
                                                   "refusals_audited": 3}})
    yield store, settings
    store.close()


def at(app, address: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 4000))


def sign_in(app, address: str, name: str = "ann", password: str = PASSWORD, **headers):
    return at(app, address).post("/login", data={"username": name, "password": password},
                                 headers=headers)


def test_a_local_process_cannot_name_the_client_by_default(world, monkeypatch):
    # 127.0.0.1 was believed unless told otherwise: any process on the relay's host locked a
    # reviewer's office out, and wrote an address of its choosing into the audit trail
    store, settings = world
    monkeypatch.setattr(clients, "_warned", set())
    app = create_app(settings, store)
    office = {"X-Forwarded-For": "198.51.100.7"}
    with capture_logs(settings, forbidden=("198.51.100.7",)) as logs:
        for i in range(auth.ADDRESS_FAILURES):
            assert sign_in(app, "127.0.0.1", f"nobody{i}", "wrong", **office).status_code == 401
        assert sign_in(app, "127.0.0.1", "ann", **office).status_code == 429  # itself, locked
    assert sign_in(app, "198.51.100.7").status_code == 303  # the office was not
    failed = store.audit_log(action="sign-in-failed")
    assert failed and {e.detail for e in failed} == {"127.0.0.1"}
    # said once in the log, for an operator whose proxy it is: its kind, not an address
    [warning] = [e for e in logs.events if e["event"] == "review_forwarded_for_ignored"]
    assert warning["peer"] == "loopback (this host)" and "trusted_proxies" in warning["advice"]


def test_a_proxy_listed_in_trusted_proxies_is_believed(world):
    store, settings = world
    listed = settings.model_copy(update={"review": settings.review.model_copy(
        update={"trusted_proxies": ["127.0.0.1/32"]})})
    app = create_app(listed, store)
    assert sign_in(app, "127.0.0.1", "ann", "wrong",
                   **{"X-Forwarded-For": "198.51.100.7"}).status_code == 401
    [failed] = store.audit_log(action="sign-in-failed")
    assert failed.detail == "198.51.100.7"


def test_behind_a_chain_of_listed_proxies_the_client_is_the_first_address_no_proxy_has(world):
    # a load balancer (10.0.0.5) in front of nginx on this host: the last entry alone made
    # every reviewer the load balancer, and a name typed past the client is not believed
    store, settings = world
    listed = settings.model_copy(update={"review": settings.review.model_copy(
        update={"trusted_proxies": ["127.0.0.1/32", "10.0.0.0/24"]})})
    app = create_app(listed, store)
    chain = {"X-Forwarded-For": "192.0.2.66, 198.51.100.7, 10.0.0.5"}  # 192.0.2.66: forged
    assert sign_in(app, "127.0.0.1", "ann", "wrong", **chain).status_code == 401
    [failed] = store.audit_log(action="sign-in-failed")
    assert failed.detail == "198.51.100.7"
    assert clients._forwarded_for("10.0.0.9, 10.0.0.5", ["10.0.0.0/24"]) == "10.0.0.9"
    assert clients._forwarded_for("unknown, 10.0.0.5", ["10.0.0.0/24"]) == "unknown"


def test_networks_are_counted_by_their_host_or_64_and_audited_by_their_24_or_48():
    assert clients.network("203.0.113.9") == "203.0.113.9"
    assert clients.network("::ffff:203.0.113.9") == "203.0.113.9"
    assert clients.network("2001:db8:1:2::5") == "2001:db8:1:2::/64"
    assert clients.audit_network("203.0.113.9") == "203.0.113.0/24"
    assert clients.audit_network("::ffff:203.0.113.9") == "203.0.113.0/24"
    assert clients.audit_network("2001:db8:1:2::5") == "2001:db8:1::/48"
    assert clients.audit_network("testclient") == "testclient"


def test_a_flood_of_sign_ins_leaves_the_first_few_entries_of_each_kind_and_a_count(
        world, monkeypatch):
    # each refused or failed try was an entry: a script trying passwords all night buried
    # the reviewers' reveals and releases under a line a try
    store, settings = world
    monkeypatch.setattr(auth, "_clock", lambda: 1_000_000.0)  # the name's wait never ends
    app = create_app(settings, store)
    for i in range(auth.MAX_FAILURES):  # then each try at the name is slowed, unchecked
        assert sign_in(app, f"203.0.113.{i}", "ann", "wrong").status_code == 401
    for i in range(30):
        assert sign_in(app, f"203.0.113.{100 + i}", "ann", "wrong").status_code == 429
    assert sign_in(app, "198.51.100.7", "ann", "wrong").status_code == 429  # elsewhere
    one_by_one = [(e.action, e.detail) for e in reversed(store.audit_log())]
    assert one_by_one == [("sign-in-failed", f"203.0.113.{i}") for i in range(3)] + [
        ("sign-in-refused", f"203.0.113.{100 + i}") for i in range(3)] + [
        ("sign-in-refused", "198.51.100.7")]
    # an auditor reading the trail reads the count of what was held back, from where and when
    auditor = at(app, "198.51.100.9")
    token = auth.new_token()
    store.create_session(auth.token_hash(token), "audrey", auth.new_token(), 0)
    auditor.cookies.set("dlpgate_session", token)
    assert "27 more, not recorded one by one" in auditor.get("/audit").text
    summaries = {e.action: e for e in store.audit_log() if "more," in e.reason}
    assert summaries["sign-in-failed"].reason == "2 more, not recorded one by one"
    assert summaries["sign-in-refused"].actor == "web:ann"
    assert summaries["sign-in-refused"].detail.startswith("203.0.113.0/24; 27 between ")
    assert len(store.audit_log(limit=100)) == 7 + 2 + 1  # and the audit page's own entry


def test_a_flood_of_forged_links_leaves_the_first_few_entries_and_a_count(world):
    store, settings = world
    app = create_app(settings, store)
    for i in range(20):
        assert at(app, "203.0.113.9").get(f"/l/forged{i}.x").status_code == 410
    refused = store.audit_log(action="link-refused")
    assert len(refused) == 3 and all(e.actor == "sender:(unknown)" for e in refused)
    assert store.audit_summaries() == 1
    [summary, *_] = store.audit_log(action="link-refused")
    assert (summary.actor, summary.via, summary.reason) == (
        "sender:(unknown)", "link", "17 more, not recorded one by one")
    assert summary.at <= time.time()
