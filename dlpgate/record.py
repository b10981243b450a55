"""record: the decision log, written in batches off the reply path.

A held message is committed before its 250 (act stage). The decision log is
not what keeps mail safe, so it does not make each client wait for its own
fsync: records queue here and a background task writes them a batch per
transaction. A crash loses at most the last `interval` of log rows, never mail;
a graceful stop flushes everything.
"""

from __future__ import annotations

import asyncio

from dlpgate import obs
from dlpgate.store.base import DecisionRecord, Store, StoreError
from dlpgate.workers import spawn

log = obs.logger("dlpgate.record")


class DecisionLog:
    def __init__(self, store: Store, interval: float = 0.1, max_pending: int = 10_000) -> None:
        self.store = store
        self.interval = interval
        self.max_pending = max_pending
        self._pending: list[DecisionRecord] = []
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def add(self, record: DecisionRecord) -> None:
        if len(self._pending) >= self.max_pending:  # the store is down for long: bound memory
            self.dropped += 1
            return
        self._pending.append(record)
        if self._task is None or self._task.done():
            self._task = spawn(self._flush_soon(), name="decision-log")

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.interval)
        await self.flush()

    async def flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await asyncio.to_thread(self.store.record_decisions, batch)
        except StoreError:
            log.error("store_failed", stage="decision-log", rows=len(batch))
            self._pending[:0] = batch[: self.max_pending - len(self._pending)]

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        await self.flush()
