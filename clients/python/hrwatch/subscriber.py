"""Alerts, each once: caught up from the log, then live (docs/protocol.md,
"Alerts and catching up")."""

import time

import zmq

from ._pb2 import alerts_pb2, to_dict
from .client import Client
from .errors import TimeoutError, check_count, check_timeout, connect
from .keys import apply_curve

PAGE = 1000  # log entries asked for at a time
# The daemon not answering while iterating: ask again after 0.5 s, doubling
# up to 10 s (each ask also waits up to `timeout` for its answer).
RETRY_FIRST, RETRY_MAX = 0.5, 10.0


class Subscriber:
    """An iterator of Alert messages (dicts when as_dict), in sequence order,
    each once.

    Subscriber(alerts_endpoint, control_endpoint, after=0, prefix="",
               quiet=5.0, as_dict=False, server_key=None, key=None,
               context=None, timeout=10)

    It subscribes to `prefix` on the PUB socket first, then asks the
    control socket for the log after `after` (a sequence number already
    processed; 0 for the whole log kept), then goes on live. A live alert
    at or below the last sequence number seen is a duplicate and dropped;
    one that skips ahead, or a quiet spell of `quiet` seconds, makes it ask
    the log again. `last_seq` is the sequence number of the last alert
    given out (or caught up to): keep it to resume with after=last_seq.

    Iterating blocks until the next alert, however long the daemon is
    away: when the control socket does not answer within `timeout`, it
    asks again (0.5 s later, doubling up to 10 s), catching up from
    last_seq once it answers, until the subscriber is closed.
    iterate(timeout=T) does the same but raises hrwatch.TimeoutError once
    the daemon has not answered for T seconds. receive(timeout) waits at
    most `timeout` seconds and returns None when nothing came (and raises
    hrwatch.TimeoutError when the control socket does not answer)."""

    def __init__(self, alerts_endpoint, control_endpoint, after=0, prefix="", quiet=5.0,
                 as_dict=False, server_key=None, key=None, context=None, timeout=10):
        check_timeout(timeout)
        check_timeout(quiet, "quiet")
        check_count(after, "after")
        self.prefix = prefix
        self.quiet = quiet
        self.as_dict = as_dict
        self.last_seq = after
        ctx = context or zmq.Context.instance()
        self._sub = ctx.socket(zmq.SUB)
        self._sub.setsockopt(zmq.LINGER, 0)
        try:
            apply_curve(self._sub, server_key, key)
        except Exception:
            self._sub.close(0)
            raise
        # Subscribe before the catch-up, so nothing falls between the two.
        self._sub.setsockopt(zmq.SUBSCRIBE, prefix.encode())
        try:
            connect(self._sub, alerts_endpoint)
            self._client = Client(control_endpoint, timeout=timeout, server_key=server_key,
                                  key=key, context=ctx)
            self._client._socket()  # a bad control endpoint is refused here
        except Exception:
            self._sub.close(0)
            raise
        self._ready = []            # alerts from the log, not yet given out
        self._caught_up = False
        self._log_seq = after
        self._last_heard = time.monotonic()

    def close(self):
        if self._sub is not None:
            self._sub.close(0)
            self._sub = None
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        return self

    def __next__(self):
        return self._next(None)

    def iterate(self, timeout=None):
        """The alerts, as iterating does; with `timeout`, raise
        hrwatch.TimeoutError once the daemon has not answered for that
        many seconds in a row (None: wait until closed)."""
        while self._sub is not None:
            try:
                yield self._next(timeout)
            except StopIteration:
                return

    def _next(self, bound):
        retry = RETRY_FIRST
        down_since = None
        while True:
            if self._sub is None:
                raise StopIteration
            try:
                a = self.receive(None)
            except TimeoutError:
                # The control socket did not answer: the daemon is away.
                # Ask again later, from last_seq; the SUB socket reconnects
                # by itself.
                now = time.monotonic()
                if down_since is None:
                    down_since = now - self._client.timeout
                if bound is not None and now - down_since >= bound:
                    raise
                self._caught_up = False
                pause = retry if bound is None else min(retry, bound - (now - down_since))
                time.sleep(max(0.0, pause))
                retry = min(retry * 2, RETRY_MAX)
                continue
            if a is not None:
                return a

    def _catch_up(self):
        """Read the log after last_seq into _ready, paging; then last_seq is
        the log's newest (what the prefix left out is not ours)."""
        after = self._ready[-1].seq if self._ready else self.last_seq
        got = []  # kept only once the whole log is read (a page may fail)
        while True:
            page = self._client.alert_log(after, self.prefix, PAGE)
            for a in page.alerts:
                if a.seq > after:
                    got.append(a)
                    after = a.seq
            if len(page.alerts) < PAGE:
                self._log_seq = max(after, page.last_seq)
                break
        self._ready.extend(got)
        if not self._ready:
            self.last_seq = max(self.last_seq, self._log_seq)
        self._caught_up = True
        self._last_heard = time.monotonic()

    def _give(self):
        a = self._ready.pop(0)
        self.last_seq = max(self.last_seq, a.seq)
        if not self._ready:
            self.last_seq = max(self.last_seq, self._log_seq)
        return to_dict(a) if self.as_dict else a

    def receive(self, timeout=None):
        """The next alert, or None when none came within `timeout` seconds
        (None: wait as long as it takes)."""
        if not self._caught_up:
            self._catch_up()
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._ready:
                return self._give()
            now = time.monotonic()
            wait = self._last_heard + self.quiet - now
            if end is not None:
                wait = min(wait, end - now)
            if self._sub.poll(max(0, int(wait * 1000))):
                topic, payload = self._sub.recv_multipart()[:2]
                a = alerts_pb2.Alert()
                a.ParseFromString(payload)
                self._last_heard = time.monotonic()
                if a.seq <= self.last_seq:
                    continue              # a duplicate of one given out
                if a.seq == self.last_seq + 1:
                    self.last_seq = a.seq
                    return to_dict(a) if self.as_dict else a
                # Skipped ahead: what lies between is in the log (with a
                # prefix, the gap is usually other topics' changes).
                self._catch_up()
                continue
            now = time.monotonic()
            if now >= self._last_heard + self.quiet:
                self._catch_up()          # a quiet spell: ask the log again
                continue
            if end is not None and now >= end:
                return None
