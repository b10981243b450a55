"""Scanning off the event loop: a pool of worker processes with a bounded queue.

Why not concurrent.futures.ProcessPoolExecutor: it cannot stop one job. A PDF
with an object loop or a pathological archive must cost one worker, killed at
the scan budget and replaced, not a stuck slot forever. Each worker here is a
process with a pipe; a job that overruns its budget gets its worker killed.

The queue is bounded: when every worker is busy and `queue` scans already wait,
`run` raises Overloaded at once and the relay answers 451 instead of growing
without limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import pickle
import resource
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from dlpgate import obs
from dlpgate.config import Settings
from dlpgate.model import Envelope, ScanResult
from dlpgate.policy.rules import PolicySet
from dlpgate.store.base import StoreError

_TASKS: set[asyncio.Task[Any]] = set()
_INLINE_SEND = 256 * 1024


def spawn(coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
    """asyncio.create_task that keeps a reference, so the task is not collected mid-flight."""
    task = asyncio.get_running_loop().create_task(coro, name=name)  # noqa: TID251
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return task


async def settle(timeout: float) -> None:
    """Wait for tasks started with spawn() to finish (at shutdown), at most `timeout`."""
    pending = [t for t in _TASKS if t is not asyncio.current_task()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


class ScanFailed(Exception):
    """The scan raised, or its worker died. Carries no message content."""


class ScanTimeout(ScanFailed):
    pass


class NoWorker(ScanTimeout):
    """No worker came free within the scan budget: the scan never started. Answered as a
    timeout, but not the message's failure: it does not count towards
    relay.max_scan_attempts, or a busy hour would hold ordinary mail unread."""


class StoreUnavailable(ScanFailed):
    """The scan's history lookups failed (StoreError): the store's trouble, not the
    message's, so, like NoWorker, not counted towards relay.max_scan_attempts."""


# failures that say nothing about the message (`ingress.smtp` counts the others)
NOT_THE_MESSAGE = (NoWorker, StoreUnavailable)


class Overloaded(Exception):
    pass


@dataclass(slots=True)
class Lookup:
    """The delivery journal's row for one message (`Store.delivery(key)`), read by the scan
    worker from its own store connection just before it scans (`run(journal=...)`).

    The relay read it itself, in a thread: a thread hop a message, 0.16 of the relay
    process's 1.9 ms CPU a message (bench/relay.py). `done` stays False when the row was
    not read (no worker came free, the worker died): the relay reads it then, as before.
    """

    key: str
    done: bool = False
    row: tuple | None = None
    error: str = ""  # the store's words when it could not be read (they quote no row)


def _look(store: Any, key: str) -> tuple[tuple | None, str]:
    """(the journal's row for `key`, "") or (None, why the store could not say)."""
    try:
        return store.delivery(key), ""
    except StoreError as exc:
        return None, str(exc) or type(exc).__name__


def _worker_main(conn: Connection, settings_blob: bytes) -> None:
    from dlpgate.pipeline import Scanner
    from dlpgate.store.base import open_configured

    settings, policy = pickle.loads(settings_blob)
    # a spawned process starts with logging unconfigured: its libraries' warnings (psycopg's
    # pool after the database dropped it) went to the relay's stderr as bare text among the
    # JSON lines, unmasked; they are the relay's JSON lines here too
    obs.configure(settings.logging)
    limit = settings.scan.worker_memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # its own reader
    store = open_configured(settings)
    obs.keyed_by(store)
    scanner = Scanner(settings, store, policy)
    scanner.warm()
    conn.send_bytes(b"ready")
    while True:
        try:
            job = conn.recv_bytes()
        except (EOFError, OSError):
            return
        raw, envelope, scan_id, new_policy, unread, key = pickle.loads(job)
        if new_policy is not None:  # reloaded and validated by the relay; applies from now
            scanner.policy = new_policy
        looked = _look(store, key) if key else None  # before the scan, as the relay read it
        try:
            if unread:  # given up on: decided without reading it (`Scanner.unread`)
                result = scanner.unread(raw, envelope, scan_id, unread).without_text()
            else:
                result = scanner.scan(raw, envelope, scan_id).without_text()
            reply = pickle.dumps(("ok", result, looked), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # reported by type only: messages may quote content
            reply = pickle.dumps(("error", type(exc).__name__, looked))
        try:
            conn.send_bytes(reply)
        except OSError:  # the relay went (killed mid-scan): nobody is waiting for the reply
            return


class _Worker:
    def __init__(self, settings_blob: bytes) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, settings_blob), daemon=True, name="dlpgate-scan"
        )
        self.process.start()
        self.generation = 0  # which policy set it runs (WorkerPool.generation)
        child.close()
        if not self.conn.poll(120) or self.conn.recv_bytes() != b"ready":
            self.kill()
            raise ScanFailed("worker did not start")

    async def call(self, job: bytes, timeout: float, budget: float | None = None,
                   journal: Lookup | None = None) -> ScanResult:
        """Send a job and wait for the reply on the event loop: no thread hop per message.

        `timeout` is what is left of the scan's `budget` (its `relay.scan_timeout`) once a
        worker was free; a timeout is reported against the budget, which the operator set.

        The pipe's file descriptor is watched with add_reader; a dead worker makes
        it readable too (EOF), so death and replies are noticed the same way.
        """
        loop = asyncio.get_running_loop()
        fd = self.conn.fileno()
        ready = loop.create_future()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            if len(job) > _INLINE_SEND:  # a large message: do not stall the loop copying it
                await loop.run_in_executor(None, self.conn.send_bytes, job)
            else:
                self.conn.send_bytes(job)
            await asyncio.wait_for(ready, timeout)
            status, value, looked = pickle.loads(self.conn.recv_bytes())
        except TimeoutError:
            raise ScanTimeout(f"scan exceeded {budget or timeout:g} s") from None
        except (EOFError, OSError):
            raise ScanFailed("scan worker died") from None
        finally:
            loop.remove_reader(fd)
        if journal is not None and looked is not None:
            journal.row, journal.error = looked
            journal.done = True
        if status != "ok":
            raise (StoreUnavailable if value == "StoreError" else ScanFailed)(
                f"scan raised {value}")
        return value

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """`await pool.run(raw, envelope, scan_id)`; `size` workers, `queue` waiting at most.

    `run(..., unread=reason)` decides on the message without reading it
    (`pipeline.Scanner.unread`), for one whose scan has failed too often: in a worker
    too, with the same budget, though it reads only the header block.
    `run(..., journal=Lookup(key))` has the worker read the message's delivery-journal row
    too, before it scans, into the Lookup."""

    def __init__(self, settings: Settings, size: int, queue: int,
                 policy: PolicySet | None = None) -> None:
        """`policy`: validated rules to scan with (None: load the configured ones)."""
        from dlpgate.policy.load import load_policy

        self.size = size
        self.queue = queue
        self.settings = settings
        policy = policy or load_policy(settings)
        self.policy = policy
        self.generation = 0
        self._blob = pickle.dumps((settings, policy))
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._waiting = 0
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="scan-start")
        self.restarts = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        workers = await asyncio.gather(
            *(loop.run_in_executor(self._threads, _Worker, self._blob) for _ in range(self.size))
        )
        for w in workers:
            self._idle.put_nowait(w)

    @property
    def waiting(self) -> int:
        return self._waiting

    async def run(self, raw: bytes, envelope: Envelope, scan_id: str, timeout: float,
                  unread: str = "", journal: Lookup | None = None) -> ScanResult:
        if self._idle.empty() and self._waiting >= self.queue:
            raise Overloaded()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._waiting += 1
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout)
        except TimeoutError:
            raise NoWorker("no worker free within the scan budget") from None
        finally:
            self._waiting -= 1
        stale = worker.generation != self.generation
        job = pickle.dumps((raw, envelope, scan_id, self.policy if stale else None, unread,
                            journal.key if journal is not None else ""),
                           protocol=pickle.HIGHEST_PROTOCOL)
        worker.generation = self.generation
        remaining = max(0.01, deadline - loop.time())
        task = spawn(worker.call(job, remaining, timeout, journal), name="scan")
        # The worker goes back (or is replaced) when its job ends, even if our caller
        # is cancelled meanwhile: a worker is never handed out while still busy.
        task.add_done_callback(lambda f: self._finished(worker, f))
        return await asyncio.shield(task)

    def reload(self, policy: PolicySet) -> None:
        """Use `policy` from the next scan on: each worker gets it with its next job.

        No worker restarts and no scan in flight is disturbed; workers started
        from now on start with it.
        """
        self.policy = policy
        self.generation += 1
        self._blob = pickle.dumps((self.settings, policy))

    def _finished(self, worker: _Worker, fut: asyncio.Future[ScanResult]) -> None:
        exc = None if fut.cancelled() else fut.exception()
        broken = isinstance(exc, ScanTimeout) or not worker.process.is_alive()
        if not broken and not isinstance(exc, (ScanFailed, type(None))):
            broken = True  # an unexpected error in the pipe handling: do not trust the worker
        if broken:
            worker.kill()
            self.restarts += 1
            spawn(self._replace(), name="replace-worker")
        else:
            self._idle.put_nowait(worker)

    async def _replace(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            generation = self.generation
            try:
                worker = await loop.run_in_executor(self._threads, _Worker, self._blob)
            except Exception:
                await asyncio.sleep(1)
                continue
            worker.generation = generation  # started with the blob of that generation
            self._idle.put_nowait(worker)
            return

    async def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().kill()
        self._threads.shutdown(wait=False, cancel_futures=True)


class InlineScanner:
    """Same interface, scanning in a thread of this process (`scan.workers: 0`)."""

    def __init__(self, settings: Settings, store: Any = None,
                 policy: PolicySet | None = None) -> None:
        from dlpgate.pipeline import Scanner

        self.scanner = Scanner(settings, store, policy)
        self.store = store
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="scan")
        self.restarts = 0
        self.waiting = 0

    async def start(self) -> None:
        return None

    async def run(self, raw: bytes, envelope: Envelope, scan_id: str, timeout: float,
                  unread: str = "", journal: Lookup | None = None) -> ScanResult:
        def scan() -> ScanResult:
            if journal is not None and self.store is not None:  # in the scan's thread hop
                journal.row, journal.error = _look(self.store, journal.key)
                journal.done = True
            if unread:
                return self.scanner.unread(raw, envelope, scan_id, unread)
            return self.scanner.scan(raw, envelope, scan_id)

        fut = asyncio.get_running_loop().run_in_executor(self._threads, scan)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise ScanTimeout(f"scan exceeded {timeout:g} s") from None
        except Exception as exc:
            raise (StoreUnavailable if isinstance(exc, StoreError) else ScanFailed)(
                f"scan raised {type(exc).__name__}") from None

    def reload(self, policy: PolicySet) -> None:
        self.scanner.policy = policy  # one attribute: a scan sees the old set or the new

    async def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
