"""A few threads of this process that run jobs after the request has answered.

Used where a request must not wait: the lobby poster's SMS codes (votes/services/sms_outbox.py,
whose timing would tell which flats have a phone) and the regulator's 验证导出包
(votes/services/verify_jobs.py, longer than the proxy waits for a page).

A pool's threads are made in the process that first needs them, so a gunicorn worker forked
from a master that loaded the app gets its own (threads do not survive a fork); they are the
gthread worker's neighbours. Each job runs in an app context of the app that queued it. The
queue is bounded: `submit` says no when it is full, and the caller decides what that means.
At exit a process waits a little for the jobs it holds (`drain`).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import deque
from typing import Callable

log = logging.getLogger(__name__)


class _Threads:
    def __init__(self, name: str, workers: int) -> None:
        self.name = name
        self.cond = threading.Condition()
        self.jobs: deque = deque()
        self.running = 0
        for n in range(workers):
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True).start()

    def put(self, app, job: Callable[[], None], limit: int) -> bool:
        with self.cond:
            if len(self.jobs) >= limit:
                return False
            self.jobs.append((app, job))
            self.cond.notify_all()
            return True

    def _work(self) -> None:
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.jobs)
                app, job = self.jobs.popleft()
                self.running += 1
            try:
                with app.app_context():
                    job()
            except BaseException:  # noqa: BLE001 - the thread serves the next job
                log.exception("background job of %s failed", self.name)
            finally:
                with self.cond:
                    self.running -= 1
                    self.cond.notify_all()

    def idle(self, timeout: float | None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: not self.jobs and not self.running, timeout)


class Pool:
    """`workers` threads a process, made when first needed (after a fork, afresh)."""

    def __init__(self, name: str, workers: int, exit_wait: float) -> None:
        self.name, self.workers, self.exit_wait = name, workers, exit_wait
        self._threads: _Threads | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        atexit.register(self.drain)

    def _current(self) -> _Threads:
        with self._lock:
            if self._threads is None or self._pid != os.getpid():  # none yet, or the parent's
                self._threads, self._pid = _Threads(self.name, self.workers), os.getpid()
            return self._threads

    def submit(self, app, job: Callable[[], None], limit: int) -> bool:
        """Queue `job` to run on a thread of this process in an app context of `app`; False
        (nothing queued) when `limit` jobs are waiting already."""
        return self._current().put(app, job, limit)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every job queued in this process has run (tests; a worker's exit);
        False if `timeout` seconds passed first."""
        threads = self._threads
        if threads is None or self._pid != os.getpid():
            return True
        return threads.idle(timeout)

    def drain(self) -> None:
        self.wait_idle(self.exit_wait)
