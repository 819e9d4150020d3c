"""The ``python -m m2kt`` command line (DESIGN §10).

Contract: on bad input print one line ``ERROR <ErrorClass>: <message>`` to stderr (a traceback
only with ``--debug``) and exit 2; exit 1 when a verification gate fails; exit 0 on success.
``--json`` prints exactly one JSON document to stdout; progress goes to stderr.  An unexpected
internal error exits 3 so it is never mistaken for a user error.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

from m2kt.cli import atlas, bench, domains, ingest, models, packets, review
from m2kt.cli._common import Parser
from m2kt.errors import M2KTError

#: verb groups in pipeline order — ``--help`` lists their verbs in this order
GROUPS = (models, domains, packets, atlas, review, ingest, bench)


def build_parser() -> Parser:
    p = Parser(prog="python -m m2kt", description="M2KT engine: knowledge packets between models. "
               "Verbs in pipeline order: models and tasks, packets, review, ingestion, "
               "evaluation.")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="verb", metavar="VERB", parser_class=Parser)
    for group in GROUPS:
        group.register(sub)
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
        from m2kt.render.escape import visible  # messages may quote packet text: keep it inert

        print(f"ERROR {type(exc).__name__}: {visible(exc, 4000)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ERROR Interrupted: cancelled by the user", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:  # e.g. the system python instead of the venv's
        if debug:
            traceback.print_exc()
        print(f"ERROR MissingDependency: the package {exc.name!r} is not installed for "
              f"{sys.executable}; run the venv's python (.venv/bin/python -m m2kt …) or "
              "install the requirements (pip install -r requirements.txt)", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug, not bad input: say so, exit 3
        if debug:
            traceback.print_exc()
        print(f"ERROR InternalError: {type(exc).__name__}: {exc} (rerun with --debug)",
              file=sys.stderr)
        return 3
