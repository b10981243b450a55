"""Links in notices: signed, expiring, bound to one message and one purpose."""

from __future__ import annotations

import pytest

from dlpgate.review.links import LinkError, check, fingerprint, make

KEY = b"k" * 32


def test_a_link_names_its_message_and_purpose():
    token = make(KEY, "0193abc", "confirm", expires=2000)
    assert check(KEY, token, now=1000) == ("0193abc", "confirm")


def test_an_expired_link_says_so_and_names_the_message_its_signature_vouches_for():
    token = make(KEY, "0193abc", "confirm", expires=2000)
    with pytest.raises(LinkError, match="expired") as caught:
        check(KEY, token, now=2001)
    assert (caught.value.item_id, caught.value.purpose) == ("0193abc", "confirm")


def test_a_links_fingerprint_tells_links_apart_without_holding_one():
    token = make(KEY, "0193abc", "confirm", expires=2000)
    assert fingerprint(token) == fingerprint(token) != fingerprint(token + "x")
    assert fingerprint(token).startswith("sha256:") and len(fingerprint(token)) == 23
    assert not any(part in fingerprint(token) for part in token.split("."))


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),  # the signature
    lambda t: make(b"another key" * 3, "0193abc", "confirm", 2000),  # another install's key
    lambda t: t.split(".")[0],  # no signature at all
    lambda t: "nonsense",
])
def test_an_altered_or_foreign_link_is_not_valid(tamper):
    token = make(KEY, "0193abc", "confirm", expires=2000)
    with pytest.raises(LinkError, match="not valid") as caught:
        check(KEY, tamper(token), now=1000)
    assert caught.value.item_id == ""  # nothing in it can be trusted


def test_a_cancel_link_cannot_be_turned_into_a_confirm_link():
    body, mac = make(KEY, "0193abc", "cancel", expires=2000).split(".")
    forged = make(b"x" * 32, "0193abc", "confirm", 2000).split(".")[0] + "." + mac
    with pytest.raises(LinkError):
        check(KEY, forged, now=1000)
