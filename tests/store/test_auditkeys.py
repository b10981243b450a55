"""Rotating the audit chain's key (store/auditkeys.py): each keyed entry names its key, the
rotation is an entry of its own, and `verify` checks every entry under the key that signed
it, on both backends."""

from __future__ import annotations

from dlpgate.store import chain
from dlpgate.store.auditkeys import key_id
from dlpgate.store.base import open_store

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
        assert (change.actor, change.reason, change.detail) == (
            "system:audit-chain", "the audit key was rotated",
            f"from key {OLD_ID} to key {NEW_ID}")
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
        assert removed.detail == f"from key {NEW_ID} to no key (plain SHA-256)"
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
        assert change.detail == f"from key {OLD_ID} to key {NEW_ID}"
        state = rotated_now.verify_audit()
        assert state.intact and [s for _, s in state.segments] == [OLD_ID, NEW_ID]
    finally:
        rotated_now.close()
