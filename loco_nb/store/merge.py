"""Merging a session held in memory with the copy another process saved meanwhile.

Two kernels on the same project can append to the same session. Before each
save the store re-reads the file and merges it into the session it is about
to write, so the appends of both writers survive. Messages and tasks are
matched by ``id``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TypeVar

from ..models import Session, StoredModel, Task, TaskStatus

Item = TypeVar("Item", bound=StoredModel)

# A task only moves forward through these ranks, so of two copies the higher
# rank was written later.
_TASK_RANK = {
    TaskStatus.PENDING: 0,
    TaskStatus.IN_PROGRESS: 1,
    TaskStatus.COMPLETED: 2,
    TaskStatus.FAILED: 2,
    TaskStatus.CANCELLED: 2,
}


def merge_from_disk(mine: Session, disk: Session) -> None:
    """Add to ``mine`` what only the saved copy ``disk`` has, in place.

    Items keep the file's order, and items only ``mine`` has follow them in
    ``mine``'s order. Where both hold an item, ``mine``'s object is kept,
    except a task the file shows further along. The file's title wins because
    titles change only through :meth:`SessionStore.rename`.
    """
    mine.messages[:] = _union(disk.messages, mine.messages, _keep_mine)
    mine.tasks[:] = _union(disk.tasks, mine.tasks, _later_task)

    if disk.title:
        mine.title = disk.title
    mine.model = mine.model or disk.model
    mine.created = min(mine.created, disk.created, key=as_utc)
    for name, value in (disk.__pydantic_extra__ or {}).items():
        extra = mine.__pydantic_extra__
        if extra is not None and name not in extra:
            extra[name] = value


def _union(
    disk: Sequence[Item], mine: Sequence[Item], choose: Callable[[Item, Item], Item]
) -> list[Item]:
    mine_by_id = {_id(item): item for item in mine}
    merged = [
        choose(mine_by_id[_id(item)], item) if _id(item) in mine_by_id else item for item in disk
    ]

    on_disk = {_id(item) for item in disk}
    merged.extend(item for item in mine if _id(item) not in on_disk)
    return merged


def _keep_mine(mine: Item, disk: Item) -> Item:
    return mine


def _later_task(mine: Task, disk: Task) -> Task:
    return disk if _TASK_RANK[disk.status] > _TASK_RANK[mine.status] else mine


def _id(item: StoredModel) -> str:
    return str(getattr(item, "id", ""))


def as_utc(value: datetime) -> datetime:
    """Return ``value`` with UTC attached if it has no time zone.

    A hand-edited file may hold a timestamp without a time zone, and Python
    cannot compare naive and aware datetimes.
    """
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
