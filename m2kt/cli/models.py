"""``python -m m2kt`` — Models: list what this machine has, encode texts with any of them."""

from __future__ import annotations

import argparse
import json
from typing import Any

from m2kt.cli._common import progress, table


def cmd_models(args: argparse.Namespace) -> int:
    from m2kt.models import list_models

    rows = list_models()
    if args.json:
        print(json.dumps({"models": rows}, indent=2))
        return 0
    print(table(rows, ["name", "source", "available", "arch", "hidden_size", "layers",
                        "description"]))
    for r in rows:
        if r.get("hint"):
            print(f"note: {r['hint']}")
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    import numpy as np

    from m2kt.models import encode, load

    lm = load(args.model, device=args.device, progress=progress)
    vecs = encode(lm, args.text, layers=args.layer, pooling=args.pooling,
                  template=args.template, batch_size=args.batch_size)
    norms = np.linalg.norm(vecs, axis=1)
    if args.json:
        print(json.dumps({
            "model": lm.info.as_dict(), "layer": args.layer,
            "pooling": args.pooling or lm.info.default_pooling, "shape": list(vecs.shape),
            "vectors": vecs.round(6).tolist(), "norms": norms.round(6).tolist(),
        }))
        return 0
    print(f"{lm.info.name}: {lm.info.architecture}, {lm.info.layers} layers, "
          f"hidden {lm.info.hidden_size}; layer {args.layer}, "
          f"pooling {args.pooling or lm.info.default_pooling}; shape {tuple(vecs.shape)}")
    for text, v, nv in zip(args.text, vecs, norms, strict=True):
        head = " ".join(f"{x:+.3f}" for x in v[:6])
        print(f"  {text!r:<24} |v|={nv:7.3f}  [{head} …]")
    return 0


def register(sub: Any) -> None:
    """Add this group's verbs to the subparsers ``sub``."""
    m = sub.add_parser("models", help="list models: builtins, ingested students, cached hub models")
    m.add_argument("--json", action="store_true", help="print one JSON document")
    m.set_defaults(func=cmd_models)

    e = sub.add_parser("encode", help="encode texts with any model (hidden states, pooled)")
    e.add_argument("--model", required=True, help="builtin name, hub id or local directory")
    e.add_argument("--layer", type=int, default=-1, help="0 = embeddings … L = last (default -1)")
    e.add_argument("--pooling", choices=["mean", "cls", "last"], default=None)
    e.add_argument("--template", default=None, help="e.g. 'The word \"{}\"'; '' disables")
    e.add_argument("--batch-size", type=int, default=64)
    e.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    e.add_argument("--json", action="store_true")
    e.add_argument("text", nargs="+")
    e.set_defaults(func=cmd_encode)
