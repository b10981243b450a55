"""The Store for several relay nodes: PostgreSQL, through a psycopg connection pool.

Every node connects to the same database, so a message held on one node can be
released from another, history learned on one is seen by all, and one audit
trail records everyone. A release's claim is one conditional UPDATE: under
READ COMMITTED, of two nodes claiming the same row, the second waits for the
first and then finds the state changed, so exactly one wins. Migrations run
under an advisory lock, so nodes starting together migrate once.
"""

from __future__ import annotations

import random
import secrets
import time
from importlib import resources

import psycopg
from psycopg_pool import ConnectionPool

from dlpgate import obs
from dlpgate.store import chain, namefiling
from dlpgate.store.base import StoreError
from dlpgate.store.sql import SQLStore

log = obs.logger("dlpgate.store")
_MIGRATION_LOCK = 0x646C7067  # "dlpg"
CHAIN_VERSION = 15  # the migration that begins the audit chain (store/chain.py)
NAMES_VERSION = 18  # the migration that files known addresses' names (store/namefiling.py)


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


def migrations() -> list[tuple[int, str]]:
    folder = resources.files("dlpgate.store") / "migrations" / "postgres"
    return sorted((int(e.name.split("_", 1)[0]), e.read_text(encoding="utf-8"))
                  for e in folder.iterdir() if e.name.endswith(".sql"))


# A batch of name keys filed as one statement over two arrays (`namefiling.file_names`).
_FILE_NAMES = ("INSERT INTO spellings (key, known) SELECT * FROM unnest(%s::text[], %s::text[]) "
               "ON CONFLICT (key, known) DO NOTHING")

# Reads of slowly changing, bulky answers (a sender's whole contact list, the organisation's
# top domains) cost a network round trip and hundreds of rows per message; each process keeps
# them this many seconds. A new contact is therefore seen as known up to this much later.
CACHE_SECONDS = 30.0
# The tables a history import or learn fills, analyzed after it (`analyze`).
HISTORY_TABLES = ("correspondence", "domains", "spellings", "profiles", "groups")
# How many times a transaction lost to a deadlock is run again before it is an error.
RETRIES = 5
# How often a process asks whether an erasure has happened since (one small read).
ERASURE_CHECK_SECONDS = 1.0


def _whole(exc: psycopg.Error) -> bool:
    """Whether PostgreSQL could take no write at all: the connection lost or refused (no
    SQLSTATE), out of disk or memory (53), shut down (57), an I/O error (58), read-only (25006);
    not a row it will not take (an index entry too long is 54000, a NUL 22021)."""
    state = getattr(exc, "sqlstate", None)
    if state is None:  # the connection itself (lost, refused, the pool timed out), or not
        return isinstance(exc, psycopg.OperationalError)
    return state[:2] in ("08", "53", "57", "58") or state == "25006"


def _dropped(held: list[psycopg.Connection], exc: psycopg.Error) -> bool:
    """Whether `exc` is a pooled connection found dead when used: the server restarted, failed
    over or ended it (`pg_terminate_backend`) while it sat idle in the pool. The pool discards a
    broken connection and the next one is asked. Without this, the first message each idle
    connection met after a database restart got a 451, up to one per connection kept."""
    return bool(held) and held[0].broken and isinstance(exc, psycopg.OperationalError)


class PostgresStore(SQLStore):
    BACKEND = "PostgreSQL"
    LEAST = "LEAST"
    GREATEST = "GREATEST"
    BYTEWISE = ' COLLATE "C"'

    def contact_rows(self, sender: str, limit: int = 500):
        return self._cached(("contacts", sender, limit), lambda: super(PostgresStore, self)
                            .contact_rows(sender, limit))

    def top_domains(self, limit: int = 500):
        return self._cached(("top", limit), lambda: super(PostgresStore, self).top_domains(limit))

    def _cached(self, key: tuple, read):
        now = time.monotonic()
        if now - self._erasure_checked >= ERASURE_CHECK_SECONDS:
            # an erasure (history forget, in another process) empties the cache: the erased
            # contact went on being "written to 22 times" for up to 30 s, held mail as a
            # slip from it, and named it in the new quarantine record
            self._erasure_checked = now
            erased = self.erased_at()
            if erased != self._erased_at:
                self._erased_at = erased
                self._cache.clear()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        value = read()
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now, value)
        return value

    def __init__(self, url: str, min_size: int = 1, max_size: int = 8, audit_key: bytes = b"",
                 audit_retired: tuple[bytes, ...] = ()) -> None:
        self.url = url
        self.audit_key, self.audit_retired = audit_key, audit_retired
        self._max_size = max_size
        self._cache: dict[tuple, tuple[float, object]] = {}
        self._erasure_checked = float("-inf")
        self._erased_at: float | None = None
        try:
            # a database host that stops answering (not refusing) would otherwise hold each
            # new connection for the kernel's TCP timeout, minutes, before the 451
            kwargs: dict[str, object] = {"autocommit": True}
            if "connect_timeout" not in url:
                kwargs["connect_timeout"] = 5
            self._pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=True,
                                        timeout=10, kwargs=kwargs)
            self._pool.wait(timeout=10)
            self._migrate()
        except (psycopg.Error, OSError) as exc:
            raise StoreError(f"cannot open PostgreSQL store: {_safe(exc)}") from None
        except Exception as exc:  # the pool's own timeout
            raise StoreError(f"cannot open PostgreSQL store: {type(exc).__name__}") from None

    def _migrate(self) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY "
                         "KEY)")
            done = {r[0] for r in conn.execute("SELECT version FROM schema_version")}
            applied: list[int] = []
            for version, sql in migrations():
                if version not in done:
                    conn.execute(sql)
                    if version == CHAIN_VERSION:  # the entries before the chain, anchored
                        with conn.cursor() as cur:
                            chain.anchor(_Cursor(cur), self.audit_keys)
                    if version == NAMES_VERSION:
                        with conn.cursor() as cur:
                            # its batches are read in the recipient index's order, which the
                            # planner takes only with statistics: on a store bulk-loaded and
                            # not yet analyzed, each batch read and sorted the whole table
                            cur.execute("ANALYZE correspondence")
                            namefiling.file_names(_Cursor(cur), file=_in_arrays(cur))
                    conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
                    applied.append(version)
            if done and applied and applied[-1] >= CHAIN_VERSION:  # an upgrade, on record
                with conn.cursor() as cur:
                    chain.upgraded(_Cursor(cur), self.audit_keys, self.BACKEND, max(done),
                                   applied)
            conn.execute("INSERT INTO meta (key, value) VALUES ('profile_key', %s) "
                         "ON CONFLICT (key) DO NOTHING", (secrets.token_hex(32),))
        if done and applied:
            self._analyze_upgraded(applied)

    def _analyze_upgraded(self, applied: list[int]) -> None:
        """ANALYZE the history after an upgrade, once its transaction has committed (and on
        the node that applied it alone): the migrations that fill tables in bulk (spelling
        keys, name keys, dates) fill the history's, and the planner knew nothing of the rows
        until autovacuum came round. A failure costs only the wait for autovacuum: logged,
        not a reason to refuse to start."""
        began = time.monotonic()
        try:
            self.analyze()
        except StoreError as exc:
            log.warning("store_analyze_failed", after=f"migrations {applied[0]}-{applied[-1]}",
                        error=str(exc))
            return
        log.info("store_analyzed", tables=list(HISTORY_TABLES),
                 seconds=round(time.monotonic() - began, 1))

    def _read(self, sql: str, params: tuple) -> list[tuple]:
        for dropped in range(self._max_size + 1):
            held: list[psycopg.Connection] = []
            try:
                with self._pool.connection() as conn:
                    held.append(conn)
                    return conn.execute(_pg(sql), _no_nul(params)).fetchall()
            except psycopg.Error as exc:
                # a read may always be asked again, of the next connection
                if not _dropped(held, exc) or dropped == self._max_size:
                    raise StoreError(f"store read failed: {_safe(exc)}") from None
        raise AssertionError("unreachable")

    def _atomic(self, work):
        """`work(cursor)` in one transaction; the cursor takes `?` placeholders like SQLite.

        A transaction PostgreSQL chose as a deadlock's victim (or a serialization failure)
        is run again, whole: relays' batches, an erasure and an import write the same rows
        in different orders, and `history forget` failed one time in two under relay
        traffic, an import after three of its four batches."""
        attempt = dropped = 0
        while True:
            held: list[psycopg.Connection] = []
            begun = False
            try:
                with self._pool.connection() as conn:
                    held.append(conn)
                    with conn.transaction(), conn.cursor() as cur:
                        begun = True
                        return work(_Cursor(cur))
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as exc:
                attempt += 1
                if attempt > RETRIES:
                    raise StoreError(f"store write failed: {_safe(exc)}") from None
                time.sleep(random.uniform(0.01, 0.05) * attempt)
            except psycopg.Error as exc:
                # only a transaction that never began is run again: one the connection was
                # lost inside may have committed, and must not be written twice
                dropped += 1
                if begun or not _dropped(held, exc) or dropped > self._max_size:
                    raise StoreError(f"store write failed: {_safe(exc)}",
                                     whole=_whole(exc)) from None
            except UnicodeError:  # text it cannot encode (a lone surrogate)
                raise StoreError("store write failed: UnicodeEncodeError") from None

    def analyze(self, tables: tuple[str, ...] = ()) -> None:
        """ANALYZE `tables` (by default the history's). A bulk load leaves the planner
        without statistics until autovacuum samples the tables (a minute or more after it
        ends; never where autovacuum is off): it then takes `near`'s list of a hundred
        spelling keys for most of the table and reads all of `spellings` for each message,
        100-200 ms at a million pairs, where the index answers in 1-2 ms. ANALYZE samples
        each table (a fraction of a second at a million pairs) and blocks no reads or
        writes; the names are the store's own, listed, never the whole database's."""
        listed = ", ".join(tables or HISTORY_TABLES)
        self._atomic(lambda cur: cur.execute(f"ANALYZE {listed}"))

    def close(self) -> None:
        self._pool.close()


class _Cursor:
    """A psycopg cursor spoken to in the shared queries' `?` placeholders."""

    def __init__(self, cur: psycopg.Cursor) -> None:
        self.cur = cur

    def execute(self, sql: str, params: tuple = ()) -> psycopg.Cursor:
        self.cur.execute(_pg(sql), _no_nul(params))
        return self.cur

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.cur.executemany(_pg(sql), [_no_nul(r) for r in rows])


def _in_arrays(cur: psycopg.Cursor):
    """`namefiling.file_names`'s insert of a batch, as one statement over two arrays."""
    def file(rows: list[tuple[str, str]]) -> None:
        keys, known = zip(*rows, strict=True)
        cur.execute(_FILE_NAMES, (list(keys), list(known)))
    return file


def _no_nul(params: tuple) -> tuple:
    """PostgreSQL keeps no NUL in text, and refuses a whole statement (a batch, a scan's
    lookup) for one. Mail may carry one anywhere a header goes (a Message-ID, an address
    in To); it is stored, and looked up, as U+FFFD, which no real value holds."""
    if not any(isinstance(v, str) and "\x00" in v for v in params):
        return params
    return tuple(v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in params)


def _safe(exc: BaseException) -> str:
    """The error's kind and first line: PostgreSQL's messages do not quote row values here."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"[:300]
