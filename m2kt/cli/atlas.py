"""``python -m m2kt`` — Atlases: a teacher's vectors of public strings, built once for every
task (:mod:`m2kt.atlas`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from m2kt.cli._common import progress, trust
from m2kt.errors import M2KTError, UsageError


def cmd_build_atlas(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.atlas import build_atlas, read_atlas
    from m2kt.atlas.artefact import atlas_strings
    from m2kt.packet.signing import load_signing_key
    from m2kt.packet.writer import write_atomic

    try:
        atlas_strings(args.strings)  # refused before seconds of loading
    except ValueError as exc:
        raise UsageError(f"--strings: {exc}") from exc
    key = load_signing_key(Path(args.key))
    data = build_atlas(args.teacher, args.strings, key, device=args.device, progress=progress)
    out = Path(args.out)
    write_atomic(out, data)
    try:
        digest = read_atlas(data, trust(None)).digest
    except M2KTError:  # the key may not be in this workspace's trust store: say so, not fail
        digest = None
    print(f"wrote {out} ({len(data):,} bytes): {args.strings:,} strings from {args.teacher}"
          + (f", digest {digest}" if digest else
             " (its key is not in this workspace's trust store; `inspect-atlas --trust` it)"))
    return 0


def cmd_inspect_atlas(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.atlas import read_atlas

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no atlas file at {path}")
    a = read_atlas(path, trust(args.trust))
    info = {"digest": a.digest, "keyid": a.keyid, "teacher": a.teacher.model_dump(),
            "strings": len(a.strings), "dim": int(a.vectors.shape[1]), "bytes": a.size,
            "first_strings": list(a.strings[:8])}
    if args.json:
        print(json.dumps(info, indent=2))
    else:  # the atlas's texts reach a terminal: control, bidi and zero-width escaped
        from m2kt.render.escape import visible

        print(f"atlas {a.digest}\n  signed by {a.keyid}\n  teacher {visible(a.teacher.name, 200)} "
              f"(weights {a.teacher.weights_sha256[:12]}…, layer {a.teacher.layer}, "
              f"{a.teacher.pooling} pooling)\n  {len(a.strings):,} strings × "
              f"{a.vectors.shape[1]} dims, {a.size:,} bytes\n  first: "
              + ", ".join(repr(visible(s, 200)) for s in a.strings[:8]))
    return 0


def register(sub: Any) -> None:
    """Add this group's verbs to the subparsers ``sub``."""
    b = sub.add_parser("build-atlas", help="build and sign a teacher's atlas: its vectors of "
                       "public strings, chosen without any task")
    b.add_argument("--teacher", required=True, help="model name (see `models`), e.g. minilm-l6")
    b.add_argument("--key", required=True, help="private key file from keygen")
    b.add_argument("--out", required=True, help="output .m2kt-atlas file")
    b.add_argument("--strings", type=int, default=2000,
                   help="how many public strings: the first N whole words of the MiniLM "
                   "vocabulary (default 2000); each counts once per teacher as an "
                   "atlas string")
    b.add_argument("--device", default="cpu")
    b.set_defaults(func=cmd_build_atlas)

    i = sub.add_parser("inspect-atlas", help="check an atlas (signature, trust, digests, "
                       "shapes) and summarise it")
    i.add_argument("file")
    i.add_argument("--json", action="store_true")
    i.add_argument("--trust", default=None, help="PUBFILE or trust-store folder")
    i.set_defaults(func=cmd_inspect_atlas)
