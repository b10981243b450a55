"""The batched writers: rows reach the store in batches, survive a store failure, flush at close."""

from __future__ import annotations

import asyncio

from dlpgate.record import Batcher
from dlpgate.store.base import StoreError


def test_rows_are_written_in_one_batch_and_kept_when_the_store_fails():
    written: list[list[int]] = []
    fail = {"on": True}

    def write(rows):
        if fail["on"]:
            raise StoreError("disk full")
        written.append(list(rows))

    async def scenario():
        b = Batcher(write, "test", interval=0.01)
        b.add_all([1, 2, 3])
        await asyncio.sleep(0.05)  # the first flush fails: rows stay queued
        assert written == []
        fail["on"] = False
        b.add(4)
        await b.close()

    asyncio.run(scenario())
    assert written == [[1, 2, 3, 4]]


def test_memory_is_bounded_while_the_store_is_down():
    b = Batcher(lambda rows: None, "test", max_pending=2)

    async def scenario():
        b.add_all([1, 2, 3])
        await b.close()

    asyncio.run(scenario())
    assert b.dropped == 1
