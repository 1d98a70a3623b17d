"""The Assistant facade that the magics, the panel, scripts and tests all drive."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ._background import BackgroundLoop
from .agent.events import Done, Event, EventSink, Progress
from .agent.loop import Approver
from .agent.project import analyze_project, current_context, prompt_summary
from .agent.prompts import ANSWER_FORMATS
from .agent.request import Request
from .config import Settings, load_settings
from .errors import ConfigError, LocoError, StoreError
from .llm.router import Router, ServerHealth
from .models import (
    Message,
    ModelConfig,
    ProjectContext,
    Role,
    Session,
    Task,
    TaskStatus,
    ToolResult,
)
from .store.index import SearchHit
from .store.metrics import MetricsStore
from .store.project import ProjectCache
from .store.sessions import TRASH_LABEL, SessionListing, SessionStore
from .store.trash import TrashEntry, list_trash, restore
from .tools import ApprovalPolicy, ToolRegistry, default_registry

logger = logging.getLogger("loco_nb")

T = TypeVar("T")


@dataclass(frozen=True)
class AskOptions:
    """Options of one request; each overrides the settings for that request only."""

    model: str | None = None
    auto_approve: bool | None = None
    plan: bool | None = None
    tools: bool = True
    answer_format: str = "markdown"
    base_url: str | None = None

    def __post_init__(self) -> None:
        if self.answer_format not in ANSWER_FORMATS:
            formats = ", ".join(ANSWER_FORMATS)
            msg = f"Unknown answer format {self.answer_format!r}; use one of: {formats}."
            raise ValueError(msg)


class Assistant:
    """One project's assistant: config, store, tools, router and the current session.

    ``ask`` blocks until the answer is complete and returns the assistant
    message; ``ask_async`` is the same for code that already runs an event
    loop. Changes to files and commands need approval: ``auto_approve=True``
    grants it for every call except commands, ``approver`` decides call by
    call, and ``ask_user=True`` sends an ``ApprovalRequested`` event for the
    front end to answer. Without any of these every change is refused with a
    message that says how to allow it.
    """

    def __init__(
        self,
        project_dir: str | Path = ".",
        *,
        auto_approve: bool = False,
        approver: Approver | None = None,
        ask_user: bool = False,
        settings: Settings | None = None,
        registry: ToolRegistry | None = None,
    ) -> None:
        root = Path(project_dir).expanduser()
        if not root.is_dir():
            msg = f"Project folder {str(root)!r} does not exist or is not a folder."
            raise ConfigError(msg)
        self.project_dir = root.resolve()
        self.settings = settings or load_settings(self.project_dir)
        self.auto_approve = auto_approve or self.settings.auto_approve
        self.approver = approver
        self.ask_user = ask_user
        # Approval keys the user allowed "always for this session", by session id, in memory only.
        self._allowed: dict[str, set[str]] = {}
        self.store = SessionStore(self.project_dir)
        self.metrics = MetricsStore(self.project_dir)
        self.registry = registry or default_registry()
        self.router = Router(self.settings)
        self._session: Session | None = None
        self._loop = BackgroundLoop()
        self._busy = threading.Lock()
        # Each listener gets every event of every request on the assistant's loop thread;
        # the panel listens here, so questions asked in cells reach it too.
        self.listeners: list[EventSink] = []

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
        on_event: Callable[[Event], None] | None = None,
        **options: Any,
    ) -> Message:
        """Answer ``text`` in the current session and return the assistant message.

        ``on_event`` receives every event on the calling thread while the
        work runs. The options are those of :class:`AskOptions`: ``model`` (a
        size XS … XL or a model id), ``auto_approve``, ``plan`` (True always
        plans, False never, None plans requests that read as several steps),
        ``tools``, ``answer_format`` and ``base_url`` for this request only.
        """

        async def work(emit: EventSink) -> Message:
            return await self.ask_async(text, emit=emit, **options)

        return self._loop.run(work, on_event)

    async def ask_async(
        self, text: str, *, emit: EventSink | None = None, **options: Any
    ) -> Message:
        """Run one request; see :meth:`ask`."""
        emit = self._with_listeners(emit)
        chosen = AskOptions(**options)
        if not text or not text.strip():
            msg = "The request is empty; write a question or an instruction."
            raise ValueError(msg)
        if not self._busy.acquire(blocking=False):
            msg = "Another request is running in this assistant; wait for it or stop it."
            raise LocoError(msg)
        try:
            return await self._answer(text.strip(), chosen, emit or _ignore)
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

    def run_soon(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coroutine`` on the assistant's loop thread and return its future at once.

        Front ends that must not block, such as the panel, run :meth:`ask_async`
        this way, because the HTTP clients belong to that loop.
        """
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop.loop)

    def _with_listeners(self, emit: EventSink | None) -> EventSink | None:
        if not self.listeners:
            return emit

        def broadcast(event: Event) -> None:
            if emit is not None:
                emit(event)
            for listener in list(self.listeners):
                try:
                    listener(event)
                except Exception:
                    # A broken observer must not fail the request it watches.
                    logger.exception("event listener %r failed on %s", listener, event)

        return broadcast

    async def _answer(self, text: str, options: AskOptions, emit: EventSink) -> Message:
        session = self.session
        router = self.router
        if options.base_url is not None:
            router = Router(router.settings.for_server(options.base_url))
        request = Request(
            text=text,
            choice=options.model,
            router=router,
            registry=self.registry if options.tools else ToolRegistry(),
            settings=router.settings,
            project_dir=self.project_dir,
            history=list(session.messages),
            emit=emit,
            approve=self._approver(options.auto_approve),
            answer_format=options.answer_format,
            project_summary=self._project_summary(),
        )
        session.messages.append(Message(role=Role.USER, content=text))
        self.store.save(session)

        tasks: list[Task] = []
        try:
            tasks = await request.plan(options.plan)
            session.tasks.extend(tasks)
            await request.run(tasks)
            return self._finish(session, tasks, request.errors, request.results, emit)
        except (Exception, asyncio.CancelledError) as exc:
            # The session records that this question got no answer, and why.
            reason = "stopped by the user" if isinstance(exc, asyncio.CancelledError) else str(exc)
            session.messages.append(
                Message(
                    role=Role.ASSISTANT,
                    error=reason,
                    tool_results=request.results,
                    task_ids=[t.id for t in tasks],
                )
            )
            raise
        finally:
            self.store.save(session)
            self.metrics.record(tasks)
            if router is not self.router:
                await router.aclose()

    def _approver(self, auto_approve: bool | None) -> ApprovalPolicy:
        return ApprovalPolicy(
            auto=auto_approve if auto_approve is not None else self.auto_approve,
            approver=self.approver,
            ask_user=self.ask_user,
            allowed=self._allowed.setdefault(self.session.id, set()),
        )

    def _finish(
        self,
        session: Session,
        tasks: list[Task],
        errors: dict[str, BaseException],
        results: list[ToolResult],
        emit: EventSink,
    ) -> Message:
        final = [t for t in tasks if not any(t.id in other.dependencies for other in tasks)]
        completed = [t for t in final if t.status == TaskStatus.COMPLETED]
        failed = [t for t in final if t.status != TaskStatus.COMPLETED]
        if not completed:
            error = errors.get(failed[0].id)
            if error is not None:
                raise error
            msg = f"Task {failed[0].id} did not complete: {failed[0].error}"
            raise LocoError(msg)

        # Independent results that did complete are answers too; failures are named beside them.
        notes = [f"*The task “{t.description}” did not complete: {t.error}*" for t in failed]
        message = Message(
            role=Role.ASSISTANT,
            content="\n\n".join([t.output for t in completed] + notes),
            tool_calls=[call for t in tasks for call in t.tool_calls],
            tool_results=results,
            task_ids=[t.id for t in tasks],
            error="; ".join(f"{t.description}: {t.error}" for t in failed) or None,
        )
        session.messages.append(message)
        session.model = completed[-1].model_id
        emit(Done(message=message))
        return message

    # Sessions, the trash, notebooks and the project context, for %loco and the panel.

    @property
    def current_session_id(self) -> str | None:
        """The id of the current session, or None before the first request creates one."""
        return self._session.id if self._session is not None else None

    @property
    def trash_dir(self) -> Path:
        return self.settings.home / "trash"

    def session_summaries(self) -> SessionListing:
        """List the project's sessions from the index, newest first, without parsing them."""
        return self.store.summaries()

    def rename_session(self, title: str, session_id: str | None = None) -> Session:
        """Give a session (the current one by default) a new title and return it."""
        target = session_id or self.session.id
        renamed = self.store.rename(target, title)
        if self._session is not None and self._session.id == target:
            self._session.title = renamed.title
        return renamed

    def delete_sessions(self, session_ids: list[str]) -> TrashEntry:
        """Move sessions to the trash; deleting the current one starts a new one on next use."""
        entry = self.store.delete(session_ids, self.trash_dir)
        if self.current_session_id in session_ids:
            self._session = None
        return entry

    def trash(self) -> list[TrashEntry]:
        return list_trash(self.trash_dir)

    def restore_from_trash(self, name: str | None = None) -> tuple[TrashEntry, list[Path]]:
        """Move the trash entry ``name`` back, or the newest deletion of sessions."""
        entries = self.trash()
        if name:
            chosen = [entry for entry in entries if entry.folder.name == name]
        else:
            chosen = [entry for entry in entries if entry.label == TRASH_LABEL][:1]
        if not chosen:
            what = f"no entry named {name!r}" if name else "no deleted sessions"
            msg = f"The trash in {self.trash_dir} has {what}; %loco trash lists what it holds."
            raise StoreError(msg, path=self.trash_dir)
        return chosen[0], restore(chosen[0])

    def export_sessions(
        self,
        session_ids: list[str] | None = None,
        *,
        all_sessions: bool = False,
        include_tools: bool = True,
        output: Path | None = None,
    ) -> list[tuple[str, Path]]:
        """Write sessions as notebooks: the current one, ``session_ids``, or all of them.

        ``output`` is the notebook for one session or the folder for several;
        by default each goes to ``<session id>.ipynb`` in the project folder.
        Returns each session id with the path written.
        """
        from .jupyter.export import export_session

        sessions = self._sessions_to_export(session_ids, all_sessions)
        several = all_sessions or len(sessions) > 1
        if several and output is not None and output.suffix == ".ipynb":
            msg = f"{len(sessions)} sessions need a folder to go to, not the notebook {output}."
            raise StoreError(msg, path=output)

        written = []
        for session in sessions:
            if output is None:
                target = self.project_dir / f"{session.id}.ipynb"
            elif several:
                target = output / f"{session.id}.ipynb"
            else:
                target = output
            path = export_session(session, target, include_tools=include_tools)
            written.append((session.id, path))
        return written

    def import_notebook(self, path: Path) -> Session:
        """Turn the notebook at ``path`` into a new session and make it the current one."""
        from .jupyter.importer import notebook_to_session, read_notebook

        notebook = read_notebook(path)
        reserved = self.store.create()
        session = notebook_to_session(notebook, reserved.id, path.name)
        self.store.save(session)
        self._session = session
        return session

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Return the messages and titles of this project's sessions that match ``text``."""
        return self.store.search(text, limit)

    def project_context(self) -> ProjectContext:
        """Return the project context, scanned again if the project's files changed."""
        return current_context(self.project_dir, ProjectCache(self.project_dir))

    def analyze_project(
        self, model: str | None = None, on_event: Callable[[Event], None] | None = None
    ) -> ProjectContext:
        """Scan the project again and have ``model`` (a size or an id) describe it."""

        async def work(emit: EventSink) -> ProjectContext:
            return await analyze_project(self.project_dir, self.router, model, _status_sink(emit))

        return self._loop.run(work, on_event)

    def _sessions_to_export(
        self, session_ids: list[str] | None, all_sessions: bool
    ) -> list[Session]:
        if all_sessions:
            return self.store.list()
        if not session_ids:
            return [self.session]

        sessions = []
        for session_id in session_ids:
            current = session_id == self.current_session_id
            sessions.append(self.session if current else self.store.load(session_id))
        return sessions

    def _project_summary(self) -> str:
        # A project folder that cannot be scanned or cached must not stop a request.
        try:
            return prompt_summary(self.project_context())
        except LocoError as exc:
            logger.warning("no project context for this request: %s", exc)
            return ""


def _status_sink(emit: EventSink) -> Callable[[str, int | None, int | None], None]:
    def status(text: str, done: int | None, total: int | None) -> None:
        emit(Progress(text=text, done=done, total=total))

    return status


def _ignore(event: Event) -> None:
    del event
