"""Run callables at the same moment in threads, each with its own database connection (tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def run_concurrently(*calls: Callable[[], object], timeout: float = 120) -> list:
    """Start every call together (a barrier), wait for all, re-raise the first error; returns the results in
    the order of ``calls``. Each thread closes its own connections, as a worker process would."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError(f"concurrent calls still running after {timeout} s")
    if errors:
        raise errors[0]
    return results
