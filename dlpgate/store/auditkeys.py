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
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import time

LABEL = b"dlpgate audit-chain key id 1"
ID_DIGITS = 12
PLAIN = "plain"  # the signer of a "sha256:" entry
UNNAMED = "?"  # the signer of a "hmac:HEX" entry no key given checks
ACTOR, ACTION = "system:audit-chain", "audit-key-changed"


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


def change_entry(old: str, new: str) -> tuple:
    """The `audit-key-changed` entry (the seven audit columns) for a change of signer."""
    if new == PLAIN:
        why = "the audit key was removed: entries from here are plain SHA-256"
    elif old == PLAIN:
        why = "the audit key was set: entries from here are keyed"
    else:
        why = "the audit key was rotated"
    return (ACTOR, ACTION, "", why, "store", f"from {describe(old)} to {describe(new)}",
            time.time())


def is_change(fields: tuple) -> bool:
    """Whether an entry (its seven columns) is an `audit-key-changed` entry."""
    return (fields[0], fields[1]) == (ACTOR, ACTION)
