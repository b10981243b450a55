"""Fixtures: a real next-hop sink and a real relay on loopback, configured per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dlpgate.config import Settings
from dlpgate.testing import RunningRelay, Sink, build_settings


@pytest.fixture
def sink() -> Iterator[Sink]:
    with Sink() as s:
        yield s


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
