"""The safetensors subset of ARTIFACT_FORMAT.md: F32 tensors only, written and read without the
`safetensors` package (not available here).

Layout: 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON header
`{"<tensor>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ..., "__metadata__": {...}}`,
then the raw little-endian row-major data; offsets are relative to the first data byte and tile the data
exactly (contiguous, ascending, no gaps or overlaps).
"""

from __future__ import annotations

import json
import math
import os
import struct
from typing import Mapping

import numpy as np

from . import FORMAT

# The JSON header is padded with spaces to a multiple of this, as the reference implementation does, so
# that the data starts aligned; readers treat the padding as JSON whitespace.
_HEADER_ALIGNMENT = 8
# A header larger than this is not a policy artifact (ours are a few KB); refusing it early keeps a
# corrupt length field from allocating gigabytes.
_MAX_HEADER_BYTES = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    """A file that is not a valid `controller-policy/1` safetensors file; the message names file and problem."""


def write_safetensors(path: str | os.PathLike, tensors: Mapping[str, object], metadata: Mapping[str, str] | None = None) -> None:
    """Writes `tensors` (name -> array-like, converted to float32) in name order; rejects non-finite values."""
    path = os.fspath(path)
    meta = {"format": FORMAT}
    if metadata:
        meta.update({str(k): str(v) for k, v in metadata.items()})
    header: dict[str, object] = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        if name == "__metadata__":
            raise SafetensorsError(f"{path}: '__metadata__' is reserved and cannot name a tensor")
        array = _as_float32(tensors[name])
        if not np.all(np.isfinite(array)):
            raise SafetensorsError(f"{path}: tensor '{name}' has non-finite values")
        data = array.astype("<f4", copy=False).tobytes(order="C")
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = meta
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((-len(text)) % _HEADER_ALIGNMENT)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def read_safetensors(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Reads and validates a file; returns (name -> float32 array, metadata)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise SafetensorsError(f"{path}: file not found") from None
    except OSError as e:
        raise SafetensorsError(f"{path}: cannot read ({e.strerror})") from None
    return parse_safetensors(raw, path)


def parse_safetensors(raw: bytes, name: str = "<bytes>") -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Validates the bytes of a safetensors file (see module doc); `name` appears in error messages."""
    if len(raw) < 8:
        raise SafetensorsError(f"{name}: shorter than the 8-byte header length ({len(raw)} bytes)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER_BYTES or n > len(raw) - 8:
        raise SafetensorsError(f"{name}: header length {n} exceeds the file ({len(raw)} bytes)")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{name}: header is not valid UTF-8 JSON ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{name}: header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SafetensorsError(f"{name}: '__metadata__' must be an object of strings")
    data = memoryview(raw)[8 + n:]
    spans = []
    tensors: dict[str, np.ndarray] = {}
    for tname, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorsError(f"{name}: tensor '{tname}' must have exactly dtype, shape and data_offsets")
        if entry["dtype"] != "F32":
            raise SafetensorsError(f"{name}: tensor '{tname}' has dtype {entry['dtype']!r}; only F32 is allowed")
        shape = entry["shape"]
        if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
            raise SafetensorsError(f"{name}: tensor '{tname}' has an invalid shape {shape!r}")
        offsets = entry["data_offsets"]
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_int(o) for o in offsets):
            raise SafetensorsError(f"{name}: tensor '{tname}' has invalid data_offsets {offsets!r}")
        begin, end = offsets
        count = math.prod(shape)
        if begin < 0 or end < begin or end - begin != 4 * count:
            raise SafetensorsError(
                f"{name}: tensor '{tname}' data_offsets {offsets} do not hold {count} F32 values of shape {shape}")
        spans.append((begin, end, tname))
    position = 0
    for begin, end, tname in sorted(spans):
        if begin != position:
            problem = "overlaps the previous tensor" if begin < position else f"leaves a gap at byte {position}"
            raise SafetensorsError(f"{name}: data_offsets do not tile the data: tensor '{tname}' {problem}")
        position = end
    if position != len(data):
        raise SafetensorsError(
            f"{name}: data_offsets do not tile the data: tensors cover {position} bytes, the file has {len(data)} data bytes")
    for begin, end, tname in spans:
        shape = header[tname]["shape"]
        array = np.frombuffer(data[begin:end], dtype="<f4").astype(np.float32).reshape(shape)
        if not np.all(np.isfinite(array)):
            raise SafetensorsError(f"{name}: tensor '{tname}' has non-finite values")
        tensors[tname] = array
    return tensors, dict(metadata)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_float32(value: object) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.ascontiguousarray(np.asarray(value, dtype=np.float32))
