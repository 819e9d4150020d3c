"""``python -m m2kt`` — Review: the human decision, reviewer accounts, the audit log."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from m2kt.cli._common import trust


def _decide(args: argparse.Namespace, action: str) -> int:
    from pathlib import Path

    from m2kt.config import workspace
    from m2kt.packet.reader import open_packet
    from m2kt.store import audit
    from m2kt.store.db import open_db

    conn = open_db(workspace())
    try:
        from m2kt.store import reviewers

        if reviewers.configured(conn):  # accounts exist: the reviewer must sign in
            import getpass

            password = (sys.stdin.readline().rstrip("\n") if args.password_stdin
                        else getpass.getpass(f"password for {args.reviewer}: "))
            args.reviewer = reviewers.authenticate(conn, args.reviewer, password)
        if action == "approved":
            p = open_packet(Path(args.file), trust(args.trust), conn)
            digest = p.digest
        else:  # a rejection is recorded even for a packet that does not verify
            from m2kt.packet.reader import report_packet

            rep = report_packet(Path(args.file), trust(args.trust), conn)
            import hashlib

            digest = rep.digest or hashlib.sha256(Path(args.file).read_bytes()).hexdigest()
        seen = audit.decision(conn, digest)
        e = audit.decide(conn, digest, action, args.reviewer, args.reason,
                         seen.id if seen else None)
    finally:
        conn.close()
    queued = _queue(Path(args.file))
    print(f"{action} {digest} by {e.reviewer} (audit entry {e.id})"
          + (f"; in the workbench's review queue as {queued.name}" if queued else ""))
    return 0


def _queue(path):
    """Put a decided packet file in this workspace's review queue, so the workbench's pages
    show it with its decision (None when the file cannot be queued)."""
    from m2kt.errors import M2KTError
    from m2kt.store.queue import save_packet_bytes

    try:
        return save_packet_bytes(path.read_bytes())
    except (M2KTError, OSError):
        return None


def cmd_approve(args: argparse.Namespace) -> int:
    return _decide(args, "approved")


def cmd_reject(args: argparse.Namespace) -> int:
    return _decide(args, "rejected")


def cmd_reviewers(args: argparse.Namespace) -> int:
    import getpass

    from m2kt.config import workspace
    from m2kt.store import reviewers
    from m2kt.store.db import open_db

    conn = open_db(workspace())
    try:
        if args.rv_verb == "list":
            names = reviewers.names(conn)
            print("\n".join(names) if names else "no reviewer accounts: single-user local mode")
        elif args.rv_verb == "remove":
            reviewers.remove(conn, args.name)
            print(f"removed reviewer {args.name}")
        else:
            pw = (sys.stdin.readline().rstrip("\n") if args.password_stdin
                  else getpass.getpass(f"new password for {args.name}: "))
            reviewers.add(conn, args.name, pw)
            print(f"added reviewer {args.name}: approvals now need a signed-in reviewer")
    finally:
        conn.close()
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from m2kt.config import workspace
    from m2kt.errors import GateFailure
    from m2kt.render.escape import visible
    from m2kt.store import audit
    from m2kt.store.db import open_db

    conn = open_db(workspace())
    try:
        if args.audit_verb == "list":
            for e in audit.entries(conn):
                print(f"{e.id}\t{e.created_at}\t{e.action}\t{e.packet_digest[:16]}…\t"
                      f"{visible(e.reviewer, 60)}\t{visible(e.reason, 200)}")
            return 0
        ok, broken, n = audit.verify_chain(conn)
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if integrity != "ok":
        raise GateFailure(f"database integrity check failed: {integrity}")
    if not ok:
        raise GateFailure(f"audit chain broken at entry {broken} (checked {n} entries): it "
                          "was changed, inserted or removed outside m2kt")
    print(f"audit chain intact: {n} entries; database integrity ok")
    return 0


def register(sub: Any) -> None:
    """Add this group's verbs to the subparsers ``sub``."""
    for verb, fn, helptext in (("approve", cmd_approve, "record approval in the audit log"),
                               ("reject", cmd_reject, "record rejection in the audit log")):
        a = sub.add_parser(verb, help=helptext)
        a.add_argument("file")
        a.add_argument("--reviewer", required=True)
        a.add_argument("--reason", required=True)
        a.add_argument("--trust", default=None)
        a.add_argument("--password-stdin", action="store_true",
                       help="read the reviewer's password from stdin (when reviewer accounts "
                            "exist; otherwise it is asked for)")
        a.set_defaults(func=fn)

    rv = sub.add_parser("reviewers", help="local reviewer accounts (who may approve/reject)")
    rv.add_argument("rv_verb", choices=["add", "remove", "list"])
    rv.add_argument("name", nargs="?", default="")
    rv.add_argument("--password-stdin", action="store_true")
    rv.set_defaults(func=cmd_reviewers)

    au = sub.add_parser("audit", help="audit log: verify the hash chain, or list entries")
    au.add_argument("audit_verb", choices=["verify", "list"])
    au.set_defaults(func=cmd_audit)
