"""A connection pool that hands connections out first come, first served.

SQLAlchemy's asyncio pool keeps its connections in an asyncio.Queue: a returned connection
wakes the longest waiter, but any press that asks before that waiter runs takes it instead, and
the waiter goes back to the end of the line. With SQLite's one connection and statements run on
the loop's thread (storage/sqlite_inline.py) a press could be overtaken again and again: at 8
chronology pages in flight one waited 3 s for a median of 90 ms (bench, issue 16). Here a
returned connection goes straight to the longest waiter, and nobody takes a connection while
anyone waits.
"""

import asyncio
from collections import deque
from typing import Generic, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_
from sqlalchemy.util.queue import Empty, Full, QueueCommon

T = TypeVar("T")


class FairQueue(QueueCommon[T], Generic[T]):
    """The pool's queue: connections handed to waiters in the order they asked."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo  # kept for the interface; first come, first served regardless
        self._items: deque[T] = deque()
        self._waiters: deque[asyncio.Future[T]] = deque()

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._items)

    def qsize(self) -> int:
        return len(self._items)

    def put_nowait(self, item: T) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._items.append(item)

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool returns connections without blocking

    def get_nowait(self) -> T:
        # While anyone waits every returned connection goes to a waiter, so items are free.
        if not self._items:
            raise Empty()
        return self._items.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        if self._items or not block:
            return self.get_nowait()
        return await_(self._wait(timeout))

    async def _wait(self, seconds: float | None) -> T:
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(seconds):
                return await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over just as we gave up: pass it on
            else:
                waiter.cancel()
            if isinstance(error, TimeoutError):
                raise Empty() from error
            raise


class FairPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio pool with FairQueue (create_async_engine(poolclass=FairPool))."""

    _queue_class = FairQueue
    # Logged under SQLAlchemy's namespace, which is quiet below WARNING (not under storage.*).
    _sqla_logger_namespace = "sqlalchemy.pool.impl.FairPool"
