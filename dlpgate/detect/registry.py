"""The detector contract and the registry every detector, built-in or a council's own, joins.

A detector looks at a parsed Message and returns evidence: content findings, or
risk signals per recipient. It never picks a verdict (only `policy.decide` does)
and never raises for anything in the message: a detector that crashes fails the
scan, which the relay answers with 451.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from dlpgate.config import Settings
from dlpgate.model import Finding, Message, RecipientRisk


@dataclass(frozen=True, slots=True)
class Context:
    """What detectors may consult besides the message itself."""

    settings: Settings
    store: Any = None  # history lookups; None where there is no store (then no history)
    now: float | None = None  # the clock for recency; None: the time of the scan
    fingerprint: tuple[int, ...] | None = None  # this message's content hashes, if computed
    # whether the content points at someone: an identifier (an NHS number, a date of birth)
    # as pattern detection found it, or an out-of-office's special-category term beside a
    # name (`autoreply.case_names`); None where it was not asked
    identified: bool | None = None


class ContentDetector(Protocol):
    """`costly` detectors run only when their evidence could change the verdict; they
    name the entities they can add in `provides` and may leave `notes`."""

    name: str

    def detect(self, message: Message, ctx: Context) -> Iterable[Finding]: ...


class RecipientAssessor(Protocol):
    name: str

    def assess(self, message: Message, ctx: Context) -> Iterable[RecipientRisk]: ...


Factory = Callable[[Settings], ContentDetector | RecipientAssessor | None]
_FACTORIES: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Decorator: make a detector factory available under `name`."""

    def add(factory: Factory) -> Factory:
        if name in _FACTORIES:
            raise ValueError(f"detector {name!r} is registered twice")
        _FACTORIES[name] = factory
        return factory

    return add


def registered() -> list[str]:
    _load_builtins()
    return sorted(_FACTORIES)


def build(settings: Settings) -> tuple[list[ContentDetector], list[RecipientAssessor]]:
    _load_builtins()
    content: list[ContentDetector] = []
    recipients: list[RecipientAssessor] = []
    for name in sorted(_FACTORIES):
        detector = _FACTORIES[name](settings)
        if detector is None:  # turned off by configuration
            continue
        if hasattr(detector, "assess"):
            recipients.append(detector)  # type: ignore[arg-type]
        else:
            content.append(detector)  # type: ignore[arg-type]
    return content, recipients


def _load_builtins() -> None:
    # Imported for their @register side effect: the core uses its own extension point.
    from dlpgate.detect import pii, problems, recipients  # noqa: F401
