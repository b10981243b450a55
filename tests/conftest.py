"""Fixtures: a real next-hop sink and a real relay on loopback, configured per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dlpgate.config import Settings
from dlpgate.testing import RunningRelay, Sink, free_port


@pytest.fixture
def sink() -> Iterator[Sink]:
    with Sink() as s:
        yield s


def build_settings(tmp_path: Path, next_hop: str, **sections: Any) -> Settings:
    data: dict[str, Any] = {
        "organisation": {"internal_domains": ["example-council.gov.uk"],
                         "partner_domains": ["nhs.net"]},
        "storage": {"url": f"sqlite:///{tmp_path / 'dlpgate.db'}"},
        "relay": {"listen": f"127.0.0.1:{free_port()}", "next_hop": next_hop,
                  "next_hop_timeout": 10, "scan_timeout": 30, "drain_timeout": 10},
        "scan": {"workers": 0},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return Settings.model_validate(data)


@pytest.fixture
def make_settings(tmp_path: Path, sink: Sink) -> Callable[..., Settings]:
    def make(**sections: Any) -> Settings:
        return build_settings(tmp_path, sink.address, **sections)

    return make


@pytest.fixture
def relay_factory() -> Iterator[Callable[[Settings], RunningRelay]]:
    started: list[RunningRelay] = []

    def start(settings: Settings) -> RunningRelay:
        relay = RunningRelay(settings).start()
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()


@pytest.fixture
def relay(make_settings: Callable[..., Settings],
          relay_factory: Callable[[Settings], RunningRelay]) -> RunningRelay:
    return relay_factory(make_settings())
