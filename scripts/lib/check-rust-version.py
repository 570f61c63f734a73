"""Reads `cargo metadata` on stdin: the workspace's rust-version must be at least what every
locked dependency declares (so the number tells the truth about the Rust Sheba needs)."""

import json
import sys


def version(s):
    return tuple(int(x) for x in s.split("."))


meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
ours = {p["rust_version"] for p in meta["packages"] if p["id"] in members}
if len(ours) != 1 or None in ours:
    sys.exit(f"every workspace crate takes rust-version from the workspace (found {ours})")
(declared,) = ours
needs = max(
    ((version(p["rust_version"]), p["name"]) for p in meta["packages"] if p["id"] not in members and p.get("rust_version")),
    default=((0,), "nothing"),
)
if needs[0] > version(declared):
    sys.exit(f"rust-version = {declared}, but {needs[1]} needs {'.'.join(map(str, needs[0]))}")
print(f"ok: rust-version {declared}; the most demanding dependency ({needs[1]}) needs {'.'.join(map(str, needs[0]))}")
