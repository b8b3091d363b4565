"""The lobby poster's SMS codes, handed to a few threads of this process to send.

At the poster a stranger types building and room and taps 发送. A request that called the
gateway there waited for it (hundreds of milliseconds) for a flat with a phone on the roll
and answered at once for one without: its timing alone told which flats have a phone, the
page's words being the same by design. There the gateway is called here, after the request
has answered, for every flat alike (votes/services/access.py, `send_code`).

The sender is made in the process that first needs it, so a gunicorn worker forked from a
master that loaded the app gets its own threads (threads do not survive a fork); its
threads are the gthread worker's neighbours. Each job runs in an app context of the app
that queued it. The queue is bounded: with the gateway hung, jobs pile up to QUEUE_SIZE
and `submit` then says no; the caller must not send in the request instead (that would
tell again), but give the send back as failed.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import deque
from typing import Callable

from flask import current_app

log = logging.getLogger(__name__)

WORKERS = 2  # threads a process; a gateway has a short timeout (docs/deploy.md)
QUEUE_SIZE = 64  # jobs waiting for a thread; more are refused (a hung gateway)
EXIT_WAIT = 5  # seconds a worker's exit waits for the codes queued (gunicorn allows 10)


class _Outbox:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.jobs: deque = deque()
        self.running = 0
        for n in range(WORKERS):
            threading.Thread(target=self._work, name=f"sms-outbox-{n}", daemon=True).start()

    def put(self, app, job: Callable[[], None]) -> bool:
        with self.cond:
            if len(self.jobs) >= QUEUE_SIZE:
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
                log.exception("SMS outbox job failed")
            finally:
                with self.cond:
                    self.running -= 1
                    self.cond.notify_all()

    def idle(self, timeout: float | None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: not self.jobs and not self.running, timeout)


_outbox: _Outbox | None = None
_pid: int | None = None
_lock = threading.Lock()


def _current() -> _Outbox:
    global _outbox, _pid
    with _lock:
        if _outbox is None or _pid != os.getpid():  # none yet, or the parent's (forked)
            _outbox, _pid = _Outbox(), os.getpid()
        return _outbox


def submit(job: Callable[[], None]) -> bool:
    """Queue `job` to run on a thread of this process, in an app context of the current
    app; False (nothing queued) when QUEUE_SIZE jobs are waiting already."""
    return _current().put(current_app._get_current_object(), job)


def wait_idle(timeout: float | None = None) -> bool:
    """Wait until every job queued in this process has run (tests; a worker's exit);
    False if `timeout` seconds passed first."""
    outbox = _outbox
    if outbox is None or _pid != os.getpid():
        return True
    return outbox.idle(timeout)


atexit.register(wait_idle, EXIT_WAIT)
