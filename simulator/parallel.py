"""Running independent tasks in worker processes, results in the tasks' order."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

Task = TypeVar("Task")
Output = TypeVar("Output")


def in_order(function: Callable[[Task], Output], tasks: Iterable[Task],
             workers: int = 1) -> Iterator[Output]:
    """``function(task)`` for each task, yielded in the tasks' order.

    With ``workers`` > 1 and more than one task, the tasks run in up to that many worker
    processes (no more than the tasks or the machine's cores). Workers are started fresh
    (spawn), so they inherit nothing from the caller but the task: results are those of one
    process, whatever the number of workers.
    """
    tasks = list(tasks)
    workers = min(workers, len(tasks), os.cpu_count() or 1)
    if workers <= 1:
        yield from map(function, tasks)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        yield from pool.map(function, tasks)
