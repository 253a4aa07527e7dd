"""Build Resemblyzer's GE2E speaker encoder as ONNX, without torch.

    python -m models.build_resemblyzer [--out DIR]

Reads ``resemblyzer/pretrained.pt`` from the installed wheel (hash-checked against the
manifest) with ``models.torch_legacy`` and writes the same network (3-layer LSTM 40->256,
linear 256->256, ReLU, L2 norm, as ``resemblyzer.VoiceEncoder``) as ONNX operators with
the ``onnx`` package: ``resemblyzer_ge2e.onnx`` plus a sidecar ``.json`` holding its
SHA-256 and the source's. The result is byte-for-byte reproducible. Needs ``onnx`` at
build time; the runtime needs onnxruntime only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from models.registry import load_manifest, locate, model_dir, sha256_file
from models.torch_legacy import load_legacy

HIDDEN = 256
LAYERS = 3
OPSET = 17


class BuildMismatch(RuntimeError):
    """The build did not reproduce the file the manifest names."""


def _gates_torch_to_onnx(w: np.ndarray) -> np.ndarray:
    """PyTorch stacks gates as (input, forget, cell, output); ONNX as (input, output,
    forget, cell)."""
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def build_model(state: dict[str, np.ndarray]) -> Any:
    from onnx import TensorProto, helper, numpy_helper

    inits = []
    nodes = [helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2])]  # (T, N, 40)
    x = "x0"
    for layer in range(LAYERS):
        w = _gates_torch_to_onnx(state[f"lstm.weight_ih_l{layer}"])[None]
        r = _gates_torch_to_onnx(state[f"lstm.weight_hh_l{layer}"])[None]
        b = np.concatenate(
            [
                _gates_torch_to_onnx(state[f"lstm.bias_ih_l{layer}"]),
                _gates_torch_to_onnx(state[f"lstm.bias_hh_l{layer}"]),
            ]
        )[None]
        for name, arr in ((f"W{layer}", w), (f"R{layer}", r), (f"B{layer}", b)):
            inits.append(numpy_helper.from_array(arr.astype(np.float32), name))
        nodes.append(
            helper.make_node(
                "LSTM",
                [x, f"W{layer}", f"R{layer}", f"B{layer}"],
                [f"y{layer}", f"h{layer}"],
                hidden_size=HIDDEN,
            )
        )
        if layer < LAYERS - 1:  # Y is (T, 1, N, H): drop the direction axis
            nodes.append(helper.make_node("Squeeze", [f"y{layer}", "axis1"], [f"x{layer + 1}"]))
            x = f"x{layer + 1}"
    inits += [
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([0], np.int64), "axis0"),
        numpy_helper.from_array(state["linear.weight"].T.astype(np.float32).copy(), "Wl"),
        numpy_helper.from_array(state["linear.bias"].astype(np.float32), "bl"),
    ]
    last = f"h{LAYERS - 1}"
    nodes += [
        helper.make_node("Squeeze", [last, "axis0"], ["hidden"]),  # (N, H)
        helper.make_node("MatMul", ["hidden", "Wl"], ["lin0"]),
        helper.make_node("Add", ["lin0", "bl"], ["lin"]),
        helper.make_node("Relu", ["lin"], ["raw"]),
        helper.make_node("ReduceL2", ["raw"], ["norm"], axes=[1], keepdims=1),
        helper.make_node("Div", ["raw", "norm"], ["embeds"]),
    ]
    graph = helper.make_graph(
        nodes,
        "resemblyzer_ge2e",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", 40])],
        [helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["batch", HIDDEN])],
        initializer=inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="zhifang-models"
    )
    model.ir_version = 8  # readable by onnxruntime >= 1.10
    return model


def build(out_dir: Path) -> Path:
    import onnx

    manifest = load_manifest()
    entry = manifest["resemblyzer_ge2e"]
    weights = locate("resemblyzer_weights", manifest=manifest)
    state = load_legacy(weights)["model_state"]
    model = build_model(state)
    onnx.checker.check_model(model)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / str(entry.built_filename)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(model.SerializeToString())
    tmp.replace(path)
    meta = {
        "sha256": sha256_file(path),
        "source": "resemblyzer/pretrained.pt",
        "source_sha256": sha256_file(weights),
        "builder": "models.build_resemblyzer (onnx helper, no torch)",
        "opset": OPSET,
    }
    path.with_name(path.name + ".json").write_text(json.dumps(meta, indent=2) + "\n")
    if entry.sha256 and meta["sha256"] != entry.sha256:
        raise BuildMismatch(
            f"built {path} has sha256 {meta['sha256']}, the manifest expects {entry.sha256}: "
            "the onnx package version differs from the one the manifest was made with; "
            "check the outputs, then update the manifest"
        )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="build resemblyzer_ge2e.onnx")
    parser.add_argument("--out", type=Path, default=None, help="model directory")
    args = parser.parse_args(argv)
    print(build(args.out or model_dir()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
