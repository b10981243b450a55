"""Rotating the audit chain's key (store/auditkeys.py): each keyed entry names its key, the
rotation is an entry of its own, and `verify` checks every entry under the key that signed
it, on both backends."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import yaml

from dlpgate.config import Settings
from dlpgate.store import chain
from dlpgate.store.auditkeys import key_id
from dlpgate.store.base import open_store
from dlpgate.testing import capture_logs

from .test_chain import attacker, entries, row

OLD = "the first audit key, thirty-two characters or more"
NEW = "the second audit key, also thirty-two characters long"
OLD_ID, NEW_ID = key_id(OLD.encode()), key_id(NEW.encode())


def rotated(url: str) -> None:
    """Three entries under OLD, then the key rotated and two under NEW (OLD retired)."""
    first = open_store(url, OLD)
    entries(first, 3)
    first.close()
    second = open_store(url, NEW, (OLD,))
    entries(second, 2, start=1_800_000_000.0)
    second.close()


def test_a_key_id_names_a_key_without_revealing_it():
    assert key_id(OLD.encode()) == OLD_ID and len(OLD_ID) == 12 and OLD_ID != NEW_ID
    assert OLD_ID not in OLD.encode().hex() and OLD_ID not in OLD


def test_a_rotation_is_an_entry_and_verifies_intact_with_both_keys(store_url):
    rotated(store_url)
    s = open_store(store_url, NEW, (OLD,))
    try:
        state = s.verify_audit()
        assert state.intact and state.entries == 6 and state.head.startswith(f"hmac:{NEW_ID}:")
        assert state.summary() == (f"6 entries, chain intact, head 6:{state.head} (keyed from "
                                   f"place 1 with key {OLD_ID}, from place 4 with key "
                                   f"{NEW_ID})")
        assert state.as_json()["keys"] == [{"from": 1, "key": OLD_ID},
                                           {"from": 4, "key": NEW_ID}]
        [change] = s.audit_log(action="audit-key-changed")
        assert (change.actor, change.reason) == ("system:audit-chain",
                                                 "the audit key was rotated")
        assert change.detail.startswith(f"from key {OLD_ID} to key {NEW_ID}; vouched for by "
                                        f"key {OLD_ID}: ")  # the old key, retired, held
        assert OLD not in str(state.as_json()) and NEW not in change.detail
    finally:
        s.close()


def test_without_the_old_key_its_entries_are_unchecked_and_named_not_edited(store_url):
    rotated(store_url)
    s = open_store(store_url, NEW)
    try:
        state = s.verify_audit()
        assert state.broken is None and not state.intact and state.unchecked == 3
        assert state.not_given == (OLD_ID,)
        assert (f"6 entries, 3 of them signed with a key not given (id {OLD_ID} from place "
                "1)") in state.summary()
        assert state.as_json()["keys_not_given"] == [OLD_ID]
    finally:
        s.close()


def test_an_entry_edited_after_a_rotation_still_reads_edited(store_url):
    rotated(store_url)
    run = attacker(store_url)
    s = open_store(store_url, NEW, (OLD,))
    try:
        run("UPDATE audit SET reason = 'lunch' WHERE seq = 5")  # signed with the new key
        b = s.verify_audit().broken
        assert (b.what, b.why) == ("edited", "its fields no longer match its hash")
        run("UPDATE audit SET reason = 'case 0' WHERE seq = 5")
        run("UPDATE audit SET reason = 'lunch' WHERE seq = 2")  # and with the old one
        assert s.verify_audit().broken.what == "edited"
    finally:
        s.close()


def test_a_retired_key_cannot_append_unseen_after_the_rotation(store_url):
    # someone holding the old key writes an entry after the rotation, without the change
    # entry a rotation writes: a forged link, though it checks under the key it names
    rotated(store_url)
    run = attacker(store_url)
    [(seq, prev)] = run("SELECT seq, hash FROM audit_chain WHERE one = 1")
    forged = ("web:ann", "release", "m9", "", "web", "", 1_800_000_100.0)
    run(f"INSERT INTO audit ({chain.COLUMNS}, seq, hash) VALUES (?,?,?,?,?,?,?,?,?)",
        (*forged, seq + 1, chain.link(OLD.encode(), seq + 1, prev, forged)))
    run("UPDATE audit_chain SET seq = seq + 1, hash = (SELECT hash FROM audit WHERE seq = ?)",
        (seq + 1,))
    s = open_store(store_url, NEW, (OLD,))
    try:
        b = s.verify_audit().broken
        assert b.what == "edited" and b.why.startswith(f"signed with key {OLD_ID} after "
                                                       f"entries signed with key {NEW_ID}, "
                                                       "and no audit-key-changed entry")
    finally:
        s.close()


def test_removing_the_key_is_recorded_and_shown_not_silent(store_url):
    rotated(store_url)
    plain = open_store(store_url, "", (NEW, OLD))
    try:
        entries(plain, 1, start=1_900_000_000.0)
        state = plain.verify_audit()
        assert state.intact and state.head.startswith("sha256:")
        assert state.summary().endswith(f"from place 4 with key {NEW_ID}, not keyed from "
                                        "place 7 (the key was removed))")
        [removed] = plain.audit_log(action="audit-key-changed", limit=1)
        assert removed.detail.startswith(f"from key {NEW_ID} to no key (plain SHA-256); "
                                         f"vouched for by key {NEW_ID}: ")
    finally:
        plain.close()
    # a node that still has a key finds the trail gone plain: not what it was told
    keyed = open_store(store_url, NEW, (OLD,))
    try:
        assert keyed.verify_audit().broken.what == "unkeyed"
        entries(keyed, 1)  # and its first entry sets the key again, on the record
        state = keyed.verify_audit()
        assert state.intact and state.summary().endswith(
            f"not keyed from place 7 (the key was removed), from place 9 with key {NEW_ID})")
    finally:
        keyed.close()


def test_entries_from_before_key_ids_still_verify_and_rotate(store_url):
    s = open_store(store_url, OLD)
    entries(s, 3)
    s.close()
    run = attacker(store_url)  # as the release before key ids wrote them: "hmac:HEX"
    prev = ""
    for seq in (1, 2, 3):
        [(rid,)] = run("SELECT id FROM audit WHERE seq = ?", (seq,))
        fields = row(run, rid)[:7]
        prev = chain._unnamed(OLD.encode(), seq, prev, fields)
        run("UPDATE audit SET hash = ? WHERE seq = ?", (prev, seq))
    run("UPDATE audit_chain SET hash = ?", (prev,))
    same = open_store(store_url, OLD)
    try:
        assert same.verify_audit().intact
        entries(same, 1)  # the same key, now named: no change of key to record
        assert not same.audit_log(action="audit-key-changed")
    finally:
        same.close()
    rotated_now = open_store(store_url, NEW, (OLD,))
    try:
        entries(rotated_now, 1)
        [change] = rotated_now.audit_log(action="audit-key-changed")
        assert change.detail.startswith(f"from key {OLD_ID} to key {NEW_ID}; vouched")
        state = rotated_now.verify_audit()
        assert state.intact and [s for _, s in state.segments] == [OLD_ID, NEW_ID]
    finally:
        rotated_now.close()


THIRD = "a third audit key, for the rotation after a roll-back"
THIRD_ID = key_id(THIRD.encode())


def verify_cli(tmp_path: Path, url: str, key: str, retired: tuple[str, ...] = ()
               ) -> subprocess.CompletedProcess:
    """`dlpgate quarantine audit --verify --json` as an operator runs it, with this key."""
    cfg = tmp_path / f"verify-{key_id(key.encode())}.yaml"
    cfg.write_text(yaml.safe_dump({"storage": {"url": url}, "quarantine": {
        "audit_key": key, "audit_keys_retired": list(retired)}}))
    return subprocess.run([sys.executable, "-m", "dlpgate", "quarantine", "audit", "--verify",
                           "--json", "--config", str(cfg)], capture_output=True, text=True,
                          timeout=300)


def test_a_holder_of_the_retired_key_changing_the_chain_back_to_it_is_reported(
        store_url, tmp_path):
    # after OLD -> NEW, someone who kept OLD runs dlpgate with it: its first append writes
    # the change "from key NEW to key OLD", signed with OLD, and its entries after it. Every
    # link checks under OLD (given as retired), so this passed as intact before
    rotated(store_url)
    forger = open_store(store_url, OLD)
    try:
        entries(forger, 2, start=1_800_000_100.0)
        [(rid, at)] = attacker(store_url)("SELECT id, at FROM audit WHERE seq = 7")
    finally:
        forger.close()
    s = open_store(store_url, NEW, (OLD,))
    try:
        state = s.verify_audit()
        assert state.broken is None and not state.intact and state.failed
        assert state.returns == ((rid, float(at), 7, OLD_ID),)
        assert state.summary().startswith(f"chain returned to a retired key at entry {rid} (")
        assert (f"): place 7 changes back to key {OLD_ID}, which the chain had moved away "
                "from, and is not vouched for by the key it changes from: written by a node "
                "still configured with the retired key") in state.summary()
        entries(s, 1, start=1_800_000_200.0)  # the nodes on NEW go on: still reported
        assert s.verify_audit(whole=False).returns == state.returns
    finally:
        s.close()
    done = verify_cli(tmp_path, store_url, NEW, (OLD,))
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["intact"] is False and "broken" not in out
    assert out["returns"] == [{"id": rid, "at": float(at), "place": 7, "key": OLD_ID}]


def test_a_made_up_vouch_does_not_pass_for_the_key_rolled_back_from(store_url):
    # the forger writes the change back by hand, with a vouch that names NEW
    rotated(store_url)
    run = attacker(store_url)
    [(seq, prev)] = run("SELECT seq, hash FROM audit_chain WHERE one = 1")
    forged = ("system:audit-chain", "audit-key-changed", "", "the audit key was rotated",
              "store", f"from key {NEW_ID} to key {OLD_ID}; vouched for by key {NEW_ID}: "
              + "0" * 64, 1_800_000_100.0)
    top = chain.link(OLD.encode(), seq + 1, prev, forged)
    run(f"INSERT INTO audit ({chain.COLUMNS}, seq, hash) VALUES (?,?,?,?,?,?,?,?,?)",
        (*forged, seq + 1, top))
    run("UPDATE audit_chain SET seq = ?, hash = ?", (seq + 1, top))
    s = open_store(store_url, NEW, (OLD,))
    try:
        state = s.verify_audit()
        assert state.broken is None and [r[2:] for r in state.returns] == [(7, OLD_ID)]
    finally:
        s.close()


def test_a_real_roll_back_is_vouched_for_and_checks_after_later_rotations(
        store_url, tmp_path):
    rotated(store_url)
    back = open_store(store_url, OLD, (NEW,))  # the operator rolls back, NEW retired
    try:
        entries(back, 2, start=1_800_000_100.0)
        assert back.audit_key_behind() == () and back.key_behind == ()
        [change, _] = back.audit_log(action="audit-key-changed")
        assert change.detail.startswith(f"from key {NEW_ID} to key {OLD_ID}; vouched for by "
                                        f"key {NEW_ID}: ")
    finally:
        back.close()
    assert verify_cli(tmp_path, store_url, OLD, (NEW,)).returncode == 0
    onward = open_store(store_url, THIRD, (OLD, NEW))  # and later on to a third key
    try:
        entries(onward, 1, start=1_800_000_200.0)
        state = onward.verify_audit()
        assert state.intact and [s for _, s in state.segments] == [OLD_ID, NEW_ID, OLD_ID,
                                                                   THIRD_ID]
    finally:
        onward.close()
    done = verify_cli(tmp_path, store_url, THIRD, (OLD, NEW))
    assert done.returncode == 0 and json.loads(done.stdout)["returns"] == []


def test_a_roll_back_without_the_key_left_checks_while_it_is_the_key_in_force(store_url):
    # rolled back to OLD without listing NEW: nothing vouches for the change, so it checks
    # where OLD is audit_key (the operator says so), and is reported where it is retired
    rotated(store_url)
    with closing(open_store(store_url, OLD)) as back:
        entries(back, 1, start=1_800_000_100.0)
    with closing(open_store(store_url, OLD, (NEW,))) as here:
        assert here.verify_audit().intact
    with closing(open_store(store_url, NEW, (OLD,))) as there:
        assert [r[2:] for r in there.verify_audit().returns] == [(7, OLD_ID)]


def test_a_node_left_on_the_old_key_says_so_and_still_writes(store_url):
    # nodes reconfigured one at a time: gw1 on NEW (OLD retired), gw2 still on OLD alone
    rotated(store_url)
    gw2 = open_store(store_url, OLD)
    try:
        with capture_logs(Settings(), forbidden=("web:ann", "case 0")) as logs:
            entries(gw2, 1, start=1_800_000_100.0)  # written: never lost for the key
        assert gw2.key_behind == (NEW_ID,)
        [said] = [e for e in logs.events if e.get("event") == "audit_key_behind"]
        assert said["level"] == "error" and said["this_key"] == OLD_ID
        assert said["chain_keys"] == [NEW_ID] and OLD not in logs.text
        assert len(gw2.audit_log(limit=100)) == 8  # six, the change back, its entry
    finally:
        gw2.close()
    with closing(open_store(store_url, NEW, (OLD,))) as gw1:
        entries(gw1, 1, start=1_800_000_200.0)  # gw1 takes its turn: back to NEW, vouched
        assert gw1.key_behind == () and gw1.audit_key_behind() == ()
    with closing(open_store(store_url, OLD)) as restarted:  # gw2 restarted, still on OLD
        assert restarted.audit_key_behind() == (NEW_ID,) and restarted.key_behind == (NEW_ID,)
        entries(restarted, 1, start=1_800_000_300.0)  # and wrote last: still said at start
    with closing(open_store(store_url, OLD)) as again:
        assert again.audit_key_behind() == (NEW_ID,)


def test_config_check_fails_on_a_node_left_behind_a_rotation(store_url, tmp_path):
    rotated(store_url)

    def check(key: str, retired: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        cfg = tmp_path / "check.yaml"
        cfg.write_text(yaml.safe_dump({"storage": {"url": store_url}, "quarantine": {
            "audit_key": key, "audit_keys_retired": list(retired)}}))
        return subprocess.run([sys.executable, "-m", "dlpgate", "config", "check",
                               "--config", str(cfg)], capture_output=True, text=True,
                              timeout=300)

    stale = check(OLD)
    assert stale.returncode == 1
    assert (f"dlpgate: quarantine.audit_key: the audit trail has been rotated from this key "
            f"to key {NEW_ID}, which this configuration does not hold") in stale.stderr
    assert OLD not in stale.stderr + stale.stdout
    assert check(NEW, (OLD,)).returncode == 0
