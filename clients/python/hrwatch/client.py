"""Queries on the control socket."""

import zmq

from ._pb2 import alerts_pb2, control_pb2, enum_name, to_dict
from google.protobuf.message import DecodeError

from .errors import (ArgumentError, ControlError, HrwatchError, TimeoutError, check_count,
                     check_timeout, connect)
from .keys import apply_curve


class Client:
    """A control-socket client (DEALER, with the empty envelope frame).

    Client(control_endpoint, timeout=10, server_key=None, key=None,
           as_dict=False, context=None)

    Each query returns the response's message (a Status, UnitReport, ...),
    or its proto3 JSON dict when as_dict. A failed request raises
    ControlError with the ControlError code and the daemon's message; no
    answer within `timeout` seconds raises hrwatch.TimeoutError."""

    def __init__(self, control_endpoint, timeout=10, server_key=None, key=None,
                 as_dict=False, context=None):
        if not isinstance(control_endpoint, str) or not control_endpoint:
            raise ArgumentError(f"no endpoint: {control_endpoint!r}")
        self.endpoint = control_endpoint
        self.timeout = check_timeout(timeout)
        self.as_dict = as_dict
        self._curve = (server_key, key)
        self._ctx = context or zmq.Context.instance()
        self._sock = None

    def _socket(self):
        if self._sock is None:
            s = self._ctx.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            try:
                apply_curve(s, *self._curve)
            except Exception:
                s.close(0)
                raise
            try:
                connect(s, self.endpoint)
            except Exception:
                s.close(0)
                raise
            self._sock = s
        return self._sock

    def close(self):
        if self._sock is not None:
            self._sock.close(0)
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, req, want=None):
        """Send a ControlRequest, return the ControlResponse (raising
        ControlError when it carries an error). `want` names the response
        field expected (e.g. "status"): an answer without it, or one that
        is no ControlResponse at all, is not hrwatchd's control socket
        (another of its sockets, or some other program) and raises
        HrwatchError naming the endpoint."""
        sock = self._socket()
        sock.send_multipart([b"", req.SerializeToString()])
        if not sock.poll(int(self.timeout * 1000)):
            # A late answer must not be taken for the next request's.
            self.close()
            raise TimeoutError(f"no answer from {self.endpoint} in {self.timeout} s")
        frames = sock.recv_multipart()
        resp = control_pb2.ControlResponse()
        try:
            resp.ParseFromString(frames[-1])
        except DecodeError:
            raise self._not_control() from None
        if resp.error and resp.code:
            raise ControlError(resp.error, int(resp.code),
                               enum_name(control_pb2.ControlError, resp.code))
        if len(frames) != 2 or frames[0] != b"" or \
                (want is not None and resp.WhichOneof("response") != want):
            raise self._not_control()
        return resp

    def _not_control(self):
        # Keep the socket from taking a late frame for the next answer.
        self.close()
        return HrwatchError(f"{self.endpoint} does not answer as hrwatchd's control socket")

    def _out(self, msg):
        return to_dict(msg) if self.as_dict else msg

    def status(self, digest=False):
        """The daemon's Status (with the state digest when asked)."""
        r = self.request(control_pb2.ControlRequest(
            status=control_pb2.StatusRequest(digest=digest)), "status")
        return self._out(r.status)

    def unit(self, unit_id):
        """The UnitReport of a unit and its subtree."""
        r = self.request(control_pb2.ControlRequest(
            unit=control_pb2.UnitRequest(unit_id=unit_id)), "unit")
        return self._out(r.unit)

    def position(self, position_id):
        """The PositionReport of a position."""
        r = self.request(control_pb2.ControlRequest(
            position=control_pb2.PositionRequest(position_id=position_id)), "position")
        return self._out(r.position)

    def alerts(self, prefix="", limit=0):
        """The alerts firing now whose topic starts with `prefix`: a list."""
        check_count(limit, "limit")
        r = self.request(control_pb2.ControlRequest(alerts=control_pb2.AlertsRequest(
            active=True, prefix=prefix, limit=limit)), "alerts")
        return [self._out(a) for a in r.alerts.alerts]

    def alert_log(self, after_seq=0, prefix="", limit=0):
        """The alert log after a sequence number: an AlertList (alerts and
        last_seq, the newest sequence number in the log). Always a message."""
        check_count(after_seq, "after_seq")
        check_count(limit, "limit")
        r = self.request(control_pb2.ControlRequest(alerts=control_pb2.AlertsRequest(
            after_seq=after_seq, prefix=prefix, limit=limit)), "alerts")
        return r.alerts

    def rejected(self, limit=0, after_seq=0):
        """The rejected events kept for inspection, newest last: a list."""
        check_count(limit, "limit")
        check_count(after_seq, "after_seq")
        r = self.request(control_pb2.ControlRequest(rejected=control_pb2.RejectedRequest(
            limit=limit, after_seq=after_seq)), "rejected")
        return [self._out(e) for e in r.rejected.events]

    def report(self, unit_id="", months=0):
        """The leaders' WorkforceReport of a unit (or the company)."""
        check_count(months, "months")
        r = self.request(control_pb2.ControlRequest(report=control_pb2.ReportRequest(
            unit_id=unit_id, months=months)), "report")
        return self._out(r.report)

    def advance(self, to=None):
        """Move the event-time clock to `to` (a datetime, an RFC 3339
        string, or None for the newest event seen). Administration: an
        ipc:// control socket, or an admin key over CURVE. Returns the
        Status after it."""
        req = control_pb2.AdvanceRequest()
        try:
            if isinstance(to, str):
                req.to.FromJsonString(to)
            elif to is not None:
                req.to.FromDatetime(to)
        except (ValueError, TypeError, AttributeError) as e:
            raise ArgumentError(f"advance: {to!r} is no RFC 3339 time or datetime ({e})") from None
        self.request(control_pb2.ControlRequest(advance=req), "status")
        return self.status()


__all__ = ["Client", "alerts_pb2"]
