"""Moves the panel's work onto one thread and shows callback errors instead of losing them.

Requests run on the Assistant's loop thread, but the panel's widgets change
only on the thread of the event loop the panel was made on: in a kernel that
is ipykernel's own asyncio loop on the main thread. Callbacks queued while a
cell is executing run when that cell ends, because the kernel runs one cell
at a time on that thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, ParamSpec

from IPython import get_ipython

logger = logging.getLogger("loco_nb")

P = ParamSpec("P")


def show_error(where: str, error: BaseException | None = None) -> None:
    """Show ``error``, or the exception being handled, in IPython's traceback display.

    Outside IPython the error is logged with its traceback instead.
    """
    shell = get_ipython()
    if shell is not None:
        exc_tuple = (type(error), error, error.__traceback__) if error is not None else None
        shell.showtraceback(exc_tuple=exc_tuple)
    elif error is not None:
        logger.error("loco_nb panel: %s failed", where, exc_info=error)
    else:
        logger.exception("loco_nb panel: %s failed", where)


def guarded(callback: Callable[P, None]) -> Callable[P, None]:
    """Wrap a widget callback so that its exceptions reach :func:`show_error`."""

    @functools.wraps(callback)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            callback(*args, **kwargs)
        except Exception:
            show_error(getattr(callback, "__qualname__", repr(callback)))

    return run


class Dispatcher:
    """Runs callbacks on the thread that created it, through its running event loop.

    Created where no event loop runs (a plain script), it runs callbacks at
    once on the calling thread, one at a time.
    """

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        try:
            self.loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = None
        self._lock = threading.RLock()

    def call(self, callback: Callable[..., None], *args: Any) -> None:
        """Run ``callback(*args)`` on the panel's thread: now if already there, else queued."""
        if self.loop is None or threading.get_ident() == self.thread:
            self._run(callback, *args)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._run, callback, *args)
        else:
            logger.warning("loco_nb panel: the kernel's event loop is closed; dropped %r", callback)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` after ``seconds``; call this on the panel's thread only.

        Without an event loop nothing is scheduled.
        """
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_later(seconds, self._run, callback)

    def _run(self, callback: Callable[..., None], *args: Any) -> None:
        with self._lock:
            guarded(callback)(*args)
