"""Per-model figures accumulated over every task of a project: ``.loco/metrics.json``.

For each model: tasks run, how many completed, wall time, token counts, and
the same split by task type, so a user can see which model serves which kind
of task best. Cancelled tasks are not counted; they say nothing about a model.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from ..errors import StoreError
from ..models import Task, TaskStatus
from .atomic import write_atomic

logger = logging.getLogger("loco_nb")


@dataclass(frozen=True)
class ModelFigures:
    """Accumulated figures of one model."""

    model_id: str
    tasks: int
    completed: int
    seconds: float
    prompt_tokens: int
    completion_tokens: int
    by_type: dict[str, tuple[int, int]]

    @property
    def success_rate(self) -> float:
        return self.completed / self.tasks if self.tasks else 0.0

    @property
    def mean_seconds(self) -> float:
        return self.seconds / self.tasks if self.tasks else 0.0

    @property
    def tokens_per_second(self) -> float:
        """Output tokens per second of task time, prompt reading included."""
        return self.completion_tokens / self.seconds if self.seconds else 0.0


class MetricsStore:
    """Reads and updates one project's metrics file."""

    def __init__(self, project_dir: Path) -> None:
        self.path = project_dir / ".loco" / "metrics.json"

    def record(self, tasks: list[Task]) -> None:
        """Add the ended tasks to the figures. A failure to write is logged, not raised."""
        ended = [
            t for t in tasks if t.model_id and t.status in (TaskStatus.COMPLETED, TaskStatus.FAILED)
        ]
        if not ended:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.path) + ".lock"):
                data = self._read()
                for task in ended:
                    _add(data.setdefault("models", {}), task)
                write_atomic(self.path, json.dumps(data, indent=1).encode())
        except (OSError, StoreError) as exc:
            logger.warning("could not update the metrics in %s: %s", self.path, exc)

    def figures(self) -> list[ModelFigures]:
        """Return the figures of every model, most used first."""
        models = self._read().get("models", {})
        figures = [
            ModelFigures(
                model_id=model_id,
                tasks=int(raw.get("tasks", 0)),
                completed=int(raw.get("completed", 0)),
                seconds=float(raw.get("seconds", 0.0)),
                prompt_tokens=int(raw.get("prompt_tokens", 0)),
                completion_tokens=int(raw.get("completion_tokens", 0)),
                by_type={k: (int(v[0]), int(v[1])) for k, v in raw.get("by_type", {}).items()},
            )
            for model_id, raw in models.items()
        ]
        return sorted(figures, key=lambda f: f.tasks, reverse=True)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            msg = f"Metrics file {self.path} is unreadable ({exc}); move it away to start afresh."
            raise StoreError(msg, path=self.path) from exc

        models = data.get("models", {}) if isinstance(data, dict) else None
        if not isinstance(models, dict) or not all(isinstance(v, dict) for v in models.values()):
            msg = (
                f"Metrics file {self.path} does not map model ids to figures; "
                "move it away to start afresh."
            )
            raise StoreError(msg, path=self.path)
        return {**data, "models": models}


def _add(models: dict[str, Any], task: Task) -> None:
    entry = models.setdefault(str(task.model_id), {})
    completed = task.status == TaskStatus.COMPLETED
    seconds = 0.0
    if task.started_at and task.completed_at:
        seconds = max((task.completed_at - task.started_at).total_seconds(), 0.0)

    entry["tasks"] = entry.get("tasks", 0) + 1
    entry["completed"] = entry.get("completed", 0) + int(completed)
    entry["seconds"] = entry.get("seconds", 0.0) + seconds
    entry["prompt_tokens"] = entry.get("prompt_tokens", 0) + task.prompt_tokens
    entry["completion_tokens"] = entry.get("completion_tokens", 0) + task.completion_tokens
    done, total = entry.setdefault("by_type", {}).get(task.type.value, (0, 0))
    entry["by_type"][task.type.value] = (done + int(completed), total + 1)
