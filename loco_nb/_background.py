"""A private event loop on a daemon thread, so blocking callers can run async work.

Jupyter kernels already run an asyncio loop on the main thread, which rules
out ``asyncio.run`` inside a cell. Work runs on this loop instead while the
calling thread renders events; Ctrl-C in the caller cancels the work and
waits until it has saved what it had.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .agent.events import Event

T = TypeVar("T")

CANCEL_GRACE = 30.0


class BackgroundLoop:
    """An asyncio loop on its own thread, started on first use."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="loco_nb-loop", daemon=True
                )
                self._thread.start()
            return self._loop

    def run(
        self,
        work: Callable[[Callable[[Event], None]], Coroutine[Any, Any, T]],
        on_event: Callable[[Event], None] | None = None,
    ) -> T:
        """Run ``work(emit)`` on the loop and deliver its events on the calling thread.

        If the caller is interrupted, or ``on_event`` raises, the work is
        cancelled, allowed to finish its clean-up, and the exception re-raised.
        """
        events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        finished = threading.Event()

        async def wrapper() -> T:
            try:
                return await work(events.put)
            finally:
                finished.set()

        future = asyncio.run_coroutine_threadsafe(wrapper(), self.loop)
        try:
            while not (finished.is_set() and events.empty()):
                try:
                    event = events.get(timeout=0.05)
                except queue.Empty:
                    continue
                if on_event is not None:
                    on_event(event)
        except BaseException:
            future.cancel()
            finished.wait(CANCEL_GRACE)
            raise
        return future.result()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        """Stop the loop, wait for its thread and close it."""
        with self._lock:
            loop, self._loop = self._loop, None
            thread, self._thread = self._thread, None
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=CANCEL_GRACE)
        if not loop.is_running():
            loop.close()
