"""The fixed members of a ``*.m2kt`` packet (a ZIP container, members stored uncompressed)."""

from __future__ import annotations

MANIFEST = "manifest.json"
TENSORS = "tensors.safetensors"
GRAPH = "graph.json"
TRACES = "traces.json"
ANCHORS = "anchors.json"
SIGNATURE = "signature.json"

#: Signed members, in their order inside the container.
SIGNED_MEMBERS: tuple[str, ...] = (MANIFEST, TENSORS, GRAPH, TRACES, ANCHORS)
ALL_MEMBERS: tuple[str, ...] = (*SIGNED_MEMBERS, SIGNATURE)
ZIP_MAGIC = b"PK\x03\x04"
#: Fixed timestamp for every member so the same content gives the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
