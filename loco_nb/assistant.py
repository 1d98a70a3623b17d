"""The Assistant facade that the magics, the panel, scripts and tests all drive."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ._background import BackgroundLoop
from .agent.events import Done, Event, EventSink, Progress
from .agent.loop import Approver
from .agent.request import Request
from .config import Settings, load_settings
from .errors import ConfigError, LocoError
from .llm.router import Router, ServerHealth
from .models import Message, ModelConfig, Role, Session, Task, TaskStatus, ToolResult
from .store.metrics import MetricsStore
from .store.sessions import SessionStore
from .tools import ToolRegistry, default_registry

logger = logging.getLogger("loco_nb")


class Assistant:
    """One project's assistant: config, store, tools, router and the current session.

    ``ask`` blocks until the answer is complete and returns the assistant
    message; ``ask_async`` is the same for code that already runs an event
    loop. Changes to files need approval: ``auto_approve=True`` grants it for
    every call, ``approver`` decides call by call, and without either every
    change is refused with a message that says how to allow it.
    """

    def __init__(
        self,
        project_dir: str | Path = ".",
        *,
        auto_approve: bool = False,
        approver: Approver | None = None,
        settings: Settings | None = None,
        registry: ToolRegistry | None = None,
    ) -> None:
        root = Path(project_dir).expanduser()
        if not root.is_dir():
            msg = f"Project folder {str(root)!r} does not exist or is not a folder."
            raise ConfigError(msg)
        self.project_dir = root.resolve()
        self.settings = settings or load_settings()
        self.auto_approve = auto_approve or self.settings.auto_approve
        self.approver = approver
        self.store = SessionStore(self.project_dir)
        self.metrics = MetricsStore(self.project_dir)
        self.registry = registry or default_registry()
        self.router = Router(self.settings)
        self._session: Session | None = None
        self._loop = BackgroundLoop()
        self._busy = threading.Lock()

    @property
    def session(self) -> Session:
        """The current session, created on first use."""
        if self._session is None:
            self._session = self.store.create()
        return self._session

    def new_session(self) -> Session:
        self._session = self.store.create()
        return self._session

    def switch(self, session_id: str) -> Session:
        self._session = self.store.load(session_id)
        return self._session

    def sessions(self) -> list[Session]:
        return self.store.list()

    def models(self, on_event: Callable[[Event], None] | None = None) -> list[ModelConfig]:
        """Return the models available, starting the embedded server if needed."""

        async def work(emit: EventSink) -> list[ModelConfig]:
            return await self.router.models(_status_sink(emit))

        return self._loop.run(work, on_event)

    def servers(self, on_event: Callable[[Event], None] | None = None) -> list[ServerHealth]:
        """Return each server with its health and models, starting the embedded one if needed."""

        async def work(emit: EventSink) -> list[ServerHealth]:
            return await self.router.health(_status_sink(emit))

        return self._loop.run(work, on_event)

    def ask(
        self,
        text: str,
        *,
        model: str | None = None,
        on_event: Callable[[Event], None] | None = None,
        auto_approve: bool | None = None,
        plan: bool | None = None,
    ) -> Message:
        """Answer ``text`` in the current session and return the assistant message.

        ``model`` is a size (XS … XL) or a model id. ``on_event`` receives
        every event on the calling thread while the work runs. ``plan`` True
        always asks the planner to split the request, False never does, and
        None lets requests that read as several steps be planned.
        """

        async def work(emit: EventSink) -> Message:
            return await self.ask_async(
                text, model=model, emit=emit, auto_approve=auto_approve, plan=plan
            )

        return self._loop.run(work, on_event)

    async def ask_async(
        self,
        text: str,
        *,
        model: str | None = None,
        emit: EventSink | None = None,
        auto_approve: bool | None = None,
        plan: bool | None = None,
    ) -> Message:
        """Run one request; see :meth:`ask`."""
        if not text or not text.strip():
            msg = "The request is empty; write a question or an instruction."
            raise ValueError(msg)
        if not self._busy.acquire(blocking=False):
            msg = "Another request is running in this assistant; wait for it or stop it."
            raise LocoError(msg)
        try:
            return await self._answer(text.strip(), model, emit or _ignore, auto_approve, plan)
        finally:
            self._busy.release()

    def export(self, path: str | Path | None = None, session_id: str | None = None) -> Path:
        """Write a session (the current one by default) as a notebook and return its path."""
        from .jupyter.export import export_session

        session = self.store.load(session_id) if session_id else self.session
        target = Path(path) if path else self.project_dir / f"{session.id}.ipynb"
        return export_session(session, target)

    def close(self) -> None:
        """Close the HTTP clients and stop the embedded server if this process started it."""
        try:
            self._loop.call(self.router.aclose())
        finally:
            self._loop.close()
            self.router.embedded.stop()

    async def _answer(
        self,
        text: str,
        choice: str | None,
        emit: EventSink,
        auto_approve: bool | None,
        plan: bool | None,
    ) -> Message:
        session = self.session
        request = Request(
            text=text,
            choice=choice,
            router=self.router,
            registry=self.registry,
            settings=self.settings,
            project_dir=self.project_dir,
            history=list(session.messages),
            emit=emit,
            approve=self._approver(auto_approve),
        )
        session.messages.append(Message(role=Role.USER, content=text))
        self.store.save(session)

        tasks: list[Task] = []
        try:
            tasks = await request.plan(plan)
            session.tasks.extend(tasks)
            await request.run(tasks)
            return self._finish(session, tasks, request.errors, request.results, emit)
        finally:
            self.store.save(session)
            self.metrics.record(tasks)

    def _approver(self, auto_approve: bool | None) -> Approver | None:
        if auto_approve if auto_approve is not None else self.auto_approve:
            return lambda call: True
        return self.approver

    def _finish(
        self,
        session: Session,
        tasks: list[Task],
        errors: dict[str, BaseException],
        results: list[ToolResult],
        emit: EventSink,
    ) -> Message:
        final = [t for t in tasks if not any(t.id in other.dependencies for other in tasks)]
        failed = [t for t in final if t.status != TaskStatus.COMPLETED]
        if failed:
            error = errors.get(failed[0].id)
            if error is not None:
                raise error
            msg = f"Task {failed[0].id} did not complete: {failed[0].error}"
            raise LocoError(msg)

        message = Message(
            role=Role.ASSISTANT,
            content="\n\n".join(t.output for t in final),
            tool_calls=[call for t in tasks for call in t.tool_calls],
            tool_results=results,
            task_ids=[t.id for t in tasks],
        )
        session.messages.append(message)
        session.model = final[-1].model_id
        emit(Done(message=message))
        return message


def _status_sink(emit: EventSink) -> Callable[[str, int | None, int | None], None]:
    def status(text: str, done: int | None, total: int | None) -> None:
        emit(Progress(text=text, done=done, total=total))

    return status


def _ignore(event: Event) -> None:
    del event
