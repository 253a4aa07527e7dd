"""Read a PyTorch checkpoint in the legacy (pre-1.6, non-zip) format without torch.

Resemblyzer's ``pretrained.pt`` is such a file: five pickles in a row (magic number,
protocol version, system info, the object with tensors as persistent references to
storages, the list of storage keys) followed by each storage's raw bytes, prefixed by
its element count. Only what a state dict needs is understood: float/double/long
storages and ``torch._utils._rebuild_tensor_v2``. Anything else is refused.
"""

from __future__ import annotations

import pickle
import struct
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

__all__ = ["CheckpointError", "load_legacy"]

MAGIC = 0x1950A86A20F9469CFC6C
DTYPES: dict[str, type[np.generic]] = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
}


class CheckpointError(ValueError):
    """Not a legacy PyTorch checkpoint this reader understands."""


class _Storage:
    def __init__(self, dtype: type[np.generic]) -> None:
        self.dtype = dtype
        self.data: np.ndarray | None = None


class _TensorRef:
    def __init__(
        self, storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]
    ) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def array(self) -> np.ndarray:
        assert self.storage.data is not None
        item = self.storage.data.itemsize
        return np.lib.stride_tricks.as_strided(
            self.storage.data[self.offset :],
            shape=self.size,
            strides=tuple(s * item for s in self.stride),
        ).copy()


def _rebuild_tensor_v2(
    storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: Any
) -> _TensorRef:
    return _TensorRef(storage, offset, tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: BinaryIO, storages: dict[str, _Storage]) -> None:
        super().__init__(f)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        raise CheckpointError(f"checkpoint needs {module}.{name}, which this reader refuses")

    def persistent_load(self, pid: Any) -> Any:
        kind, storage_type, key, _location, _size = pid[:5]
        if kind != "storage" or storage_type not in DTYPES:
            raise CheckpointError(f"unsupported storage {pid!r}")
        if key not in self.storages:
            self.storages[key] = _Storage(DTYPES[storage_type])
        return self.storages[key]


def load_legacy(path: Path) -> dict[str, Any]:
    """The checkpoint's top-level dict with every tensor as a numpy array."""
    storages: dict[str, _Storage] = {}
    with path.open("rb") as f:
        # every pickle in the file goes through the restricted unpickler: a checkpoint
        # is data, and a crafted one must not run code
        def load() -> Any:
            return _Unpickler(f, storages).load()

        if load() != MAGIC:
            raise CheckpointError(f"{path}: not a legacy PyTorch checkpoint")
        load()  # protocol version
        load()  # system info
        obj = load()
        keys = load()
        for key in keys:
            (n,) = struct.unpack("<q", f.read(8))
            st = storages[key]
            raw = f.read(n * np.dtype(st.dtype).itemsize)
            st.data = np.frombuffer(raw, dtype=st.dtype)

    def convert(o: Any) -> Any:
        if isinstance(o, _TensorRef):
            return o.array()
        if isinstance(o, dict):
            return {k: convert(v) for k, v in o.items()}
        return o

    return dict(convert(obj))
