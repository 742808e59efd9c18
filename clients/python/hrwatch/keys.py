"""CURVE keys: Z85 strings, or the files `hrwatch keygen` writes."""

import os
import re

from .errors import ArgumentError

_LINE = re.compile(r'^\s*(public-key|secret-key)\s*=\s*"([^"]{40})"\s*$')


def _read(path):
    found = {}
    with open(path) as f:
        for line in f:
            m = _LINE.match(line)
            if m:
                found[m.group(1)] = m.group(2)
    return found


def load_key(spec, secret=False):
    """A 40-character Z85 key as bytes. `spec` is the key itself (str or
    bytes), or the path of a key file (NAME.pub or NAME.key from `hrwatch
    keygen`): its public-key line, or its secret-key line when secret."""
    if isinstance(spec, bytes):
        spec = spec.decode("ascii")
    if len(spec) == 40 and not os.path.exists(spec):
        return spec.encode("ascii")
    found = _read(spec)
    which = "secret-key" if secret else "public-key"
    if which not in found:
        raise ArgumentError(f"{spec}: no {which} line")
    return found[which].encode("ascii")


def apply_curve(sock, server_key=None, key=None):
    """Make `sock` a CURVE client of the daemon's `server_key` with the
    client's own pair: `key` is a NAME.key file or a (public, secret)
    tuple. Both or neither must be given."""
    if server_key is None and key is None:
        return
    if server_key is None or key is None:
        raise ArgumentError("CURVE needs both server_key and key")
    if isinstance(key, (tuple, list)):
        public, secret = load_key(key[0]), load_key(key[1], secret=True)
    else:
        public, secret = load_key(key), load_key(key, secret=True)
    import zmq
    sock.setsockopt(zmq.CURVE_SERVERKEY, load_key(server_key))
    sock.setsockopt(zmq.CURVE_PUBLICKEY, public)
    sock.setsockopt(zmq.CURVE_SECRETKEY, secret)
