"""A request's work plan: tasks with types, sizes and dependencies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..models import ModelSize, Task, TaskType, new_task_id


class PlannedTask(BaseModel):
    """One step of a plan, as the planner proposes it."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="Short name other steps use to depend on this one.")
    type: TaskType
    description: str = Field(min_length=1)
    size: ModelSize = ModelSize.M
    dependencies: list[str] = Field(default_factory=list)


class WorkPlan(BaseModel):
    """The tasks of one request. Validation rejects unknown dependencies and cycles."""

    model_config = ConfigDict(extra="forbid")

    tasks: list[PlannedTask] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_graph(self) -> WorkPlan:
        keys = [t.key for t in self.tasks]
        if len(set(keys)) != len(keys):
            msg = f"task keys repeat: {keys}"
            raise ValueError(msg)

        for task in self.tasks:
            unknown = [d for d in task.dependencies if d not in keys]
            if unknown:
                msg = f"task {task.key!r} depends on unknown tasks {unknown}"
                raise ValueError(msg)
        _check_acyclic({t.key: t.dependencies for t in self.tasks})
        return self

    @classmethod
    def single(cls, request: str, size: ModelSize) -> WorkPlan:
        """Return the plan of a request that needs one step."""
        return cls(
            tasks=[PlannedTask(key="answer", type=TaskType.ANSWER, description=request, size=size)]
        )

    def to_tasks(self, request: str) -> list[Task]:
        """Create stored tasks, mapping plan keys to task ids."""
        ids = {planned.key: new_task_id() for planned in self.tasks}
        return [
            Task(
                id=ids[planned.key],
                type=planned.type,
                description=planned.description,
                model_size=planned.size,
                input=request if len(self.tasks) == 1 else planned.description,
                dependencies=[ids[d] for d in planned.dependencies],
            )
            for planned in self.tasks
        ]


def _check_acyclic(graph: dict[str, list[str]]) -> None:
    state: dict[str, int] = {}

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            cycle = " -> ".join([*path[path.index(key) :], key])
            msg = f"the plan has a cycle: {cycle}"
            raise ValueError(msg)
        state[key] = 1
        for dependency in graph[key]:
            visit(dependency, [*path, key])
        state[key] = 2

    for key in graph:
        visit(key, [])
