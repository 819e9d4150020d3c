"""Every cap the packet reader enforces, in one place (validate before allocate).

The upload limit of the workbench (``.streamlit/config.toml`` ``maxUploadSize``, in MB) matches
``MAX_PACKET_BYTES``.
"""

from __future__ import annotations

MAX_PACKET_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = {
    "manifest.json": 4 * 1024 * 1024,
    "graph.json": 16 * 1024 * 1024,
    "traces.json": 16 * 1024 * 1024,
    "anchors.json": 8 * 1024 * 1024,
    "tensors.safetensors": 60 * 1024 * 1024,
    "signature.json": 64 * 1024,
    # an atlas (m2kt.atlas): its manifest lists its strings; its vectors are float32
    "atlas.json": 4 * 1024 * 1024,
    "vectors.safetensors": 60 * 1024 * 1024,
}
MAX_ZIP_ENTRIES = 16
MAX_JSON_DEPTH = 32
MAX_JSON_INT_DIGITS = 30
MAX_CONCEPTS = 100_000
MAX_LABEL_CHARS = 200
MAX_TEXT_CHARS = 2_000
MAX_EDGES = 1_000_000
MAX_FANOUT = 10_000
MAX_ISA_DEPTH = 64
MAX_TRACES = 10_000
MAX_TRACE_STEPS = 256
MAX_TRACE_TOP = 32
MAX_ANCHORS = 100_000
MAX_TENSORS = 64
MAX_SAFETENSORS_HEADER = 1024 * 1024
MAX_TENSOR_ELEMENTS = 64 * 1024 * 1024  # 256 MB of float32
MAX_DIM = 16_384
CLOCK_SKEW_SECONDS = 300
MAX_SEQUENCE_JUMP = 1_000
