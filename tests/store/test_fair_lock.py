"""SQLite writers in one process take turns in arrival order."""

from __future__ import annotations

import threading
import time

from carecluster.store.db import FairLock


def test_waiters_get_the_lock_in_arrival_order() -> None:
    lock = FairLock()
    order: list[int] = []
    threads = []
    with lock:
        for n in range(6):

            def take(n: int = n) -> None:
                with lock:
                    order.append(n)

            thread = threading.Thread(target=take)
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 5
            while len(lock._waiters) < n + 1:  # wait until this thread is queued before starting the next
                assert time.monotonic() < deadline
                time.sleep(0.001)
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))
    with lock:  # and it is free again
        pass
