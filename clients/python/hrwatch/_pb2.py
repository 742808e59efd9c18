"""The generated classes, with a clear error when they are not there."""

try:
    from hrwatch.v1 import events_pb2, alerts_pb2, control_pb2  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the build step
    raise ImportError(
        "hrwatch's protobuf classes are not generated: run `python3 -m hrwatch.build` "
        f"(or set HRWATCH_PB_DIR to where they were written) ({e})") from e

from google.protobuf import json_format  # noqa: E402,F401


def enum_name(enum, value):
    """The name of an enum value, or the number when this contract does not
    know it."""
    try:
        return enum.Name(value)
    except ValueError:
        return str(value)


def to_dict(msg):
    """The proto3 JSON mapping of a message, as `hrwatch ... --json` prints
    it (lowerCamelCase names, enums by name, fields at their default
    included)."""
    try:
        return json_format.MessageToDict(msg, including_default_value_fields=True)
    except TypeError:  # protobuf 26 and later renamed the option
        return json_format.MessageToDict(msg, always_print_fields_with_no_presence=True)
