"""How the witness asks an app: HTTP GET and POST with every wait bounded (looking up
the name, connecting, each read, the whole answer, and the round's budget), no redirect
followed, answers bounded in size and in JSON items before they are parsed."""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import email.utils
import http.client
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

from votes.core.bundle_zip import too_many_items

TIMEOUT = 20             # seconds one read may wait
DEADLINE = 120           # seconds one whole response may take (a trickle is cut off)
MAX_RESPONSE = 64 * 2**20
# An app that refuses the witness with 429 is not asked again before its Retry-After has
# passed: at most MAX_RETRY_AFTER seconds (an app, or a clock set back, cannot silence the
# witness for long), DEFAULT_RETRY_AFTER when the header is missing or not understood (the
# app's limits count by the minute).
MAX_RETRY_AFTER = 600
DEFAULT_RETRY_AFTER = 60
_clock = time.monotonic



class Unreachable(Exception):
    pass


class NotServed(Unreachable):
    """The app answered 404 Not Found."""


class OutOfTime(Unreachable):
    """The round's budget ran out (before or during a request)."""


class Limited(Exception):
    """The app refused a request with 429 Too Many Requests: over its per-address limit, the
    witness's address not among those it exempts. Neither an app not reached nor another
    history: the app asks to be polled later, `retry_after` (the header as sent, or None)."""

    def __init__(self, url: str, retry_after: str | None):
        super().__init__(f"{url}: 429 Too Many Requests")
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime) -> int:
    """Seconds to wait by a Retry-After header (delta-seconds, or an HTTP date read against
    the witness's clock `now`): 1 to MAX_RETRY_AFTER, DEFAULT_RETRY_AFTER if missing or
    not understood."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        # Compared as text first: int() of thousands of digits is slow, then refused.
        seconds = int(value) if len(value) <= 9 else MAX_RETRY_AFTER
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return DEFAULT_RETRY_AFTER
        if when.tzinfo is None:  # "-0000": UTC, of unknown origin
            when = when.replace(tzinfo=timezone.utc)
        seconds = -int((now - when).total_seconds() // 1)  # rounded up
    return min(max(seconds, 1), MAX_RETRY_AFTER)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # The app answers at the URLs the witness's operator gave: a redirect is the app
    # choosing where the witness sends requests (an address on the witness's own network,
    # say), so it is refused as an answer, never followed.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# When the answer being read must be complete (a _clock() reading), None: no deadline.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline",
                                                                        default=None)
# When the round in progress must end (a _clock() reading), None: no round budget.
_round_end: contextvars.ContextVar[float | None] = contextvars.ContextVar("round_end",
                                                                         default=None)


def out_of_time() -> bool:
    end = _round_end.get()
    return end is not None and _clock() >= end


def _request_deadline() -> tuple[float, bool]:
    """A request's deadline: DEADLINE from now, or the round's end if that comes first;
    and whether it is the round's end."""
    end = _round_end.get()
    deadline = _clock() + DEADLINE
    return (deadline, False) if end is None or deadline <= end else (end, True)


def _connect_timeout(deadline: float) -> float:
    """What connecting (and sending the request) may wait: TIMEOUT, or less if the
    request's deadline comes first. Reads are bounded by _TimedRaw; without this an app
    whose address never answers held a round TIMEOUT past its budget."""
    return max(min(TIMEOUT, deadline - _clock()), 0.001)


def _broken(url: str, exc: BaseException, by_round: bool) -> Unreachable:
    if by_round and out_of_time():  # the round's end, not the app, cut this answer short
        return OutOfTime(f"{url}: the round's time budget ran out")
    return _unreachable(url, exc)


class _TimedRaw(io.RawIOBase):
    """The socket of one answer, each read of which first checks the answer's deadline
    and waits at most until then: the status line and headers too, which http.client reads
    line by line (a line of up to 64 KiB, up to 100 of them) with no limit of time."""

    def __init__(self, fp, sock, deadline: float):
        self.fp, self.sock, self.deadline = fp, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        left = self.deadline - _clock()
        if left <= 0:
            raise TimeoutError(f"the answer took longer than {DEADLINE} s")
        self.sock.settimeout(min(TIMEOUT, left))
        return self.fp.raw.readinto(buffer)  # one read of the socket

    def fileno(self) -> int:
        return self.fp.fileno()

    def close(self) -> None:
        if not self.closed:
            self.fp.close()
        super().close()


class _TimedResponse(http.client.HTTPResponse):
    def __init__(self, sock, *args, **kwargs):
        super().__init__(sock, *args, **kwargs)
        deadline = _deadline.get()
        if deadline is not None:  # nothing read yet: self.fp's buffer is empty
            self.fp = io.BufferedReader(_TimedRaw(self.fp, sock, deadline))


# Lookups still going, by (host, port): a resolver that never answers holds one thread
# per name, not one per request of every round `serve` runs.
_lookups: dict[tuple[str, int], concurrent.futures.Future] = {}
_lookups_lock = threading.Lock()


def _look_up(host: str, port: int, wait: float) -> list:
    """getaddrinfo's answer for connecting to (host, port), waited for at most `wait`
    seconds (TimeoutError past that). getaddrinfo itself cannot be given a time: it runs in
    a daemon thread, left to finish (or not) on its own when given up on."""
    key = (host, port)
    with _lookups_lock:
        future = _lookups.get(key)
        if future is None:
            future = _lookups[key] = concurrent.futures.Future()

            def resolve() -> None:
                try:
                    future.set_result(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
                except BaseException as exc:
                    future.set_exception(exc)
                finally:
                    with _lookups_lock:
                        _lookups.pop(key, None)

            try:
                threading.Thread(target=resolve, name=f"witness lookup {host}",
                                 daemon=True).start()
            except RuntimeError as exc:
                # No thread (out of them, or of memory): left registered, the lookup would
                # be waited on by every later request for the name, and never finish.
                del _lookups[key]
                failed = OSError(f"looking up {host}: {exc}")
                future.set_exception(failed)
                raise failed from None
    try:
        return future.result(timeout=wait)
    except concurrent.futures.TimeoutError:  # TimeoutError itself (3.11): not the lookup's
        if not future.done():
            raise TimeoutError(f"looking up {host} took longer than {wait:.3g} s") from None
        raise


def _create_connection(address, timeout, source_address=None):
    """socket.create_connection with the name's lookup bounded too: connecting and looking
    up together wait at most `timeout` (what the request may wait to connect, which is
    never past the round's end). Unbounded, a resolver that never answered held the round,
    and the witness, for ever."""
    host, port = address
    end = _clock() + timeout
    infos = _look_up(host, port, timeout)
    error: OSError | None = None
    for _family, _type, _proto, _name, sockaddr in infos:
        left = end - _clock()
        if left <= 0:
            break
        # By number, so that connecting looks nothing up again; with the scope an IPv6
        # link-local address needs (fe80::1%eth0: sockaddr[3]), which the address alone
        # loses (EINVAL on connecting). getnameinfo with NUMERICHOST asks no resolver.
        numeric, _ = socket.getnameinfo(sockaddr, socket.NI_NUMERICHOST | socket.NI_NUMERICSERV)
        try:
            return socket.create_connection((numeric, port), left, source_address)
        except OSError as exc:
            error = exc
    raise error or TimeoutError(f"connecting to {host} took longer than {timeout:.3g} s")


class _Connecting:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _create_connection


_TIMED = {cls: type(cls.__name__, (_Connecting, cls), {"response_class": _TimedResponse})
          for cls in (http.client.HTTPConnection, http.client.HTTPSConnection)}


class _Timed:
    def do_open(self, http_class, req, **kwargs):
        return super().do_open(_TIMED.get(http_class, http_class), req, **kwargs)


class _HTTPHandler(_Timed, urllib.request.HTTPHandler):
    pass


class _HTTPSHandler(_Timed, urllib.request.HTTPSHandler):
    pass


_OPENER = urllib.request.build_opener(_NoRedirect, _HTTPHandler, _HTTPSHandler)


# What a request may fail with: no answer, a garbled one (not HTTP), a bad URL.
_BROKEN = (urllib.error.URLError, OSError, http.client.HTTPException, ValueError)


def _unreachable(url: str, exc: BaseException) -> Unreachable:
    return Unreachable(f"{url}: {getattr(exc, 'reason', None) or type(exc).__name__}: "
                       f"{str(exc)[:120]}")


@contextlib.contextmanager
def _answer_within(url: str):
    """One request's time: refused if the round's budget has run out; else its deadline
    (DEADLINE from now or the round's end, whichever comes first, also for the status line
    and headers: _TimedResponse) and whether that is the round's end, for the request to
    read by. A broken connection or answer comes out as Unreachable (OutOfTime where the
    round's end cut it short)."""
    if out_of_time():
        raise OutOfTime(f"{url}: the round's time budget ran out")
    deadline, by_round = _request_deadline()
    token = _deadline.set(deadline)
    try:
        yield deadline, by_round
    except _BROKEN as exc:
        raise _broken(url, exc, by_round) from None
    finally:
        _deadline.reset(token)


def get(url: str) -> bytes:
    """The answer's body, at most MAX_RESPONSE bytes; Unreachable when there is none, a
    garbled one (not HTTP), or one that takes longer than DEADLINE seconds in all."""
    if not url.startswith(("http://", "https://")):
        raise Unreachable(f"{url}: only http(s) URLs")
    with _answer_within(url) as (deadline, by_round), \
            _opened(url, _connect_timeout(deadline)) as r:
        chunks, size = [], 0
        while size <= MAX_RESPONSE:
            if _clock() > deadline:
                if by_round:
                    raise OutOfTime(f"{url}: the round's time budget ran out")
                raise Unreachable(f"{url}: the answer took longer than {DEADLINE} s")
            chunk = r.read1(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    body = b"".join(chunks)[:MAX_RESPONSE]
    # Every answer is JSON parsed whole (a keys file, the heads) or line by line: bounded
    # as a verifier bounds a bundle's before parsing it, or 64 MiB of `[{},{},…]` took
    # 1.8 GB of the witness's memory.
    problem = too_many_items([body])
    if problem:
        raise Unreachable(f"{url}: the answer holds {problem}; refused")
    return body


def _limited(url: str, err: urllib.error.HTTPError) -> Limited:
    retry_after = err.headers.get("Retry-After") if err.headers is not None else None
    err.close()
    return Limited(url, retry_after)


@contextlib.contextmanager
def _opened(url: str, timeout: float):
    try:
        r = _OPENER.open(url, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 429:
            raise _limited(url, err) from None
        if err.code == 404:
            err.close()
            raise NotServed(str(_unreachable(url, err))) from None
        raise
    with r:
        yield r


def parse_json(data: bytes):
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def json_or_none(url: str):
    """The JSON answer at `url`; None if the app answered 404."""
    try:
        return parse_json(get(url))
    except NotServed:
        return None


def post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with _answer_within(url) as (deadline, _by_round):
        try:
            with _OPENER.open(req, timeout=_connect_timeout(deadline)) as r:
                return r.status
        except urllib.error.HTTPError as err:
            if err.code == 429:
                raise _limited(url, err) from None
            err.close()
            return err.code


@contextlib.contextmanager
def round_of(seconds: float):
    """A round's budget: every request made within it ends by `seconds` from now (OutOfTime
    past that), however slowly each answer comes."""
    token = _round_end.set(_clock() + seconds)
    try:
        yield
    finally:
        _round_end.reset(token)
