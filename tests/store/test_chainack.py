"""Acknowledging a return to a retired audit key on the chain (store/chainack.py): a rollout
slip, once looked into, is recorded and no longer fails the check; an acknowledgement the
retired key wrote, or one moved or made up, is reported itself, on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import yaml

from dlpgate.store import chainack
from dlpgate.store.base import AuditEntry, open_store

from .test_auditkeys import NEW, OLD, OLD_ID, rotated
from .test_chain import attacker, entries

WHY = "gw2 logged audit_key_behind at 09:14, restarted on the new key at 09:16: a rollout slip"


def slipped(url: str, at: float = 1_800_000_100.0) -> int:
    """The rotation, then gw2 still on OLD writes (the change back, at place 7, and its
    entry), then gw1 on NEW (forward again, vouched): the return's place."""
    rotated(url)
    with closing(open_store(url, OLD)) as gw2:
        entries(gw2, 1, start=at)
    with closing(open_store(url, NEW, (OLD,))) as gw1:
        entries(gw1, 1, start=at + 100)
    return 7


def quarantine_audit(tmp_path: Path, url: str, *args: str, key: str = NEW,
                     retired: tuple[str, ...] = (OLD,)) -> subprocess.CompletedProcess:
    """`dlpgate quarantine audit ARGS` as ann runs it (under sudo), with this key."""
    cfg = tmp_path / "audit.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": url}, "quarantine": {
        "audit_key": key, "audit_keys_retired": list(retired)}}))
    return subprocess.run([sys.executable, "-m", "dlpgate", "quarantine", "audit", *args,
                           "--config", str(cfg)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "SUDO_USER": "ann"})


def checked(url: str):
    with closing(open_store(url, NEW, (OLD,))) as s:
        return s.verify_audit()


def test_a_rollout_slip_acknowledged_verifies_and_says_by_whom_and_why(store_url, tmp_path):
    place = slipped(store_url)
    assert quarantine_audit(tmp_path, store_url, "--verify").returncode == 1
    done = quarantine_audit(tmp_path, store_url, "--acknowledge", str(place), "--reason", WHY)
    assert done.returncode == 0, done.stderr
    assert OLD not in done.stdout + done.stderr and NEW not in done.stdout + done.stderr
    state = checked(store_url)
    [(rid, _, _, key)] = state.returns
    [ack] = state.acknowledged
    assert state.intact and not state.failed and key == OLD_ID
    assert (ack.place, ack.actor, ack.reason) == (place, "cli:ann", WHY)
    said = quarantine_audit(tmp_path, store_url, "--verify")
    assert said.returncode == 0, said.stdout
    assert said.stdout.startswith(f"chain returned to a retired key at entry {rid} (")
    assert (f"place 7 changes back to key {OLD_ID}, which the chain had moved away from; "
            f"acknowledged at entry {ack.id} (place {ack.seq}) by cli:ann: {WHY}; "
            "11 entries, the links hold") in said.stdout
    out = json.loads(quarantine_audit(tmp_path, store_url, "--verify", "--json").stdout)
    assert out["intact"] is True and out["acknowledgements_refused"] == []
    assert out["returns"] == [{"id": rid, "at": state.returns[0][1], "place": 7,
                               "key": OLD_ID}]  # as before: the return stays on record
    assert out["acknowledged"] == [{"place": 7, "id": ack.id, "at": ack.at, "by": "cli:ann",
                                    "reason": WHY}]
    with closing(open_store(store_url, NEW, (OLD,))) as s:
        [entry] = s.audit_log(action="chain-acknowledged")
    assert (entry.actor, entry.via, entry.reason) == ("cli:ann", "cli", WHY)
    assert entry.detail == f"place 7 back to key {OLD_ID}, entry hash {state.backs[0][2]}"


def test_the_cli_refuses_a_place_that_was_no_return_and_writes_nothing(store_url, tmp_path):
    slipped(store_url)
    with closing(open_store(store_url, NEW, (OLD,))) as s:
        before = len(s.audit_log(limit=100))
    for place in ("5", "8", "99"):  # an entry, the return's own entry, past the end
        done = quarantine_audit(tmp_path, store_url, "--acknowledge", place, "--reason", WHY)
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr == (f"dlpgate: --acknowledge {place}: place {place} is not a "
                               "return to a retired key that --verify reports "
                               "(unacknowledged: 7)\n")
    unsaid = quarantine_audit(tmp_path, store_url, "--acknowledge", "7", "--reason", " ")
    assert unsaid.returncode == 1 and "say why in --reason" in unsaid.stderr
    assert quarantine_audit(tmp_path, store_url, "--acknowledge", "7", "--reason",
                            WHY).returncode == 0
    again = quarantine_audit(tmp_path, store_url, "--acknowledge", "7", "--reason", WHY)
    assert again.returncode == 1 and "place 7 was acknowledged already, at entry" in again.stderr
    with closing(open_store(store_url, NEW, (OLD,))) as s:
        assert len(s.audit_log(limit=100)) == before + 1  # the one acknowledgement


def test_an_unkeyed_trail_has_nothing_to_acknowledge(store_url, tmp_path):
    with closing(open_store(store_url)) as s:
        entries(s, 2)
    done = quarantine_audit(tmp_path, store_url, "--acknowledge", "1", "--reason", WHY,
                            key="", retired=())
    assert done.returncode == 2 and "quarantine.audit_key is not set here" in done.stderr
    with closing(open_store(store_url)) as s:
        assert not s.audit_log(action="chain-acknowledged")


def test_an_acknowledgement_the_retired_key_signed_is_reported_not_honoured(
        store_url, tmp_path):
    # whoever kept OLD changes the chain back to it and acknowledges their own return: the
    # acknowledgement checks under OLD (given as retired), in the stretch the return began
    rotated(store_url)
    with closing(open_store(store_url, OLD)) as forger:
        entries(forger, 1, start=1_800_000_100.0)
        [(stored,)] = attacker(store_url)("SELECT hash FROM audit WHERE seq = 7")
        forger.audit(AuditEntry("cli:ann", chainack.ACTION, reason=WHY, via="cli",
                                detail=chainack.detail(7, OLD_ID, stored)))
    state = checked(store_url)
    assert state.failed and not state.acknowledged
    assert [r[2] for r in state.open_returns] == [7]
    [refused] = state.refused
    assert refused.place == 7 and refused.why.startswith(
        f"it is signed with key {OLD_ID}, which place 7 changed the chain back to unvouched")
    assert "1 acknowledgement(s) not honoured, the first at entry" in state.summary()
    done = quarantine_audit(tmp_path, store_url, "--verify", "--json")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["acknowledged"] == [] and [r["place"] for r in out["returns"]] == [7]
    assert [r["place"] for r in out["acknowledgements_refused"]] == [7]


def test_an_acknowledgement_naming_a_place_that_was_no_return_is_reported(store_url):
    # written with the key in force but not through the CLI, which refuses it
    slipped(store_url)
    with closing(open_store(store_url, NEW, (OLD,))) as insider:
        [(stored,)] = attacker(store_url)("SELECT hash FROM audit WHERE seq = 5")
        insider.audit(AuditEntry("cli:ann", chainack.ACTION, reason=WHY, via="cli",
                                 detail=chainack.detail(5, OLD_ID, stored)))
    state = checked(store_url)
    assert state.failed and [r[2] for r in state.open_returns] == [7]
    [refused] = state.refused
    assert (refused.place, refused.why) == (5, "it names place 5, which does not change the "
                                            "chain back to a key it had moved away from")


def test_an_acknowledgement_moved_onto_another_return_is_reported(store_url):
    slipped(store_url)
    with closing(open_store(store_url, OLD)) as gw2:  # gw2 slips again later: place 11
        entries(gw2, 1, start=1_800_000_300.0)
    with closing(open_store(store_url, NEW, (OLD,))) as gw1:
        assert [r[2] for r in gw1.verify_audit().returns] == [7, 11]
        assert chainack.acknowledge(gw1, 7, "cli:ann", WHY) == ""
        [real] = gw1.audit_log(action=chainack.ACTION)
        # the same words naming the second return, with the key in force: the hash is 7's
        gw1.audit(AuditEntry("cli:ann", chainack.ACTION, reason=WHY, via="cli",
                             detail=real.detail.replace("place 7 ", "place 11 ")))
        state = gw1.verify_audit()
        assert [a.place for a in state.acknowledged] == [7]
        assert [r[2] for r in state.open_returns] == [11]
        [refused] = state.refused
        assert (refused.place, refused.why) == (11, "the key or hash it names is not place "
                                                "11's (copied from another return)")
    # and the real one's detail edited in the database, by someone without the key
    run = attacker(store_url)
    run("UPDATE audit SET detail = ? WHERE detail = ?",
        (real.detail.replace("place 7 ", "place 11 "), real.detail))
    b = checked(store_url).broken
    assert b is not None and b.what == "edited"


def test_a_second_return_after_the_acknowledgement_is_reported(store_url, tmp_path):
    place = slipped(store_url)
    with closing(open_store(store_url, NEW, (OLD,))) as gw1:
        assert chainack.acknowledge(gw1, place, "cli:ann", WHY) == ""
        assert gw1.verify_audit().intact
        with closing(open_store(store_url, OLD)) as gw2:  # gw2 on OLD again, a week on
            entries(gw2, 1, start=1_800_600_000.0)
        state = gw1.verify_audit(whole=False)  # the periodic check, on from its last
        assert state.failed and [a.place for a in state.acknowledged] == [7]
        [(rid, _, second, _)] = state.open_returns
        assert second > place and state.summary().startswith(
            f"chain returned to a retired key at entry {rid} (")
        assert "; 1 other(s) acknowledged; the links hold" in state.summary()
        assert gw1.verify_audit().open_returns == state.open_returns  # and a whole walk
    assert quarantine_audit(tmp_path, store_url, "--verify").returncode == 1
