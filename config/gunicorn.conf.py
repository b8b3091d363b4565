# gunicorn settings for votes: `gunicorn -c config/gunicorn.conf.py wsgi:app`.
# Every value can be overridden by the environment (VOTES_GUNICORN_*) or the command line,
# but give the worker count as VOTES_GUNICORN_WORKERS only: `votes doctor` reads it there.
import os

# The worker count is read where `votes doctor` reads it (same setting, same default), so
# that doctor's check of per-process rate limits sees the processes started here.
from votes.gunicorn_workers import env_number as _number
from votes.gunicorn_workers import workers as _workers

bind = os.environ.get("VOTES_GUNICORN_BIND") or "127.0.0.1:8000"
workers = _workers()
threads = _number("VOTES_GUNICORN_THREADS", 8)
worker_class = "gthread"
timeout = _number("VOTES_GUNICORN_TIMEOUT", 30)
graceful_timeout = 10

# Errors on stderr; the access log only when asked (VOTES_GUNICORN_ACCESSLOG=- for stdout,
# or a file), since nginx keeps one already and a test reading no pipe must not block.
# Voting links are credentials: the logger masks /v/<token> in every field and never
# writes cookies or Authorization headers, whatever access_log_format says.
accesslog = os.environ.get("VOTES_GUNICORN_ACCESSLOG") or None
errorlog = os.environ.get("VOTES_GUNICORN_ERRORLOG", "-")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logger_class = "votes.web.gunicorn_log.MaskedLogger"

# gunicorn >= 25 opens a control socket at one fixed path per user; several instances on
# one host would take it from each other. Off unless a path is given.
control_socket = os.environ.get("VOTES_GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def post_worker_init(worker):
    """Called once the worker has loaded the app (forked from a preloading master or not)."""
    # Modules, templates and metadata live as long as the worker. Left to the collector, a
    # full collection walked all of them (about 150,000 objects, 90 ms on a 2-core VM)
    # every few hundred owner flows, with every thread of the worker stopped, the one
    # holding a proposal's lock included. Frozen, they are never walked again.
    import gc

    gc.freeze()
