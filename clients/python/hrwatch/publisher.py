"""Publishing events on the acknowledged ingest socket (docs/protocol.md,
"Acknowledgements" and "Identity, idempotency and retries")."""

import os
import time
from collections import deque
from dataclasses import dataclass, field

import zmq
from zmq.utils.monitor import recv_monitor_message

from ._pb2 import events_pb2 as pb, enum_name, json_format
from .errors import (ArgumentError, EventError, HrwatchError, RejectedError, TimeoutError,
                     UnavailableError, check_timeout, connect)
from .keys import apply_curve

# BATCH_STATUS_UNAVAILABLE (the store could not commit, or BUSY): re-send
# after a pause, 0.1 s doubling up to 4 s, as `hrwatch publish` does.
PAUSE_FIRST, PAUSE_MAX = 0.1, 4.0
# Most batches in flight: hrwatchd queues at most 1000 answers for one
# connection (libzmq's default), and `hrwatch publish` and libhrwatch stop
# at 64 too.
WINDOW_MAX = 64
# The connection events the publisher follows (docs/protocol.md, retry rule
# 6): a batch sent on a connection that was lost goes again on the next.
_MONITORED = zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED
# hrwatchd refuses a frame over [ingest] max_frame_bytes (4 MiB by default)
# and drops one over it plus an eighth unanswered: batches are cut below it.
MAX_BATCH_BYTES = 4 * 1024 * 1024 - 64 * 1024
BATCH_ID_ROOM = 2 + 64  # the batch_id field, at its longest


def _field_bytes(n):
    """The bytes an embedded message of n bytes takes in its parent: tag,
    length, body."""
    v = 1
    while n >= 0x80 ** v:
        v += 1
    return 1 + v + n


@dataclass
class Rejection:
    """One event hrwatchd rejected: its id, the reason's name and number,
    and the daemon's message (which names the field)."""
    event_id: str
    reason: str
    code: int
    message: str


@dataclass
class PublishResult:
    """What hrwatchd answered for the events sent: counts over the Acks,
    and each rejected event."""
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejections: list = field(default_factory=list)
    batches: int = 0
    resends: int = 0      # batches sent again (no Ack yet, or UNAVAILABLE)
    unavailable: int = 0  # BATCH_STATUS_UNAVAILABLE answers (BUSY included)

    def add(self, other):
        self.accepted += other.accepted
        self.duplicate += other.duplicate
        self.rejected += other.rejected
        self.rejections.extend(other.rejections)
        self.batches += other.batches
        self.resends += other.resends
        self.unavailable += other.unavailable


class _Batch:
    def __init__(self, batch_id, payload, timeout):
        self.batch_id = batch_id
        self.payload = payload
        self.deadline = time.monotonic() + timeout
        self.sent_on = None      # the connection (its number) it last went on
        self.busy = False        # answered UNAVAILABLE: goes again at next_send
        self.held = False        # ...and holds the batches after it until then
        self.next_send = 0.0
        self.pause = PAUSE_FIRST
        self.last_status = None  # (code, reason name, message) of the last UNAVAILABLE


def to_event(item):
    """An Event from an Event or a dict in the proto3 JSON mapping (the
    form `hrwatch publish` reads). A dict that is not one (an unknown
    field, a value of the wrong type, an enum name that is no value)
    raises EventError, REASON_MALFORMED, as `hrwatch publish` reports it:
    it is never sent."""
    if isinstance(item, pb.Event):
        return item
    if isinstance(item, dict):
        try:
            return json_format.ParseDict(item, pb.Event())
        except json_format.ParseError as e:
            raise EventError(str(e), int(pb.REASON_MALFORMED), "REASON_MALFORMED",
                             str(item.get("eventId", item.get("event_id", "")))) from None
    raise TypeError(f"an Event or a dict, not {type(item).__name__}")


class Publisher:
    """Publishes events in acknowledged batches over a DEALER socket.

    Publisher(endpoint, batch_size=500, window=4, timeout=30,
              server_key=None, key=None, context=None,
              max_batch_bytes=MAX_BATCH_BYTES)

    A batch holds at most `batch_size` events and `max_batch_bytes`
    encoded bytes (just under hrwatchd's 4 MiB frame limit by default;
    lower it with a lower [ingest] max_frame_bytes). An event that alone
    does not fit raises EventError, REASON_TOO_LARGE, before it is sent.
    Up to `window` batches (at most 64) are in flight at once, each with its own
    batch_id; a batch is kept until its Ack comes. Batches go, and go
    again, in the order they were made (docs/protocol.md, retry rule 6):
    nothing is queued while no connection is up, and when a lost
    connection is replaced, what it held goes again, same events and ids,
    before anything newer; on BATCH_STATUS_UNAVAILABLE (REASON_UNAVAILABLE
    or REASON_BUSY) a batch goes again after a pause (0.1 s, doubling to
    4 s), holding the ones after it until then.

    A batch not settled `timeout` seconds after it went into the window
    raises UnavailableError (the daemon kept answering UNAVAILABLE) or
    hrwatch.TimeoutError (no answer); a batch refused whole raises
    RejectedError. Either way the publisher gives up: every event not yet
    acknowledged (those of the call not yet batched too) is dropped, its
    id on the error's `unsettled` (in the order added), and later calls
    raise HrwatchError, as nothing may go after an event given up. A new
    Publisher sends those events again; those the daemon did apply come
    back as duplicates. Rejected events are not errors: they are counted,
    with their reasons, in the PublishResult.

    CURVE: server_key is the daemon's public key (Z85 or a .pub file), key
    the client's pair (a .key file from `hrwatch keygen`, or a (public,
    secret) tuple)."""

    def __init__(self, endpoint, batch_size=500, window=4, timeout=30,
                 server_key=None, key=None, context=None, max_batch_bytes=MAX_BATCH_BYTES):
        for name, value, most in (("batch_size", batch_size, None), ("window", window, WINDOW_MAX)):
            if (isinstance(value, bool) or not isinstance(value, int) or value < 1
                    or (most and value > most)):
                raise ArgumentError(f"{name} must be a whole number from 1"
                                    f"{f' to {most}' if most else ''}, not {value!r}")
        check_timeout(timeout)
        if max_batch_bytes <= BATCH_ID_ROOM:
            raise ArgumentError(f"max_batch_bytes must be over {BATCH_ID_ROOM}")
        self.max_batch_bytes = max_batch_bytes
        self.endpoint = endpoint
        self.batch_size = batch_size
        self.window = window
        self.timeout = timeout
        self._ctx = context or zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.DEALER)
        self._sock.setsockopt(zmq.LINGER, 0)
        # Nothing waits in the socket for a connection to come: a batch
        # queued there while none is up would go out on the next one ahead
        # of the re-sends of what the lost one held.
        self._sock.setsockopt(zmq.IMMEDIATE, 1)
        self._monitor = None
        try:
            apply_curve(self._sock, server_key, key)
            # Watched before it connects, so no connection goes unseen.
            self._monitor = self._sock.get_monitor_socket(_MONITORED)
            self._monitor.setsockopt(zmq.LINGER, 0)
            connect(self._sock, endpoint)
        except Exception:
            self._close_sockets()
            raise
        self._poller = zmq.Poller()    # answers, and connection events
        self._poller.register(self._sock, zmq.POLLIN)
        self._poller.register(self._monitor, zmq.POLLIN)
        self._up = False           # a connection is up (handshake done)
        self._ups = 0              # connections come up so far
        self._prefix = f"py-{os.getpid()}-{os.urandom(4).hex()}"
        self._seq = 0
        self._buffer = []          # events not yet in a batch
        self._buffer_bytes = BATCH_ID_ROOM  # their encoded size in a batch
        self._queue = deque()      # batches not yet sent
        self._inflight = {}        # batch_id -> _Batch
        self._result = PublishResult()
        self._failed = None        # the error it gave up on: nothing more is sent
        self._unbuffered = deque() # (event, size) of a send call, not yet buffered

    # -- public ------------------------------------------------------------

    def send(self, events):
        """Add events (Event messages or proto3 JSON dicts) to the batches,
        sending each batch as it fills, while keeping at most `window` in
        flight. The last, partial batch waits for flush(). Every event of
        the call is checked first: when one raises EventError (or
        TypeError), nothing of the call is buffered or sent."""
        self._check_usable()
        checked = []
        for item in events:
            ev = to_event(item)
            size = _field_bytes(ev.ByteSize())
            if BATCH_ID_ROOM + size > self.max_batch_bytes:
                raise EventError(f"event of {size} bytes encoded: over max_batch_bytes "
                                 f"({self.max_batch_bytes})", int(pb.REASON_TOO_LARGE),
                                 "REASON_TOO_LARGE", ev.event_id)
            checked.append((ev, size))
        # What the call has not yet buffered is given up too, should a
        # batch be given up on the way (_give_up names it).
        self._unbuffered = deque(checked)
        try:
            while self._unbuffered:
                ev, size = self._unbuffered[0]
                if self._buffer and self._buffer_bytes + size > self.max_batch_bytes:
                    self._cut()
                    self._pump(until_window=True)
                self._unbuffered.popleft()
                self._buffer.append(ev)
                self._buffer_bytes += size
                if len(self._buffer) >= self.batch_size:
                    self._cut()
                    self._pump(until_window=True)
        finally:
            self._unbuffered = deque()

    def flush(self):
        """Send what is buffered and wait for every Ack. Returns the
        PublishResult of everything settled since the last flush."""
        self._check_usable()
        if self._buffer:
            self._cut()
        self._pump(until_window=False)
        result, self._result = self._result, PublishResult()
        return result

    def publish(self, events):
        """send(events), then flush(): returns the PublishResult."""
        self.send(events)
        return self.flush()

    def close(self, flush=True):
        """Flush (unless flush=False), then close the socket. With
        flush=False, what is only buffered or queued is dropped unsent, but
        batches in the window are still sent (once a connection is up) and
        waited for (up to `timeout`), so
        that what the daemon took is known to it; their result is lost."""
        try:
            if self._sock is not None and self._failed is None:
                if flush:
                    self.flush()
                else:
                    self._buffer, self._buffer_bytes = [], BATCH_ID_ROOM
                    self._queue.clear()
                    self._pump(until_window=False)
        finally:
            self._close_sockets()

    def _check_usable(self):
        if self._sock is None:
            raise HrwatchError("publisher is closed")
        if self._failed is not None:
            raise HrwatchError(f"publisher gave up ({self._failed}); the events on that "
                               f"error's unsettled go again with a new Publisher")

    def _close_sockets(self):
        if self._monitor is not None:
            self._sock.disable_monitor()
            self._monitor.close(0)
            self._monitor = None
        if self._sock is not None:
            self._sock.close(0)
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
            return
        # An exception in the block: send nothing more, but wait (bounded
        # by timeout) for the batches in flight; the block's exception is
        # the one raised, whatever becomes of them.
        try:
            self.close(flush=False)
        except HrwatchError:
            pass

    # -- batches -----------------------------------------------------------

    def _cut(self):
        self._seq += 1
        batch_id = f"{self._prefix}-{self._seq}"
        batch = pb.EventBatch(batch_id=batch_id, events=self._buffer)
        self._buffer = []
        self._buffer_bytes = BATCH_ID_ROOM
        self._queue.append((batch_id, batch.SerializeToString()))

    def _events(self):
        """Takes the connection events waiting on the monitor."""
        while True:
            try:
                ev = recv_monitor_message(self._monitor, zmq.NOBLOCK)
            except zmq.Again:
                return
            if ev["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                self._up = True
                self._ups += 1
            elif ev["event"] == zmq.EVENT_DISCONNECTED:
                self._up = False  # libzmq connects again by itself

    def _sends(self):
        """What must go now goes, in the order the batches were made: a
        batch never sent, or sent on a connection since lost (what it held
        is gone), or answered UNAVAILABLE and due again. A batch waiting
        out its pause holds the ones after it, so the daemon applies the
        events in the order they were added, across a restart too."""
        if not self._up:
            return
        now = time.monotonic()
        for b in self._inflight.values():  # in the order they were made
            if b.held and now < b.next_send:
                return
            if b.sent_on == self._ups and not (b.busy and now >= b.next_send):
                continue
            try:
                self._sock.send_multipart([b"", b.payload], zmq.NOBLOCK)
            except zmq.Again:
                return  # the connection went: the next one takes it
            if b.sent_on is not None:
                self._result.resends += 1
            b.sent_on = self._ups
            # Sent again, it waits for its answer like any other; turned
            # away again, the next pause is longer.
            if b.busy:
                b.pause = min(b.pause * 2, PAUSE_MAX)
            b.busy = b.held = False

    def _pump(self, until_window):
        """Send queued batches and settle answers. until_window: return as
        soon as there is room for another batch; else when all are settled."""
        while True:
            while self._queue and len(self._inflight) < self.window:
                batch_id, payload = self._queue.popleft()
                self._inflight[batch_id] = _Batch(batch_id, payload, self.timeout)
                self._result.batches += 1
            self._events()
            self._sends()
            if not self._inflight:
                return
            if until_window and len(self._inflight) < self.window and not self._queue:
                return
            now = time.monotonic()
            wake = min(min(b.deadline, b.next_send) if b.busy else b.deadline
                       for b in self._inflight.values())
            ready = dict(self._poller.poll(max(0, int((wake - now) * 1000)) + 1))
            if self._sock in ready:
                while True:
                    try:
                        frames = self._sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    self._settle(frames[-1])
            self._expire()

    def _settle(self, frame):
        ack = pb.Ack()
        try:
            ack.ParseFromString(frame)
        except Exception:
            return  # not an Ack: nothing we sent is answered by it
        b = self._inflight.get(ack.batch_id)
        if b is None and not ack.batch_id and ack.status == pb.BATCH_STATUS_REJECTED:
            # A frame refused before its batch_id could be read (ours are
            # always valid): the answer to one of ours, we cannot say which.
            self._give_up(RejectedError(ack.message or "batch rejected", int(ack.reason),
                                        enum_name(pb.Reason, ack.reason), ""))
        if b is None:
            return  # answers a re-send of a batch already settled
        if ack.status == pb.BATCH_STATUS_OK:
            del self._inflight[ack.batch_id]
            # Room at the daemon: what it turned away goes again now.
            for other in self._inflight.values():
                if other.busy:
                    other.next_send = 0.0
            r = self._result
            r.accepted += ack.accepted
            r.duplicate += ack.duplicate
            r.rejected += ack.rejected
            for res in ack.results:
                if res.outcome == pb.OUTCOME_REJECTED:
                    r.rejections.append(Rejection(res.event_id, enum_name(pb.Reason, res.reason),
                                                  int(res.reason), res.message))
        elif ack.status == pb.BATCH_STATUS_UNAVAILABLE:
            self._result.unavailable += 1
            b.last_status = (int(ack.reason), enum_name(pb.Reason, ack.reason), ack.message)
            b.busy = b.held = True
            b.next_send = time.monotonic() + b.pause
        else:
            self._give_up(RejectedError(ack.message or "batch rejected", int(ack.reason),
                                        enum_name(pb.Reason, ack.reason), ack.batch_id))

    def _expire(self):
        now = time.monotonic()
        for b in self._inflight.values():
            if now < b.deadline:
                continue
            if b.last_status:
                code, reason, message = b.last_status
                err = UnavailableError(
                    f"batch {b.batch_id} not accepted in {self.timeout} s: {message}",
                    code, reason, b.batch_id)
            else:
                err = TimeoutError(f"no Ack for batch {b.batch_id} from {self.endpoint} "
                                   f"in {self.timeout} s")
            self._give_up(err)

    def _give_up(self, err):
        """Drops every batch not settled and what is buffered, their ids on
        err.unsettled in the order they were added, and raises err. Going
        on would send events made after one whose fate is unknown: should
        the caller send that one again, the daemon would apply it after
        them (retry rule 6)."""
        ids = []
        for payload in [b.payload for b in self._inflight.values()] + [p for _, p in self._queue]:
            ids.extend(ev.event_id for ev in pb.EventBatch.FromString(payload).events)
        ids.extend(ev.event_id for ev in self._buffer)
        ids.extend(ev.event_id for ev, _ in self._unbuffered)
        self._unbuffered.clear()
        self._inflight.clear()
        self._queue.clear()
        self._buffer, self._buffer_bytes = [], BATCH_ID_ROOM
        err.unsettled = ids
        self._failed = err
        raise err
