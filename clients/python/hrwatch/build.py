"""Generate the protobuf classes hrwatch needs from the .proto contract.

    python3 -m hrwatch.build [--proto DIR] [--out DIR]

runs protoc over proto/hrwatch/v1/*.proto into a directory private to the
package (hrwatch/_pb by default). The generated modules are never
committed: they are made from the contract of the hrwatchd they talk to.
`--out` writes elsewhere; point HRWATCH_PB_DIR at that directory before
importing hrwatch to use it.
"""

import argparse
import os
import shutil
import subprocess
import sys

PROTOS = ("hrwatch/v1/events.proto", "hrwatch/v1/alerts.proto", "hrwatch/v1/control.proto")

_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(_HERE, "_pb")
# clients/python/hrwatch -> the repository's proto/ directory.
DEFAULT_PROTO = os.path.normpath(os.path.join(_HERE, "..", "..", "..", "proto"))


def _well_known_include():
    """The directory holding google/protobuf/timestamp.proto, if protoc does
    not find it by itself."""
    for d in ("/usr/include", "/usr/local/include"):
        if os.path.exists(os.path.join(d, "google", "protobuf", "timestamp.proto")):
            return d
    return None


def generate(proto_dir=None, out_dir=None, protoc=None):
    """Run protoc over the hrwatch .proto files into out_dir (the package's
    private _pb directory by default) and return out_dir. The modules land
    in out_dir/hrwatch/v1/, named as protoc names them."""
    proto_dir = os.path.abspath(proto_dir or DEFAULT_PROTO)
    out_dir = os.path.abspath(out_dir or DEFAULT_OUT)
    protoc = protoc or shutil.which("protoc")
    if not protoc:
        raise RuntimeError("protoc not found: install protobuf-compiler")
    for p in PROTOS:
        if not os.path.isfile(os.path.join(proto_dir, p)):
            raise RuntimeError(f"{p} not found under {proto_dir}: give --proto")
    os.makedirs(out_dir, exist_ok=True)
    cmd = [protoc, f"-I{proto_dir}"]
    inc = _well_known_include()
    if inc:
        cmd.append(f"-I{inc}")
    cmd += [f"--python_out={out_dir}", *PROTOS]
    subprocess.run(cmd, check=True)
    return out_dir


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m hrwatch.build",
                                     description="Generate hrwatch's protobuf classes.")
    parser.add_argument("--proto", help=f"the proto/ directory (default {DEFAULT_PROTO})")
    parser.add_argument("--out", help=f"where to write them (default {DEFAULT_OUT})")
    parser.add_argument("--protoc", help="the protoc binary (default: from PATH)")
    args = parser.parse_args(argv)
    try:
        out = generate(args.proto, args.out, args.protoc)
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print(f"hrwatch.build: {e}", file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
