"""The shipped test helpers: ports that parallel test workers never share."""

from __future__ import annotations

from dlpgate import testing


def test_free_ports_are_never_handed_out_twice(monkeypatch):
    # two calls in one test, before either port was bound, could draw the same one
    monkeypatch.setattr(testing, "_HANDED_OUT", set())
    ports = [testing.free_port() for _ in range(300)]
    assert len(set(ports)) == 300


def test_each_parallel_worker_draws_from_its_own_share_of_ports(monkeypatch):
    # two pytest-xdist workers drew the same port ("address already in use" in CI)
    monkeypatch.setattr(testing, "_ephemeral_low", lambda: 32768)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    shares = {}
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        shares[worker] = {testing.free_port() for _ in range(50)}
    assert all(20768 <= p < 26768 for p in shares["gw0"])
    assert all(26768 <= p < 32768 for p in shares["gw1"])
