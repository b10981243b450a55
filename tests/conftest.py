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


PG_URL = __import__("os").environ.get("DLPGATE_TEST_PG_URL", "")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if not PG_URL:
        pytest.skip("DLPGATE_TEST_PG_URL is not set (./scripts/dev test sets it to the local "
                    "PostgreSQL)")
    import secrets

    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path: Path) -> str:
    """Each Store test runs on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_store(store_url: str) -> Iterator[Any]:
    from dlpgate.store.base import open_store

    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def ocr_installed() -> None:
    """Skips, saying why, where Tesseract and pdftoppm are not installed."""
    from dlpgate.parse import ocr

    if not ocr.available():
        pytest.skip("tesseract-ocr and poppler-utils are not installed (./scripts/dev test "
                    "installs them)")
