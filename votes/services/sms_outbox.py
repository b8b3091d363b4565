"""The lobby poster's SMS codes, handed to a few threads of this process to send.

At the poster a stranger types building and room and taps 发送. A request that called the
gateway there waited for it (hundreds of milliseconds) for a flat with a phone on the roll
and answered at once for one without: its timing alone told which flats have a phone, the
page's words being the same by design. There the gateway is called here, after the request
has answered, for every flat alike (votes/services/sms_codes.py, `send_code`).

The sender is made in the process that first needs it, so a gunicorn worker forked from a
master that loaded the app gets its own threads (threads do not survive a fork); its
threads are the gthread worker's neighbours. Each job runs in an app context of the app
that queued it. The queue is bounded: with the gateway hung, jobs pile up to QUEUE_SIZE
and `submit` then says no; the caller must not send in the request instead (that would
tell again), but give the send back as failed. The threads are a votes/services/background.py
pool.
"""

from __future__ import annotations

from typing import Callable

from flask import current_app

from votes.services.background import Pool

WORKERS = 2  # threads a process; a gateway has a short timeout (docs/deploy.md)
QUEUE_SIZE = 64  # jobs waiting for a thread; more are refused (a hung gateway)
EXIT_WAIT = 5  # seconds a worker's exit waits for the codes queued (gunicorn allows 10)

_pool = Pool("sms-outbox", WORKERS, EXIT_WAIT)


def submit(job: Callable[[], None]) -> bool:
    """Queue `job` to run on a thread of this process, in an app context of the current
    app; False (nothing queued) when QUEUE_SIZE jobs are waiting already."""
    return _pool.submit(current_app._get_current_object(), job, QUEUE_SIZE)


def wait_idle(timeout: float | None = None) -> bool:
    """Wait until every job queued in this process has run (tests; a worker's exit);
    False if `timeout` seconds passed first."""
    return _pool.wait_idle(timeout)
