"""The ``python -m m2kt`` command line (DESIGN §10).

Contract: on bad input print one line ``ERROR <ErrorClass>: <message>`` to stderr (a traceback
only with ``--debug``) and exit 2; exit 1 when a verification gate fails; exit 0 on success.
``--json`` prints exactly one JSON document to stdout; progress goes to stderr.  An unexpected
internal error exits 3 so it is never mistaken for a user error.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from m2kt.errors import M2KTError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit 2 itself
        raise UsageError(f"{self.prog}: {message}")


def _progress(message: str, fraction: float | None = None) -> None:
    pct = f" {fraction:4.0%}" if fraction is not None else ""
    print(f"  ·{pct} {message}", file=sys.stderr, flush=True)


def _table(rows: list[dict[str, Any]], cols: Sequence[str]) -> str:
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def cmd_models(args: argparse.Namespace) -> int:
    from m2kt.models import list_models

    rows = list_models()
    if args.json:
        print(json.dumps({"models": rows}, indent=2))
        return 0
    print(_table(rows, ["name", "source", "available", "arch", "hidden_size", "layers",
                        "description"]))
    for r in rows:
        if r.get("hint"):
            print(f"note: {r['hint']}")
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    import numpy as np

    from m2kt.models import encode, load

    lm = load(args.model, device=args.device, progress=_progress)
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


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m m2kt", description="M2KT engine: knowledge packets between models.")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)

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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (never raises for user errors)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "func", None):
            build_parser().print_help(sys.stderr)
            return 2
        return int(args.func(args))
    except M2KTError as exc:
        if debug:
            traceback.print_exc()
        print(f"ERROR {type(exc).__name__}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ERROR Interrupted: cancelled by the user", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: say so, exit 3
        if debug:
            traceback.print_exc()
        print(f"ERROR InternalError: {type(exc).__name__}: {exc} (rerun with --debug)",
              file=sys.stderr)
        return 3
