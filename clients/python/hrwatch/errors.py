"""Exceptions. Each carries the daemon's reason (or control error) code, its
name, and the message hrwatchd gave."""

import builtins


class HrwatchError(Exception):
    """Something hrwatchd refused or could not do. `code` is the numeric
    Reason or ControlError value (0 when there is none), `reason` its name
    (e.g. "REASON_TOO_LARGE"), `message` the daemon's words."""

    def __init__(self, message, code=0, reason=""):
        super().__init__(f"{reason}: {message}" if reason else message)
        self.code = code
        self.reason = reason
        self.message = message


class RejectedError(HrwatchError):
    """A batch was refused whole (BATCH_STATUS_REJECTED): nothing of it was
    applied, and re-sending it unchanged gets the same answer. `batch_id`
    names it; `unsettled` holds the ids of the events the Publisher gave
    up, its own among them, in the order they were added."""

    unsettled = ()

    def __init__(self, message, code=0, reason="", batch_id=""):
        super().__init__(message, code, reason)
        self.batch_id = batch_id


class UnavailableError(HrwatchError):
    """The daemon kept answering BATCH_STATUS_UNAVAILABLE (REASON_UNAVAILABLE
    or REASON_BUSY) until the batch's deadline passed. `unsettled`: the ids
    of the events the Publisher gave up, in the order they were added."""

    unsettled = ()

    def __init__(self, message, code=0, reason="", batch_id=""):
        super().__init__(message, code, reason)
        self.batch_id = batch_id


class EventError(HrwatchError, ValueError):
    """An Event could not be made from a dict (proto3 JSON mapping): it was
    not sent. `event_id` is the dict's eventId, when it has one."""

    def __init__(self, message, code=0, reason="", event_id=""):
        super().__init__(message, code, reason)
        self.event_id = event_id


class ArgumentError(HrwatchError, ValueError):
    """An argument hrwatch cannot use (a negative count, a timeout that is
    not positive, a time that is no RFC 3339 time, an endpoint libzmq does
    not take, half a CURVE setup); nothing was sent. Also a ValueError."""


def check_timeout(timeout, name="timeout"):
    """A positive number of seconds (at most a year), or ArgumentError."""
    if (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
            or not 0 < timeout <= 365 * 86400):
        raise ArgumentError(f"{name} must be a positive number of seconds, not {timeout!r}")
    return timeout


def check_count(value, name):
    """A whole number, 0 or more, or ArgumentError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ArgumentError(f"{name} must be a whole number, 0 or more, not {value!r}")
    return value


def connect(sock, endpoint):
    """sock.connect(endpoint), a bad endpoint raising ArgumentError."""
    import zmq
    if not isinstance(endpoint, str) or not endpoint:
        raise ArgumentError(f"no endpoint: {endpoint!r}")
    try:
        sock.connect(endpoint)
    except zmq.ZMQError as e:
        raise ArgumentError(f"{endpoint}: {e}") from None


class TimeoutError(HrwatchError, builtins.TimeoutError):
    """No answer within the deadline (the daemon is not there, or too slow).
    From a Publisher, `unsettled` holds the ids of the events it gave up,
    in the order they were added."""

    unsettled = ()


class ControlError(HrwatchError):
    """A control request failed: `reason` is the ControlError name (e.g.
    "CONTROL_ERROR_NOT_FOUND"), `message` the response's error text."""
