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
    names it."""

    def __init__(self, message, code=0, reason="", batch_id=""):
        super().__init__(message, code, reason)
        self.batch_id = batch_id


class UnavailableError(HrwatchError):
    """The daemon kept answering BATCH_STATUS_UNAVAILABLE (REASON_UNAVAILABLE
    or REASON_BUSY) until the batch's deadline passed."""

    def __init__(self, message, code=0, reason="", batch_id=""):
        super().__init__(message, code, reason)
        self.batch_id = batch_id


class EventError(HrwatchError, ValueError):
    """An Event could not be made from a dict (proto3 JSON mapping): it was
    not sent. `event_id` is the dict's eventId, when it has one."""

    def __init__(self, message, code=0, reason="", event_id=""):
        super().__init__(message, code, reason)
        self.event_id = event_id


class TimeoutError(HrwatchError, builtins.TimeoutError):
    """No answer within the deadline (the daemon is not there, or too slow)."""


class ControlError(HrwatchError):
    """A control request failed: `reason` is the ControlError name (e.g.
    "CONTROL_ERROR_NOT_FOUND"), `message` the response's error text."""
