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
import time
import traceback
from collections.abc import Sequence
from typing import Any

from m2kt.domains.names import SYMBOLIC_TASKS, TASKS
from m2kt.errors import M2KTError, UsageError
from m2kt.ingest.variants import DEFAULT_VARIANT, VARIANTS


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


def cmd_domains(args: argparse.Namespace) -> int:
    from m2kt.domains.registry import list_tasks

    rows = list_tasks(seed=args.seed)
    if args.json:
        print(json.dumps({"seed": args.seed, "tasks": rows}, indent=2))
        return 0
    def share(v: dict | None, key: str) -> str:
        return "—" if not v or v.get(key) is None else f"{100 * v[key]:.0f} %"

    flat = [{**r, "train/pool/dev/test": "/".join(str(v) for v in r["splits"].values()),
             "teacher_acc": "—" if r["teacher_acc"] is None else f"{r['teacher_acc']:.3f}",
             "student_before": "—" if r["student_before_acc"] is None
             else f"{r['student_before_acc']:.3f}",
             "prior share": share(r["validity"], "prior_share"),
             "KD-full share": share(r["validity"], "kd_full_share"),
             "valid": "—" if not r["validity"] else ("yes" if r["validity"]["valid"] else "NO")}
            for r in rows]
    print(_table(flat, ["name", "track", "labels", "concepts", "train/pool/dev/test", "teacher",
                        "teacher_acc", "student", "student_before", "prior share",
                        "KD-full share", "valid"]))
    src = next((r["validity"]["source"] for r in rows if r["validity"]), None)
    print("\nvalidity (BENCHMARK.md: teacher − start ≥ 0.10, prior closes ≤ 25 % of that gap, "
          "KD on the full pool ≥ 75 %): " + (f"from {src}" if src else
                                             "no protocol-v2 report committed yet"))
    return 0


def cmd_train_symbolic(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.domains.registry import SYMBOLIC_DIR
    from m2kt.domains.symbolic.build import train_all

    out = Path(args.out) if args.out else SYMBOLIC_DIR
    record = train_all(out, tasks=args.tasks, seed=args.seed, device=args.device,
                       progress=_progress)
    for name, r in record["tasks"].items():
        print(f"{name}: teacher test acc {r['teacher']['acc']:.3f} "
              f"(student start {r['student']['before_acc']:.3f}); "
              f"{r['teacher']['train_seconds']} s + {r['student']['pretrain_seconds']} s")
    print(f"wrote {out}")
    return 0


def cmd_train_teachers(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.domains.language import record_language_teachers
    from m2kt.domains.registry import LANGUAGE_RECORD

    out = Path(args.out) if args.out else LANGUAGE_RECORD
    record = record_language_teachers(out, seed=args.seed, device=args.device,
                                      retrain=args.retrain, progress=_progress)
    for name, r in record["tasks"].items():
        print(f"{name}: teacher {r['teacher']['teacher']} test acc {r['teacher']['acc']:.3f}; "
              f"student {r['student_before']['student']} start "
              f"{r['student_before']['acc']:.3f} ({r['student_before']['method']})")
    print(f"wrote {out}")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.packet.signing import keygen, load_signing_key
    from m2kt.packet.trust import trust_key

    priv, pub = keygen(Path(args.out))
    kid = load_signing_key(priv).keyid
    print(f"key id {kid}\nprivate key {priv} (mode 0600)\npublic key  {pub}")
    if not args.no_trust:
        trust_key(pub, name=args.name or kid)
        print("added the public key to this workspace's trust store")
    return 0


def _trust(arg: str | None):
    from pathlib import Path

    from m2kt.packet.trust import load_store

    return load_store(Path(arg) if arg else None)


def cmd_build_packet(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.concepts.teacher import load_teacher
    from m2kt.config import workspace
    from m2kt.domains.registry import get_task
    from m2kt.packet.build import build_packet
    from m2kt.packet.signing import load_signing_key
    from m2kt.packet.trust import next_sequence
    from m2kt.store.db import open_db

    if args.anchors < 0:  # refused before seconds of loading
        raise UsageError(f"--anchors must be 0 or more, not {args.anchors}")
    key = load_signing_key(Path(args.key))
    task = get_task(args.domain, seed=args.seed)
    if args.anchors > len(task.splits["transfer_pool"]):
        raise UsageError(f"--anchors must be between 0 and {len(task.splits['transfer_pool'])} "
                         f"(the size of {task.name}'s transfer pool)")
    teacher = load_teacher(task, args.teacher, device=args.device, progress=_progress)
    conn = open_db(workspace())
    try:
        seq = next_sequence(conn, key.keyid)
    finally:
        conn.close()
    res = build_packet(task, key, Path(args.out), seq, teacher=teacher, layer=args.layer,
                       rank=args.rank, anchors=args.anchors, creator=args.creator,
                       parent=args.parent, expires_days=args.expires_days, progress=_progress,
                       anchor_selection=args.anchor_selection)
    print(f"built {res.path}: {res.size:,} bytes in {res.seconds:.1f} s; sequence {res.sequence}; "
          f"inputs {res.counts}")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.config import workspace
    from m2kt.errors import PacketError
    from m2kt.packet.inspect import render_text, summarize
    from m2kt.packet.reader import report_packet
    from m2kt.store.db import open_db

    path = Path(args.file)
    conn = open_db(workspace())
    try:
        rep = report_packet(path, _trust(args.trust), conn)
    finally:
        conn.close()
    size = path.stat().st_size if path.is_file() else 0
    if rep.manifest is None and rep.issues:
        first = rep.issues[0]
        raise PacketError(f"[{first.stage}] {first.error}: {first.message}")
    summary = summarize(rep, size)
    print(json.dumps(summary, indent=2, default=list) if args.json else render_text(summary))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.config import workspace
    from m2kt.packet.reader import open_packet
    from m2kt.store.db import open_db

    conn = open_db(workspace())
    try:
        p = open_packet(Path(args.file), _trust(args.trust), conn)
    finally:
        conn.close()
    prov = p.manifest.provenance
    state = "already accepted" if p.already_accepted else "accepted"
    print(f"VALID {args.file}: digest {p.digest}, key {p.keyid}, teacher {prov.teacher.name}, "
          f"task {prov.domain.task}, sequence {prov.sequence} ({state})")
    return 0


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
            p = open_packet(Path(args.file), _trust(args.trust), conn)
            digest = p.digest
        else:  # a rejection is recorded even for a packet that does not verify
            from m2kt.packet.reader import report_packet

            rep = report_packet(Path(args.file), _trust(args.trust), conn)
            import hashlib

            digest = rep.digest or hashlib.sha256(Path(args.file).read_bytes()).hexdigest()
        seen = audit.decision(conn, digest)
        e = audit.decide(conn, digest, action, args.reviewer, args.reason,
                         seen.id if seen else None)
    finally:
        conn.close()
    print(f"{action} {digest} by {e.reviewer} (audit entry {e.id})")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    return _decide(args, "approved")


def cmd_reject(args: argparse.Namespace) -> int:
    return _decide(args, "rejected")


def cmd_ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.config import workspace
    from m2kt.errors import GateFailure
    from m2kt.ingest.trainer import ingest
    from m2kt.packet.reader import open_packet
    from m2kt.store import audit
    from m2kt.store.db import open_db
    from m2kt.verify.gates import pre_gates, table
    from m2kt.verify.policy import load_policy

    policy = load_policy(Path(args.policy) if args.policy else None)
    conn = open_db(workspace())
    try:
        p = open_packet(Path(args.file), _trust(args.trust), conn)
        pre = pre_gates(p, conn, policy)
        if any(g.failed for g in pre):
            print(table(pre), file=sys.stderr)
            if not pre[1].passed:
                d = audit.decision(conn, p.digest)
                why = (f"it was rejected by {d.reviewer}" if d and d.action == "rejected"
                       else "it has not been approved")
                raise GateFailure(f"refusing to ingest packet {p.digest[:16]}…: {why}; review "
                                  "it, then `python -m m2kt approve FILE --reviewer NAME "
                                  "--reason TEXT`")
            raise GateFailure(f"refusing to ingest packet {p.digest[:16]}…: a pre-ingestion "
                              "gate failed")
        weights = {t: 0.0 for t in (args.ablate or [])}
        res = ingest(p, Path(args.out), student=args.student, method=args.method, seed=args.seed,
                     weights=weights, steps=args.steps, policy=policy, progress=_progress,
                     variant=args.variant)
        audit.record_ingestion(conn, p.digest, "m2kt ingest", args.out,
                               [g.status for g in res.gates])
    finally:
        conn.close()
    print(table(pre + res.gates))
    print(f"student written to {res.out_dir}; ledger {res.ledger.as_dict()}; "
          f"{res.seconds:.1f} s")
    if res.accuracy is not None:
        start = "unknown" if res.student_before is None else f"{res.student_before:.3f}"
        print(f"held-out {res.extra.get('eval_split', 'dev')} accuracy {res.accuracy:.3f} "
              f"(student's start {start})")
    if not res.passed:
        failed = ", ".join(g.name for g in res.gates if g.failed)
        raise GateFailure(f"post-ingestion gate(s) failed: {failed}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from m2kt.ingest.student import load_student

    st = load_student(args.model)
    answers = st.answer(args.text, query=args.query)
    if args.json:
        print(json.dumps({"task": st.meta["task"], "answers": dict(zip(args.text, answers,
                                                                      strict=True))}))
        return 0
    for t, a in zip(args.text, answers, strict=True):
        print(f"{t}\t{a}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.bench.report import render_markdown, write_report
    from m2kt.bench.run import BenchOptions, run_bench

    opts = BenchOptions(track=args.track, quick=args.quick, seeds=args.seeds,
                        device=args.device, anchors=args.anchors, variant=args.variant,
                        tasks=tuple(args.tasks) if args.tasks else None,
                        teacher=args.teacher, ablations=not args.no_ablations,
                        split=args.split, workers=args.workers)
    t0 = time.perf_counter()

    def on_task(name: str, entry: dict) -> None:
        m = entry["methods"]
        print(f"  ✓ {name}: M2KT {m['m2kt']['acc']:.3f} with "
              f"{m['m2kt']['ledger']['crossing_inputs']} crossing inputs; "
              f"KD at the same inputs {m['kd']['acc']:.3f}, KD + pool {m['kd_ssl']['acc']:.3f}; "
              f"{entry['seconds']:.0f} s ({time.perf_counter() - t0:.0f} s so far)",
              file=sys.stderr, flush=True)

    result = run_bench(opts, progress=_progress, on_task=on_task)
    text = json.dumps(result, indent=2) + "\n"
    if args.json == "-":
        sys.stdout.write(text)
    elif args.json:
        from m2kt.packet.writer import write_atomic

        write_atomic(Path(args.json), text.encode())
    if args.report:
        for path in write_report(result, Path(args.report)):
            print(f"wrote {path}", file=sys.stderr)
    if args.json != "-":
        print(render_markdown(result))
    return 0


def cmd_bench_table(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.bench.report import readme_block

    paths = [Path(p) for p in args.report]
    if args.recompute:  # derived fields, from the measurements in the same file
        from m2kt.bench.figures import derived
        from m2kt.bench.report import render_markdown
        from m2kt.packet.writer import write_atomic

        for path in paths:
            result = json.loads(path.read_text())
            for entry in result["tasks"].values():
                entry.update(derived(entry))
            write_atomic(path, (json.dumps(result, indent=2) + "\n").encode())
            write_atomic(path.with_name("report.md"), render_markdown(result).encode())
            print(f"recomputed parity and reductions in {path} and report.md")
    text = readme_block(*paths)
    if args.readme:
        from m2kt.bench.research import splice_between

        path = Path(args.readme)
        path.write_text(splice_between(path.read_text(), text, "bench-table"))
        print(f"updated the results table in {path}")
    else:
        print(text, end="")
    return 0


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


def cmd_research_log(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.bench.research import research_log
    from m2kt.ingest.variants import VARIANTS

    variants = [] if args.tables_only else (args.variants or list(VARIANTS))
    research_log(variants, Path(args.log), Path(args.results), seeds=args.seeds,
                 progress=_progress, tasks=tuple(args.tasks) if args.tasks else None)
    ran = f" and {args.results}/<variant>.json for {', '.join(variants)}" if variants else ""
    print(f"wrote {args.log}{ran}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m m2kt", description="M2KT engine: knowledge packets between models.")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)

    m = sub.add_parser("models", help="list models: builtins, ingested students, cached hub models")
    m.add_argument("--json", action="store_true", help="print one JSON document")
    m.set_defaults(func=cmd_models)

    d = sub.add_parser("domains", help="list tasks: track, concepts, splits, teacher accuracy")
    d.add_argument("--json", action="store_true")
    d.add_argument("--seed", type=int, default=0)
    d.set_defaults(func=cmd_domains)

    ts = sub.add_parser("train-symbolic",
                        help="regenerate the symbolic suite's tiny teachers and students")
    ts.add_argument("--out", default=None, help="output folder (default assets/symbolic)")
    ts.add_argument("--tasks", nargs="+", choices=list(SYMBOLIC_TASKS),
                    default=list(SYMBOLIC_TASKS))
    ts.add_argument("--seed", type=int, default=0)
    ts.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    ts.set_defaults(func=cmd_train_symbolic)

    tl = sub.add_parser("train-teachers",
                        help="train/cache the language-track teacher heads and record accuracies")
    tl.add_argument("--out", default=None,
                    help="record file (default assets/language_teachers.json)")
    tl.add_argument("--seed", type=int, default=0)
    tl.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    tl.add_argument("--retrain", action="store_true", help="ignore the workspace cache")
    tl.set_defaults(func=cmd_train_teachers)

    k = sub.add_parser("keygen", help="create an Ed25519 signing key pair for a teacher")
    k.add_argument("--out", required=True, help="folder for teacher.key and teacher.pub")
    k.add_argument("--name", default=None, help="a name for the key in the trust store")
    k.add_argument("--no-trust", action="store_true",
                   help="do not add the public key to this workspace's trust store")
    k.set_defaults(func=cmd_keygen)

    b = sub.add_parser("build-packet", help="build and sign a knowledge packet from a teacher")
    b.add_argument("--domain", required=True, help="task name (see `domains`)")
    b.add_argument("--key", required=True, help="private key file from keygen")
    b.add_argument("--out", required=True, help="output .m2kt file")
    b.add_argument("--teacher", default=None, help="default: the domain's own teacher")
    b.add_argument("--layer", type=int, default=-1, help="main layer for manifolds (default -1)")
    b.add_argument("--anchors", type=int, default=64,
                   help="K unlabelled anchors whose teacher vectors cross (counted; default 64, "
                   "what the default ingestion variant needs; 0 = a zero-crossing packet)")
    b.add_argument("--anchor-selection", choices=["random", "kmeans", "labels"],
                   default="kmeans", help="how the K anchors are chosen: kmeans (default; the "
                   "teacher picks medoids of its own vectors of the pool), random, labels")
    b.add_argument("--rank", type=int, default=8, help="manifold principal rank")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--creator", default=None)
    b.add_argument("--parent", default=None, help="digest of the packet this one supersedes")
    b.add_argument("--expires-days", type=int, default=None)
    b.add_argument("--device", default="cpu")
    b.set_defaults(func=cmd_build_packet)

    i = sub.add_parser("inspect", help="summarise a packet (report-all reader)")
    i.add_argument("file")
    i.add_argument("--json", action="store_true")
    i.add_argument("--trust", default=None, help="PUBFILE or trust-store folder")
    i.set_defaults(func=cmd_inspect)

    v = sub.add_parser("verify", help="run every reader check; 0 valid, 2 invalid")
    v.add_argument("file")
    v.add_argument("--trust", default=None, help="PUBFILE or trust-store folder")
    v.set_defaults(func=cmd_verify)

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

    ig = sub.add_parser("ingest", help="ingest an approved packet into a new student")
    ig.add_argument("file")
    ig.add_argument("--out", required=True, help="new student directory")
    ig.add_argument("--student", default=None, help="default: the domain's own student")
    ig.add_argument("--method", default="auto", choices=["auto", "ridge", "procrustes", "cal"],
                    help="initial CAL map (auto: cross-validated on the packet's anchors)")
    ig.add_argument("--seed", type=int, default=0)
    ig.add_argument("--steps", type=int, default=None,
                    help="composite-loss steps (default: the variant's)")
    ig.add_argument("--variant", default=DEFAULT_VARIANT, choices=list(VARIANTS),
                    help=f"method variant (default {DEFAULT_VARIANT}): "
                    + " | ".join(VARIANTS))
    ig.add_argument("--ablate", nargs="*", choices=["geo", "struct", "reason", "safe"],
                    help="switch loss terms off")
    ig.add_argument("--policy", default=None, help="safety policy JSON")
    ig.add_argument("--trust", default=None)
    ig.set_defaults(func=cmd_ingest)

    pr = sub.add_parser("predict", help="the (ingested) student alone answers")
    pr.add_argument("--model", required=True, help="ingested student directory or name")
    pr.add_argument("--query", default=None, help="concept id asked about (pair tasks)")
    pr.add_argument("--json", action="store_true")
    pr.add_argument("text", nargs="+")
    pr.set_defaults(func=cmd_predict)

    bn = sub.add_parser("bench", help="M2KT against knowledge distillation (BENCHMARK.md)")
    bn.add_argument("--track", choices=["symbolic", "language", "all"], default="all")
    bn.add_argument("--tasks", nargs="+", default=None, choices=list(TASKS),
                    help="only these tasks (default: every task of --track)")
    bn.add_argument("--split", choices=["test", "dev"], default="test",
                    help="the held-out split every arm is scored on: test for the final "
                    "report; dev for every research choice (default test)")
    bn.add_argument("--quick", action="store_true",
                    help="one seed, short KD sweep, no ablations (minutes on 2 CPU cores)")
    bn.add_argument("--seeds", type=int, default=3)
    bn.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    bn.add_argument("--anchors", type=int, default=64, help="M2KT anchors per packet")
    bn.add_argument("--variant", default=DEFAULT_VARIANT, choices=list(VARIANTS),
                    help=f"M2KT method variant (m2kt/ingest/variants.py; default "
                    f"{DEFAULT_VARIANT})")
    bn.add_argument("--teacher", default=None,
                    help="teacher model of the language tasks instead of each task's own; "
                    "then only the language tasks run (smollm2-135m: the cross-architecture "
                    "pair)")
    bn.add_argument("--workers", type=int, default=1,
                    help="run this many tasks at once in separate processes (default 1; "
                    "set OMP_NUM_THREADS so that workers × threads fits the cores)")
    bn.add_argument("--no-ablations", action="store_true",
                    help="skip the ablations (loss terms, alignment methods, anchor sweep)")
    bn.add_argument("--json", default=None, help="write the result JSON here ('-' = stdout)")
    bn.add_argument("--report", default=None,
                    help="folder for bench.json, report.md and one plot per task")
    bn.set_defaults(func=cmd_bench)

    bt = sub.add_parser("bench-table",
                        help="the README results tables from one or more bench report JSONs")
    bt.add_argument("report", nargs="+",
                    help="bench JSON(s), e.g. docs/results/full/bench.json "
                    "docs/results/cross/bench.json")
    bt.add_argument("--recompute", action="store_true",
                    help="recompute parity and reductions from the file's own measurements "
                         "(and rewrite its report.md) first")
    bt.add_argument("--readme", default=None,
                    help="rewrite the table between the bench-table markers of this file")
    bt.set_defaults(func=cmd_bench_table)

    rv = sub.add_parser("reviewers", help="local reviewer accounts (who may approve/reject)")
    rv.add_argument("rv_verb", choices=["add", "remove", "list"])
    rv.add_argument("name", nargs="?", default="")
    rv.add_argument("--password-stdin", action="store_true")
    rv.set_defaults(func=cmd_reviewers)

    au = sub.add_parser("audit", help="audit log: verify the hash chain, or list entries")
    au.add_argument("audit_verb", choices=["verify", "list"])
    au.set_defaults(func=cmd_audit)

    rl = sub.add_parser("research-log",
                        help="every ingestion variant on every task, on dev → "
                        "docs/research-log.md")
    rl.add_argument("--variants", nargs="+", default=None, choices=list(VARIANTS),
                    help="default: all")
    rl.add_argument("--tasks", nargs="+", default=None, choices=list(TASKS),
                    help="default: every task")
    rl.add_argument("--seeds", type=int, default=1)
    rl.add_argument("--tables-only", action="store_true",
                    help="run nothing: regenerate the log's tables from the committed JSONs")
    rl.add_argument("--log", default="docs/research-log.md")
    rl.add_argument("--results", default="docs/results/research")
    rl.set_defaults(func=cmd_research_log)

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
        from m2kt.render.escape import visible  # messages may quote packet text: keep it inert

        print(f"ERROR {type(exc).__name__}: {visible(exc, 4000)}", file=sys.stderr)
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
