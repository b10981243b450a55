"""Where each recipient sits relative to the organisation: internal, partner, external.

This is the first of the recipient signals; prior correspondence, lookalike
domains and the rest build on the same RecipientRisk shape.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlpgate.config import Settings
from dlpgate.detect.registry import Context, register
from dlpgate.model import Message, RecipientRisk, Signal


def domain_of(address: str) -> str:
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def in_domains(domain: str, domains: Iterable[str]) -> str | None:
    """The configured domain that `domain` is, or is a subdomain of."""
    for d in domains:
        if domain == d or domain.endswith("." + d):
            return d
    return None


class DomainClassifier:
    name = "recipients"

    def __init__(self, settings: Settings) -> None:
        self.internal = settings.organisation.internal_domains
        self.partners = settings.organisation.partner_domains

    def assess(self, message: Message, ctx: Context) -> Iterable[RecipientRisk]:
        seen: set[str] = set()
        for address in message.destinations:
            key = address.lower()
            if key in seen:
                continue
            seen.add(key)
            domain = domain_of(address)
            if match := in_domains(domain, self.internal):
                signal = Signal("internal", f"{domain} is one of our own domains ({match})")
                risk = 0.0
            elif match := in_domains(domain, self.partners):
                signal = Signal("partner", f"{domain} is an expected partner ({match})", 0.1)
                risk = 0.1
            else:
                signal = Signal("external", f"{domain} is outside the organisation", 0.3)
                risk = 0.3
            yield RecipientRisk(address=address, risk=risk, signals=(signal,))


@register("recipients")
def _factory(settings: Settings) -> DomainClassifier:
    return DomainClassifier(settings)
