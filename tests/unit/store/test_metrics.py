"""Unit tests of loco_nb.store.metrics: per-model figures in .loco/metrics.json."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from loco_nb.errors import StoreError
from loco_nb.models import Task, TaskStatus, TaskType, utc_now
from loco_nb.store.metrics import MetricsStore


def _task(
    model_id: str | None = "coder-7b",
    status: TaskStatus = TaskStatus.COMPLETED,
    task_type: TaskType = TaskType.ANSWER,
    seconds: float = 2.0,
    prompt_tokens: int = 100,
    completion_tokens: int = 40,
) -> Task:
    started = utc_now()
    return Task(
        id=f"task_{model_id}_{status.value}",
        type=task_type,
        status=status,
        model_id=model_id,
        started_at=started,
        completed_at=started + timedelta(seconds=seconds),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


@pytest.fixture
def store(tmp_path: Path) -> MetricsStore:
    return MetricsStore(tmp_path)


def test_no_file_no_figures(store: MetricsStore) -> None:
    assert store.figures() == []


def test_record_writes_file(store: MetricsStore, tmp_path: Path) -> None:
    store.record([_task()])

    assert store.path == tmp_path / ".loco" / "metrics.json"
    assert store.path.exists()


def test_record_counts_one_task(store: MetricsStore) -> None:
    store.record([_task(seconds=2.0, prompt_tokens=100, completion_tokens=40)])

    [figures] = store.figures()
    assert figures.model_id == "coder-7b"
    assert figures.tasks == 1
    assert figures.completed == 1
    assert figures.seconds == pytest.approx(2.0)
    assert figures.prompt_tokens == 100
    assert figures.completion_tokens == 40


def test_figures_accumulate_across_records(store: MetricsStore) -> None:
    store.record([_task(seconds=1.0)])
    store.record([_task(seconds=3.0)])

    [figures] = store.figures()
    assert figures.tasks == 2
    assert figures.mean_seconds == pytest.approx(2.0)


def test_tokens_per_second(store: MetricsStore) -> None:
    store.record([_task(seconds=4.0, completion_tokens=100)])

    [figures] = store.figures()
    assert figures.tokens_per_second == pytest.approx(25.0)


def test_failed_lowers_success_rate(store: MetricsStore) -> None:
    store.record([_task(), _task(status=TaskStatus.FAILED)])

    [figures] = store.figures()
    assert figures.tasks == 2
    assert figures.completed == 1
    assert figures.success_rate == pytest.approx(0.5)


def test_cancelled_not_counted(store: MetricsStore) -> None:
    store.record([_task(status=TaskStatus.CANCELLED)])

    assert store.figures() == []
    assert not store.path.exists()


def test_task_without_model_skipped(store: MetricsStore) -> None:
    # A task failed by its dependency never ran on a model.
    store.record([_task(model_id=None, status=TaskStatus.FAILED)])

    assert store.figures() == []


def test_pending_not_counted(store: MetricsStore) -> None:
    store.record([_task(status=TaskStatus.PENDING), _task()])

    [figures] = store.figures()
    assert figures.tasks == 1


def test_split_by_task_type(store: MetricsStore) -> None:
    store.record(
        [
            _task(task_type=TaskType.SEARCH),
            _task(task_type=TaskType.SEARCH, status=TaskStatus.FAILED),
            _task(task_type=TaskType.ANSWER),
        ]
    )

    [figures] = store.figures()
    assert figures.by_type == {"search": (1, 2), "answer": (1, 1)}


def test_split_by_model(store: MetricsStore) -> None:
    store.record([_task(model_id="small-0.5b"), _task(model_id="big-14b")])
    store.record([_task(model_id="big-14b")])

    figures = store.figures()
    assert [f.model_id for f in figures] == ["big-14b", "small-0.5b"]
    assert [f.tasks for f in figures] == [2, 1]


def test_missing_times_count_zero_seconds(store: MetricsStore) -> None:
    task = _task()
    task.started_at = None

    store.record([task])

    [figures] = store.figures()
    assert figures.seconds == 0.0
    assert figures.tokens_per_second == 0.0


def test_file_is_json(store: MetricsStore) -> None:
    store.record([_task(task_type=TaskType.CODE)])

    data = json.loads(store.path.read_text())
    assert data["models"]["coder-7b"]["by_type"] == {"code": [1, 1]}


def test_corrupt_file_raises_on_read(store: MetricsStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json")

    with pytest.raises(StoreError) as caught:
        store.figures()

    assert str(store.path) in str(caught.value)
    assert "move it away" in str(caught.value)


def test_corrupt_file_kept_on_record(
    store: MetricsStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json")
    caplog.set_level(logging.WARNING, logger="loco_nb")

    store.record([_task()])

    assert store.path.read_text() == "{not json"
    assert any("could not update the metrics" in r.getMessage() for r in caplog.records)


def test_models_not_a_mapping_raises(store: MetricsStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text('{"models": []}')

    with pytest.raises(StoreError):
        store.figures()
