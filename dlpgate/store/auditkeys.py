"""The keys of the audit chain: which one signed an entry, and the entry a change of key writes.

A keyed entry's hash names its key: "hmac:ID:HEX", ID the first 12 hex digits of an HMAC of
a fixed label under the key. The ID tells keys apart without revealing them (it is a MAC of
a constant, not a digest of the key, so it gives nothing to guess the key from), and lets
`--verify` check each entry under the key that wrote it, so that a key can be rotated: the
new one in `quarantine.audit_key`, the old ones in `quarantine.audit_keys_retired`. Entries
written before key ids ("hmac:HEX") name none, and are checked under each key given.

A change of signer is itself on the trail: the first append under another key (or none)
writes an `audit-key-changed` entry first, signed by the new key, naming the old and new
ids, so a rotation, a key first set and a key removed are all seen in the trail, and
`--verify` can tell a rotation from an entry signed by someone else.

A change entry is also vouched for by the key it changes from, where the writer holds it (a
rotation done as the docs say: the old key in `audit_keys_retired`): an HMAC under the old
key of the change's place, the hash before it and the new key's id. Signing with a key
proves nothing about the key it replaced; the vouch does, and that tells a real roll-back
to an earlier key (done by someone holding the key rolled back from) from a holder of a
retired key changing the chain back to it (store/chaincheck.py: `returns`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import re
import time

LABEL = b"dlpgate audit-chain key id 1"
ID_DIGITS = 12
PLAIN = "plain"  # the signer of a "sha256:" entry
UNNAMED = "?"  # the signer of a "hmac:HEX" entry no key given checks
ACTOR, ACTION = "system:audit-chain", "audit-key-changed"
VOUCH_LABEL = b"dlpgate audit-chain vouch 1"
_VOUCHED = re.compile(r"; vouched for by key ([0-9a-f]{12}): ([0-9a-f]{64})$")


@functools.lru_cache(maxsize=16)
def key_id(key: bytes) -> str:
    """The short public name of a key: an HMAC of a fixed label under it (kept: every keyed
    append names its key)."""
    return hmac.new(key, LABEL, hashlib.sha256).hexdigest()[:ID_DIGITS]


@dataclasses.dataclass(frozen=True)
class AuditKeys:
    """The key entries are written with (empty: a plain chain) and the retired ones, which
    only check entries written before a rotation."""

    current: bytes = b""
    retired: tuple[bytes, ...] = ()

    @functools.cached_property
    def by_id(self) -> dict[str, bytes]:
        return {key_id(k): k for k in (self.current, *self.retired) if k}

    @property
    def signer(self) -> str:
        """What this node's appends are signed by: the current key's id, or PLAIN."""
        return key_id(self.current) if self.current else PLAIN

    def __bool__(self) -> bool:
        return bool(self.by_id)

    def holds(self, signer: str) -> bool:
        """Whether this node could have signed as `signer` (a key id), or as no key."""
        return signer in (PLAIN, UNNAMED, "") or signer in self.by_id


def signer_of(stored: str) -> str:
    """Who a stored hash says signed it: PLAIN, a key id, or "" for a keyed entry written
    before key ids (its key found only by trying each one given)."""
    if not stored.startswith("hmac:"):
        return PLAIN
    kid, sep, _ = stored[5:].partition(":")
    return kid if sep else ""


def describe(signer: str) -> str:
    """A signer as the trail and `--verify` say it; never the key."""
    if signer == PLAIN:
        return "no key (plain SHA-256)"
    if signer in ("", UNNAMED):
        return "a key written before key ids, not among those given"
    return f"key {signer}"


def vouch(key: bytes, seq: int, prev: str, new: str) -> str:
    """The old key's word for a change of signer to `new` at place `seq`, after the entry
    hashed `prev`: bound to that place, so it cannot be lifted onto another change."""
    return hmac.new(key, VOUCH_LABEL + f"\0{seq}\0{prev}\0{new}".encode(),
                    hashlib.sha256).hexdigest()


def vouched(keys: AuditKeys, seq: int, prev: str, old: str, new: str,
            detail: str) -> bool | None:
    """Whether a change entry's `detail` carries the vouch of `old` (the key the chain
    changed from) for this change; None when `old` is a key not given here."""
    found = _VOUCHED.search(detail)
    if found is None or found.group(1) != old:
        return False
    key = keys.by_id.get(old)
    if key is None:
        return None
    return hmac.compare_digest(found.group(2), vouch(key, seq, prev, new))


def change_entry(old: str, new: str, proof: str = "") -> tuple:
    """The `audit-key-changed` entry (the seven audit columns) for a change of signer;
    `proof`, the old key's vouch (vouch()), where the writer holds it."""
    if new == PLAIN:
        why = "the audit key was removed: entries from here are plain SHA-256"
    elif old == PLAIN:
        why = "the audit key was set: entries from here are keyed"
    else:
        why = "the audit key was rotated"
    detail = f"from {describe(old)} to {describe(new)}"
    if proof:
        detail += f"; vouched for by key {old}: {proof}"
    return (ACTOR, ACTION, "", why, "store", detail, time.time())


def is_change(fields: tuple) -> bool:
    """Whether an entry (its seven columns) is an `audit-key-changed` entry."""
    return (fields[0], fields[1]) == (ACTOR, ACTION)
