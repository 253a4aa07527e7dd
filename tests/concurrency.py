"""Race a callable in threads released together (tests of atomic counters)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def race(n: int, attempt: Callable[[], T]) -> list[T]:
    """Run ``attempt`` in ``n`` threads released by one barrier; what each returned
    (the first exception, if any thread raised, is raised here)."""
    start = threading.Barrier(n)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(attempt())
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results
