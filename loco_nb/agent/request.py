"""One request from plan to answers: planning, running the tasks, recovering from servers.

The Assistant owns the session and saving; this module owns the work. Tasks
run through :class:`PlanRunner` on the model the router maps their size to.
When a server rejects structured output the model falls back to the OpenAI
``tools`` field, then to ``<tool>`` tags; when a server stops answering it is
marked down and the task moves to another server that has the size.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import LocoError, ModelError, ServerUnavailable
from ..llm.client import SCHEMA_WORDS, TOOLS_WORDS, rejects_feature
from ..llm.router import Router
from ..models import Message, ModelConfig, Task, ToolResult
from ..tools import ToolContext, ToolRegistry, project_files
from . import prompts
from .context import build_messages
from .events import EventSink, PlanCreated, Progress
from .grounding import path_notes
from .loop import Approver, TaskRuntime, run_task
from .planner import make_plan, needs_plan
from .runner import PlanRunner

logger = logging.getLogger("loco_nb")

ATTEMPTS = 4
MAX_FILE_CHOICES = 300


@dataclass
class Request:
    """Everything a request needs from the Assistant."""

    text: str
    choice: str | None
    router: Router
    registry: ToolRegistry
    settings: Settings
    project_dir: Path
    history: list[Message]
    emit: EventSink
    approve: Approver | None = None
    project_summary: str = ""
    answer_format: str = "markdown"
    results: list[ToolResult] = field(default_factory=list)
    errors: dict[str, BaseException] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    async def plan(self, force: bool | None) -> list[Task]:
        """Return the request's tasks; ``force`` True always plans, False never does."""
        self.notes = path_notes(self.text, self.project_dir)
        size = self.settings.default_size
        planner: ModelConfig | None = None
        if force or (force is None and needs_plan(self.text)):
            planner = await self.router.resolve(self.settings.planner_size.value, self._status)

        outcome = await make_plan(
            self.text,
            size,
            self.router.client(planner) if planner else None,
            planner,
            force=bool(force),
            context=self.project_summary,
        )
        if outcome.fallback_reason:
            self.emit(
                Progress(text=f"Planning failed, running one task: {outcome.fallback_reason}")
            )

        tasks = outcome.plan.to_tasks(self.text)
        self.tasks = {task.id: task for task in tasks}
        self.emit(PlanCreated(tasks=tuple(tasks)))
        return tasks

    async def run(self, tasks: list[Task]) -> None:
        """Run the tasks in dependency order; failures land in ``errors``."""
        runner = PlanRunner(tasks, self._run_one, self.emit, limit=self.settings.max_parallel)
        await runner.run()
        self.errors.update(runner.errors)

    async def _run_one(self, task: Task) -> str:
        calls_before = len(task.tool_calls)
        for _attempt in range(ATTEMPTS):
            del task.tool_calls[calls_before:]
            model = await self.router.resolve(self.choice or task.model_size.value, self._status)
            task.model_id = model.id
            runtime = self._runtime(model)
            protocol = (model.structured_output, model.native_tools)
            try:
                answer = await run_task(task, self._messages(task, model, runtime), runtime)
            except ModelError as exc:
                if not self._recover(model, protocol, exc):
                    raise
                continue
            self.results.extend(runtime.results)
            return answer

        msg = f"Task {task.id} could not reach a working model after {ATTEMPTS} attempts."
        raise LocoError(msg)

    def _recover(self, model: ModelConfig, protocol: tuple[bool, bool], error: ModelError) -> bool:
        """Adapt to a server's failure; return True if the task should run again.

        ``protocol`` is the model's (structured_output, native_tools) when the
        failed call was sent.
        """
        if isinstance(error, ServerUnavailable):
            if self.router.uses_embedded:
                logger.info("the embedded server stopped; starting it again")
                self.router.forget()
                return True
            return self.router.mark_down(model.endpoint, error)

        if not rejects_feature(error, SCHEMA_WORDS + TOOLS_WORDS):
            return False
        if (model.structured_output, model.native_tools) != protocol:
            # A concurrent task already moved this model to the next protocol during this call.
            return True
        if model.structured_output and rejects_feature(error, SCHEMA_WORDS):
            logger.info("%s rejected structured output; trying the tools field", model.endpoint)
            model.structured_output = False
            model.native_tools = self.settings.tool_protocol == "auto"
            return True
        if model.native_tools and rejects_feature(error, TOOLS_WORDS):
            logger.info("%s rejected the tools field; using <tool> tags", model.endpoint)
            model.native_tools = False
            return True
        return False

    def _messages(
        self, task: Task, model: ModelConfig, runtime: TaskRuntime
    ) -> list[dict[str, object]]:
        system = prompts.system_prompt(
            str(self.project_dir),
            runtime.context.file_choices,
            self.registry,
            constrained=model.structured_output,
            project_summary=self.project_summary,
        )
        return build_messages(system, self.history, self._input(task), model.context_length)

    def _input(self, task: Task) -> str:
        """Return the task's request, with the request as a whole and its dependencies' results."""
        notes = "".join(f"\nNote: {note}" for note in self.notes)
        if len(self.tasks) <= 1:
            return task.input + notes
        parts = [f"Overall request: {self.text}{notes}", f"Your task: {task.description}"]
        for dependency in task.dependencies:
            done = self.tasks[dependency]
            parts.append(f"Result of the earlier task '{done.description}':\n{done.output}")
        return "\n\n".join(parts)

    def _runtime(self, model: ModelConfig) -> TaskRuntime:
        files = project_files(self.project_dir)
        return TaskRuntime(
            client=self.router.client(model),
            model=model,
            registry=self.registry,
            context=ToolContext(
                root=self.project_dir,
                file_choices=files[:MAX_FILE_CHOICES],
                trash_dir=self.settings.home / "trash",
            ),
            emit=self.emit,
            approve=self.approve,
            max_steps=self.settings.max_steps,
            answer_format=self.answer_format,
        )

    def _status(self, text: str, done: int | None, total: int | None) -> None:
        self.emit(Progress(text=text, done=done, total=total))
