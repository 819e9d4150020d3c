"""Safetensors parsing for untrusted bytes: header caps, dtype, shape products, exact coverage
of the data section (no trailing polyglot bytes), finiteness and subnormal floods.

Returns read-only float32 views into the member's bytes; nothing is allocated before every
declared shape has been checked against the caps.
"""

from __future__ import annotations

import math
import struct

import numpy as np

from m2kt.errors import FormatError, LimitError, SemanticError
from m2kt.limits import MAX_SAFETENSORS_HEADER, MAX_TENSOR_ELEMENTS, MAX_TENSORS
from m2kt.packet.strictjson import loads_strict

MAX_SUBNORMAL_FRACTION = 0.01


def parse_tensors(data: bytes) -> dict[str, np.ndarray]:
    """Parse and check a safetensors blob; see module doc. Raises Format/Limit/SemanticError."""
    if len(data) < 8:
        raise FormatError("tensors member is truncated (no header length)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_SAFETENSORS_HEADER:
        raise LimitError(f"tensors header of {n} bytes exceeds {MAX_SAFETENSORS_HEADER}")
    if n > len(data) - 8:
        raise FormatError(f"tensors header length {n} exceeds the member ({len(data)} bytes)")
    header = loads_strict(data[8:8 + n], "tensors header")
    if not isinstance(header, dict):
        raise FormatError("tensors header is not a JSON object")
    header.pop("__metadata__", None)
    if len(header) > MAX_TENSORS:
        raise LimitError(f"{len(header)} tensors; at most {MAX_TENSORS} allowed")
    body = memoryview(data)[8 + n:]
    spans = []
    for name, meta in header.items():
        if not isinstance(meta, dict) or set(meta) != {"dtype", "shape", "data_offsets"}:
            raise FormatError(f"tensor {name[:60]!r} has a malformed header entry")
        dtype, shape, offs = meta["dtype"], meta["shape"], meta["data_offsets"]
        if dtype != "F32":
            raise SemanticError(f"tensor {name[:60]!r} has dtype {str(dtype)[:16]}; "
                                "packets carry float32 (F32) only")
        if (not isinstance(shape, list) or len(shape) > 4
                or not all(isinstance(s, int) and s >= 0 for s in shape)):
            raise FormatError(f"tensor {name[:60]!r} has an invalid shape")
        elems = math.prod(shape)  # Python ints: no overflow
        if elems > MAX_TENSOR_ELEMENTS:
            raise LimitError(f"tensor {name[:60]!r} declares {elems} elements; the cap is "
                             f"{MAX_TENSOR_ELEMENTS}")
        if (not isinstance(offs, list) or len(offs) != 2
                or not all(isinstance(o, int) for o in offs) or not 0 <= offs[0] <= offs[1]):
            raise FormatError(f"tensor {name[:60]!r} has invalid data offsets")
        if offs[1] - offs[0] != elems * 4:
            raise FormatError(f"tensor {name[:60]!r}: {offs[1] - offs[0]} bytes for "
                              f"{elems} float32 values")
        spans.append((offs[0], offs[1], name, shape))
    spans.sort()
    pos = 0
    for start, end, name, _ in spans:
        if start != pos:
            raise FormatError(f"tensor {name[:60]!r} overlaps or leaves a gap in the data")
        pos = end
    if pos != len(body):
        raise FormatError(f"tensors data section has {len(body) - pos} unexplained trailing "
                          "bytes")
    out: dict[str, np.ndarray] = {}
    for start, end, name, shape in spans:
        arr = np.frombuffer(body[start:end], dtype="<f4").reshape(shape)
        if not np.isfinite(arr).all():
            raise SemanticError(f"tensor {name[:60]!r} contains NaN or infinite values")
        if arr.size:
            tiny = np.count_nonzero((arr != 0) & (np.abs(arr) < np.finfo(np.float32).tiny))
            if tiny > MAX_SUBNORMAL_FRACTION * arr.size:
                raise SemanticError(f"tensor {name[:60]!r} is flooded with subnormal values "
                                    f"({tiny} of {arr.size})")
        out[name] = arr
    return out
