"""The embedded default Store: one SQLite file in WAL mode.

`synchronous=FULL` because the relay answers 250 for a held message on the
strength of the commit; WAL's default NORMAL could lose the last commits on
power failure. One connection behind a lock: SQLite has one writer anyway.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from importlib import resources

from dlpgate.config import sqlite_path
from dlpgate.store import chain, namefiling
from dlpgate.store.base import StoreError
from dlpgate.store.sql import SQLStore


def migrations(backend: str) -> list[tuple[int, str]]:
    folder = resources.files("dlpgate.store") / "migrations" / backend
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


CHAIN_VERSION = 21  # the migration that begins the audit chain (store/chain.py)
NAMES_VERSION = 24  # the migration that files known addresses' names (store/namefiling.py)

# SQLite's primary result codes for a database that can take no write at all: busy, locked,
# out of memory, read-only, I/O error, full, cannot open, locking protocol
_WHOLE_STORE = {5, 6, 7, 8, 10, 13, 14, 15}


def _whole(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _WHOLE_STORE


class SQLiteStore(SQLStore):
    BACKEND = "SQLite"

    def __init__(self, url: str, audit_key: bytes = b"",
                 audit_retired: tuple[bytes, ...] = ()) -> None:
        self.path = sqlite_path(url)
        self.audit_key, self.audit_retired = audit_key, audit_retired
        self._lock = threading.Lock()
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=30
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            if getattr(self, "_db", None) is not None:
                self._db.close()  # opened, then refused: its file stayed open behind the error
            # SQLite's "unable to open database file" names no cause; a file or folder the
            # service's user may not write (made by root before the service first ran, a
            # read-only mount) is the usual one
            from dlpgate.store.base import reachable

            why = reachable(url)
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}"
                             + (f" ({why})" if why else "")) from None

    def _migrate(self) -> None:
        db = self._db
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
        done = {row[0] for row in db.execute("SELECT version FROM schema_version")}
        pending = [v for v, _ in migrations("sqlite") if v not in done]
        applied: list[int] = []
        for version, sql in migrations("sqlite"):
            if version in done:
                continue
            db.execute("BEGIN IMMEDIATE")
            # another process (a scan worker) may have migrated while we waited
            if db.execute("SELECT 1 FROM schema_version WHERE version = ?", (version,)).fetchone():
                db.execute("ROLLBACK")
                continue
            try:
                for statement in sql.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                if version == CHAIN_VERSION:  # the entries before the chain, anchored
                    chain.anchor(db, self.audit_keys)
                if version == NAMES_VERSION:
                    namefiling.file_names(db)
                applied.append(version)
                if done and version == pending[-1] >= CHAIN_VERSION:  # an upgrade, on record
                    chain.upgraded(db, self.audit_keys, self.BACKEND, max(done), applied)
                db.execute("INSERT INTO schema_version VALUES (?)", (version,))
                db.execute("COMMIT")
            except Exception:
                db.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: tuple) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"store read failed: {type(exc).__name__}: {exc}") from None

    def _atomic(self, work):
        """`work(connection)` in one write transaction, or none of it."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(self._db)
                    self._db.execute("COMMIT")
                except BaseException:
                    # SQLite rolls back itself on a full disk; a second ROLLBACK then fails
                    # ("no transaction is active") and hid the error that mattered
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                    raise
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"store write failed: {type(exc).__name__}: {exc}",
                                 whole=_whole(exc)) from None
            except UnicodeError:  # text it cannot encode (a lone surrogate); never quoted
                raise StoreError("store write failed: UnicodeEncodeError") from None
        return result

    def close(self) -> None:
        with self._lock:
            self._db.close()


