"""Signed, expiring links in notices: confirm, cancel, send now, false alarm.

A link names one held message, one purpose and an expiry, signed with HMAC-SHA256
under a key every node shares (`notifications.link_key`, else one derived from the
store's per-install key). Nothing is stored per link: a forged or altered link
fails its signature, an old one its expiry, and a used one the message's state
(confirming moves it out of `awaiting-sender`, so the same link cannot act twice).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

PURPOSES = ("confirm", "cancel", "send-now", "false-alarm")


class LinkError(Exception):
    """Why a link cannot be used, in words for the person who clicked it. An expired link's
    signature was good: it names the message and purpose it was made for (the audit trail
    keeps them); a link that is not valid names nothing anyone can trust."""

    def __init__(self, message: str, item_id: str = "", purpose: str = "") -> None:
        super().__init__(message)
        self.item_id, self.purpose = item_id, purpose


def link_key(settings, store) -> bytes:
    if settings.notifications.link_key:
        return settings.notifications.link_key.encode()
    return hmac.new(store.profile_key(), b"dlpgate notice links", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(key: bytes, item_id: str, purpose: str, expires: float) -> str:
    assert purpose in PURPOSES
    body = f"{item_id}.{purpose}.{int(expires)}".encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()[:18]
    return f"{_b64(body)}.{_b64(mac)}"


def check(key: bytes, token: str, now: float | None = None) -> tuple[str, str]:
    """(item id, purpose), or LinkError."""
    try:
        body_b64, mac_b64 = token.split(".")
        body, mac = _unb64(body_b64), _unb64(mac_b64)
        expected = hmac.new(key, body, hashlib.sha256).digest()[:18]
        if not hmac.compare_digest(mac, expected):
            raise ValueError
        item_id, purpose, expires = body.decode().split(".")
        if purpose not in PURPOSES:
            raise ValueError
    except ValueError:
        raise LinkError("This link is not valid. Copy the whole link from the notice, or ask "
                        "your information governance team.") from None
    if (now or time.time()) > int(expires):
        raise LinkError("This link has expired. Your message is still held; your information "
                        "governance team can release it.", item_id, purpose)
    return item_id, purpose


def fingerprint(token: str) -> str:
    """What the audit trail keeps of a link that could not be used: the same link tried
    again shows as the same, and the token itself, a credential, is not kept."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:16]
