"""``python -m m2kt`` — Packets: signing keys, building, inspecting and verifying."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from m2kt.cli._common import progress, trust
from m2kt.errors import UsageError
from m2kt.graph.methods import GRAPH_METHODS


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


def cmd_build_packet(args: argparse.Namespace) -> int:
    from pathlib import Path

    from m2kt.concepts.teacher import load_teacher
    from m2kt.config import workspace
    from m2kt.domains.registry import get_task
    from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant
    from m2kt.packet.build import build_packet, check_graph_method, check_streamable
    from m2kt.packet.signing import load_signing_key
    from m2kt.packet.trust import next_sequence
    from m2kt.store.db import open_db

    if args.anchors is not None and args.anchors < 0:  # refused before seconds of loading
        raise UsageError(f"--anchors must be 0 or more, not {args.anchors}")
    key = load_signing_key(Path(args.key))
    task = get_task(args.domain, seed=args.seed)
    if args.anchors is None:
        from m2kt.packet.build import default_anchors

        args.anchors = default_anchors(task)
    if args.anchors > len(task.splits["transfer_pool"]):
        raise UsageError(f"--anchors must be between 0 and {len(task.splits['transfer_pool'])} "
                         f"(the size of {task.name}'s transfer pool)")
    check_graph_method(task, args.graph)  # before seconds of loading the teacher
    stream = _stream_options(args)
    if stream is not None:
        check_streamable(task)
    atlas = _atlas(args)  # checked before seconds of loading the teacher
    if args.traces < 0:
        raise UsageError(f"--traces must be 0 or more, not {args.traces}")
    teacher = load_teacher(task, args.teacher, device=args.device, progress=progress)
    conn = open_db(workspace())
    try:
        seq = next_sequence(conn, key.keyid)
    finally:
        conn.close()
    res = build_packet(task, key, Path(args.out), seq, teacher=teacher, layer=args.layer,
                       rank=args.rank, anchors=args.anchors, creator=args.creator,
                       parent=args.parent, expires_days=args.expires_days, progress=progress,
                       anchor_selection=args.anchor_selection or get_variant(
                           DEFAULT_VARIANT).anchor_selection,
                       relative_words=args.relative_words, stream=stream,
                       relative_l2=args.relative_l2,
                       graph_method=args.graph, atlas=atlas, n_traces=args.traces,
                       relative_readout=not args.no_relative_readout)
    from m2kt.store.queue import save_packet_bytes

    queued = save_packet_bytes(res.path.read_bytes())  # the workbench's pages see it too
    c = res.counts
    print(f"built {res.path}: {res.size:,} bytes in {res.seconds:.1f} s; sequence {res.sequence}"
          f"\nthe teacher read {c['teacher_inputs']:,} inputs on its side and "
          f"{c['to_teacher']:,} of the student's; {c['anchor_inputs']} anchors"
          f"\nqueued for review in this workspace ({queued.name}); `inspect` shows what "
          "crosses")
    return 0


def _atlas(args: argparse.Namespace):
    """The atlas ``--atlas`` names, checked (signature, trust, digests, shapes), or None."""
    from pathlib import Path

    from m2kt.atlas import read_atlas

    if args.atlas is None:
        return None
    path = Path(args.atlas)
    if not path.is_file():
        raise UsageError(f"no atlas file at {path}")
    return read_atlas(path, trust(args.trust))


def _l2(text: str) -> float:
    """``--relative-l2``: a finite number above 0, or argparse's readable error."""
    import math

    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"a number above 0, not {text!r}")
    return v


def _stream_options(args: argparse.Namespace):
    """The streamed build asked for (``--inputs-file``, ``--workers``), or ``None``. An inputs
    file is read through once first, so a bad line is reported before any work starts."""
    from pathlib import Path

    from m2kt.packet.engine import StreamOptions, check_reachable
    from m2kt.packet.stream import InputFile

    if args.inputs_file is None and args.workers is None:
        return None
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, not {args.workers}")
    if args.workers and os.environ.get("RAY_ADDRESS"):  # before seconds of loading
        check_reachable(os.environ["RAY_ADDRESS"])
    if args.shard_size < 1:
        raise UsageError(f"--shard-size must be at least 1, not {args.shard_size}")
    texts = None
    if args.inputs_file is not None:
        texts = InputFile(Path(args.inputs_file))
        texts.check()
    return StreamOptions(texts=texts, workers=args.workers, shard_size=args.shard_size,
                         teacher=args.teacher)


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
        rep = report_packet(path, trust(args.trust), conn)
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
        p = open_packet(Path(args.file), trust(args.trust), conn)
    finally:
        conn.close()
    prov = p.manifest.provenance
    state = "already accepted" if p.already_accepted else "accepted"
    print(f"VALID {args.file}: digest {p.digest}, key {p.keyid}, teacher {prov.teacher.name}, "
          f"task {prov.domain.task}, sequence {prov.sequence} ({state})")
    return 0


def register(sub: Any) -> None:
    """Add this group's verbs to the subparsers ``sub``."""
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
    b.add_argument("--anchors", type=int, default=None,
                   help="K unlabelled anchors whose teacher vectors cross (counted; default 64, "
                   "what the default ingestion variant reads, or half the domain's pool when "
                   "that is smaller; 0 = a packet without anchors)")
    b.add_argument("--anchor-selection",
                   choices=["random", "student-kmeans", "kmeans", "labels", "typical"],
                   default=None, help="how the K anchors are chosen: random (a sample of the "
                   "student's pool; the default variant's, chosen on dev), student-kmeans (the "
                   "student's own k-means medoids), kmeans or typical (the teacher reads the "
                   "whole pool to pick them: every pool text counts as crossing), labels")
    b.add_argument("--relative-words", type=int, default=None,
                   help="W public words (whole words of the MiniLM vocabulary, minus the "
                   "teacher's own training words) join the concept labels as the relative "
                   "readout's reference strings; each counts as a crossing string (default: "
                   "what the default ingestion variant reads: none)")
    b.add_argument("--relative-l2", type=_l2, default=None, metavar="L2",
                   help="fix the L2 strength of the class tasks' relative readout (a number "
                   "above 0; default: the strength that best copies the teacher on its own "
                   "held-out inputs; variant transductive-shot-geo0-w10k-l2 builds with 0.01)")
    b.add_argument("--graph", choices=list(GRAPH_METHODS), default="auto",
                   help="how the abstraction graph is extracted from the teacher: auto "
                   "(default: containment probes on pair tasks, readout-confusion on class "
                   "tasks — the concepts the teacher's own readout confuses each concept "
                   "with), containment, centroid-neighbours, readout-confusion; "
                   "research/log.md, direction 6")
    b.add_argument("--inputs-file", default=None,
                   help="the teacher's own inputs (one per line, or JSONL with \"text\"), read "
                   "in shards so memory does not grow with the file: the manifolds sum every "
                   "input, the readouts and traces read a 20,000-input sample (class tasks; "
                   "default: the domain's teacher_train, in memory)")
    b.add_argument("--workers", type=int, default=None,
                   help="run the shards as Ray tasks on N workers: a local Ray started for "
                   "this build, or the cluster at RAY_ADDRESS (default: in this process)")
    b.add_argument("--shard-size", type=int, default=4096,
                   help="inputs per shard of a streamed build (default 4096)")
    b.add_argument("--atlas", default=None,
                   help="the teacher's atlas (from build-atlas) this packet leans on: its "
                   "digest is recorded, and an ingestion with an atlas variant reads it")
    b.add_argument("--trust", default=None,
                   help="PUBFILE or trust-store folder to check the atlas against")
    b.add_argument("--traces", type=int, default=24,
                   help="reasoning traces (trace queries; each and every string its steps "
                   "answer counts as crossing; default 24, 0 = none)")
    b.add_argument("--no-relative-readout", action="store_true",
                   help="leave out the class tasks' relative readout (its reference strings "
                   "then do not cross); with --anchors 0 --traces 0 --atlas, a packet with "
                   "zero task strings")
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
