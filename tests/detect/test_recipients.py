"""Recipients are placed as internal, partner (subdomains included) or external."""

from __future__ import annotations

from dlpgate.config import Settings
from dlpgate.detect.recipients import DomainClassifier
from dlpgate.detect.registry import Context
from dlpgate.model import Envelope
from dlpgate.parse.mime import parse
from dlpgate.testing import make_message

SETTINGS = Settings.model_validate({"organisation": {
    "internal_domains": ["example-council.gov.uk"], "partner_domains": ["nhs.net"]}})


def signals(*rcpts: str) -> dict[str, list[str]]:
    raw = make_message(to=rcpts[:1], cc=rcpts[1:])
    msg = parse(raw, Envelope("a@example-council.gov.uk", rcpts))
    risks = DomainClassifier(SETTINGS).assess(msg, Context(SETTINGS))
    return {r.address: [s.name for s in r.signals] for r in risks}


def test_each_recipient_is_placed_once():
    assert signals("b@example-council.gov.uk", "c@gp.nhs.net", "d@nhs.net.evil.example",
                   "B@example-council.gov.uk") == {
        "b@example-council.gov.uk": ["internal"],
        "c@gp.nhs.net": ["partner"],
        "d@nhs.net.evil.example": ["external"],
    }
