"""Approvals: whether a tool call that changes files or runs a command may run.

:class:`ApprovalPolicy` decides in this order: a call the user already
allowed "always for this session" runs; auto-approve (``--yes``, the
setting) lets through every tool except those that ask each time
(run_command); an approver function decides when one is given; when the
front end answers approvals, an :class:`ApprovalRequest` goes out as an
event and the call waits for its buttons, or for code calling
:meth:`ApprovalRequest.approve`; with none of these the call is denied.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from enum import Enum

from ..models import ToolCall

logger = logging.getLogger("loco_nb")

Approver = Callable[[ToolCall], "bool | Awaitable[bool]"]


class Verdict(str, Enum):
    """The outcome of an approval, recorded on the tool result."""

    APPROVED = "approved"
    DENIED = "denied"
    ALWAYS = "always"
    AUTO = "auto"


class ApprovalRequest:
    """A tool call waiting for the user's decision.

    ``preview`` shows what the call would do (a diff, a command line).
    :meth:`approve`, :meth:`deny` and :meth:`always` may be called from any
    thread; the first decision counts and later ones are ignored.
    """

    def __init__(
        self, call: ToolCall, *, key: str, preview: str = "", auto_approvable: bool = True
    ) -> None:
        self.call = call
        self.key = key
        self.preview = preview
        self.auto_approvable = auto_approvable
        self._verdict: Verdict | None = None
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[ApprovalRequest], None]] = []

    def __repr__(self) -> str:
        state = self._verdict.value if self._verdict else "pending"
        return f"<ApprovalRequest {self.call.name} {state}>"

    @property
    def verdict(self) -> Verdict | None:
        return self._verdict

    @property
    def decided(self) -> bool:
        return self._verdict is not None

    def approve(self) -> None:
        """Let this call run."""
        self._decide(Verdict.APPROVED)

    def deny(self) -> None:
        """Deny this call; the model receives the denial as a tool error it can act on."""
        self._decide(Verdict.DENIED)

    def always(self) -> None:
        """Let this call run, and the same kind of call for the rest of the session."""
        self._decide(Verdict.ALWAYS)

    def on_decided(self, callback: Callable[[ApprovalRequest], None]) -> None:
        """Call ``callback(request)`` once decided, at once if that has happened already."""
        with self._lock:
            if self._verdict is None:
                self._callbacks.append(callback)
                return
        callback(self)

    async def wait(self) -> Verdict:
        """Wait for the decision; cancelling the wait denies the request."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Verdict] = loop.create_future()

        def wake(request: ApprovalRequest) -> None:
            loop.call_soon_threadsafe(_settle, future, request.verdict)

        self.on_decided(wake)
        try:
            return await future
        except asyncio.CancelledError:
            self.deny()
            raise

    def _decide(self, verdict: Verdict) -> None:
        with self._lock:
            if self._verdict is not None:
                return
            self._verdict = verdict
            callbacks, self._callbacks = self._callbacks, []
        logger.info("%s %s", self.call.name, verdict.value)
        for callback in callbacks:
            callback(self)


class ApprovalPolicy:
    """Decides, for one request of the user, whether a call that changes something may run.

    ``allowed`` contains the approval keys the user allowed for the session and
    grows when they answer "always"; pass the same set to every request of
    a session.
    """

    def __init__(
        self,
        *,
        auto: bool = False,
        approver: Approver | None = None,
        ask_user: bool = False,
        allowed: set[str] | None = None,
    ) -> None:
        self.auto = auto
        self.approver = approver
        self.ask_user = ask_user
        self.allowed = allowed if allowed is not None else set()

    @classmethod
    def of(cls, approver: Approver | ApprovalPolicy | None) -> ApprovalPolicy:
        """Return ``approver`` as a policy: a plain function decides every call itself."""
        if isinstance(approver, ApprovalPolicy):
            return approver
        return cls(approver=approver)

    async def __call__(self, call: ToolCall) -> bool:
        """Decide a call known only by name, as an :data:`Approver` would."""
        request = ApprovalRequest(call, key=call.name)
        return await self.decide(request, _no_front_end) is not Verdict.DENIED

    async def decide(
        self, request: ApprovalRequest, announce: Callable[[ApprovalRequest], None]
    ) -> Verdict:
        """Return the verdict on ``request``; ``announce`` shows it to the user when asked."""
        if request.key in self.allowed:
            return Verdict.ALWAYS
        if self.auto and request.auto_approvable:
            return Verdict.AUTO
        if self.approver is not None:
            answer = self.approver(request.call)
            if inspect.isawaitable(answer):
                answer = await answer
            return Verdict.APPROVED if answer else Verdict.DENIED
        if not self.ask_user:
            return Verdict.DENIED

        announce(request)
        verdict = await request.wait()
        if verdict is Verdict.ALWAYS:
            self.allowed.add(request.key)
        return verdict

    def denial(self, request: ApprovalRequest) -> str:
        """Return the message a denied call gets: what happened and how the user can allow it."""
        call = request.call.name
        if self.ask_user and self.approver is None:
            return (
                f"The user did not approve {call}, so it did not run. Do not repeat the call; "
                "answer with what you would have done, or ask the user."
            )
        if not request.auto_approvable:
            return (
                f"{call} needs the user's approval every time and there was no one to ask; "
                "run it in a %%loco cell, where it shows Approve and Deny buttons."
            )
        return (
            f"{call} changes files and was not approved. To allow it, pass --yes to "
            "%%loco, or create the Assistant with auto_approve=True."
        )


def _settle(future: asyncio.Future[Verdict], verdict: Verdict | None) -> None:
    if not future.done():
        future.set_result(verdict or Verdict.DENIED)


def _no_front_end(request: ApprovalRequest) -> None:
    del request
