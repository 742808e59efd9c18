"""hrwatch: a Python client for hrwatchd.

    Publisher   publish events in acknowledged batches (ingest socket)
    Subscriber  alerts, caught up from the log after a sequence number,
                then live (alerts and control sockets)
    Client      the read-only queries, and the clock (control socket)

The protobuf classes are generated from proto/hrwatch/v1/*.proto by
`python3 -m hrwatch.build` (into hrwatch/_pb, or where HRWATCH_PB_DIR
points). They are importable as hrwatch.v1.events_pb2, alerts_pb2 and
control_pb2. See clients/python/README.md.
"""

import os as _os

from .errors import (HrwatchError, RejectedError, UnavailableError, ControlError,  # noqa: F401
                     EventError, TimeoutError, ArgumentError)

__version__ = "0.1.0"

_PB_DIR = _os.environ.get("HRWATCH_PB_DIR") or _os.path.join(_os.path.dirname(__file__), "_pb")
# protoc writes hrwatch/v1/*_pb2.py, which import each other as hrwatch.v1:
# make that directory a part of this package, so hrwatch.v1 is found there.
__path__.append(_os.path.join(_PB_DIR, "hrwatch"))

_LAZY = {
    "Publisher": "publisher", "PublishResult": "publisher", "Rejection": "publisher",
    "Subscriber": "subscriber",
    "Client": "client",
    "load_key": "keys",
}

__all__ = ["Publisher", "PublishResult", "Rejection", "Subscriber", "Client", "load_key",
           "HrwatchError", "RejectedError", "EventError", "UnavailableError", "ControlError",
           "TimeoutError", "ArgumentError"]


def __getattr__(name):
    # Imported on first use, so that `python3 -m hrwatch.build` works before
    # anything has been generated.
    if name == "v1":  # the generated classes, with the build step's hint
        from . import _pb2  # noqa: F401
        import importlib
        return importlib.import_module(".v1", __name__)
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'hrwatch' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(f".{mod}", __name__), name)
