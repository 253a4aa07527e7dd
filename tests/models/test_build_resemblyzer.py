"""The torch-free build reproduces the manifest's file, and a naive numpy LSTM written
from PyTorch's equations gives the same embeddings (a second, independent reading)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.registry import ModelError, load_manifest, locate


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    pytest.importorskip("numpy", reason="numpy not installed")
    from models.torch_legacy import load_legacy

    try:
        return load_legacy(locate("resemblyzer_weights"))["model_state"]
    except ModelError as e:
        pytest.skip(f"resemblyzer wheel (pretrained.pt) not installed: {e}")


def naive_encoder(state: dict[str, Any], mels: Any) -> Any:
    """torch.nn.LSTM (gates i, f, g, o), batch_first, 3 layers; last layer's h_T."""
    import numpy as np

    def sig(z: Any) -> Any:
        return 1 / (1 + np.exp(-z))

    x = mels.astype(np.float64)
    n, t, _ = x.shape
    for layer in range(3):
        wi, wh = state[f"lstm.weight_ih_l{layer}"], state[f"lstm.weight_hh_l{layer}"]
        b = state[f"lstm.bias_ih_l{layer}"] + state[f"lstm.bias_hh_l{layer}"]
        h = np.zeros((n, 256))
        c = np.zeros((n, 256))
        ys = []
        for step in range(t):
            z = x[:, step] @ wi.T + h @ wh.T + b
            i, f, g, o = np.split(z, 4, axis=1)
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
            ys.append(h)
        x = np.stack(ys, axis=1)
    raw = np.maximum(h @ state["linear.weight"].T + state["linear.bias"], 0)
    return raw / np.linalg.norm(raw, axis=1, keepdims=True)


def test_build_is_reproducible_and_matches_reference(state, tmp_path: Path) -> None:
    pytest.importorskip("onnx", reason="onnx (build-time dependency) not installed")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime not installed")
    import numpy as np

    from models.build_resemblyzer import build

    path = build(tmp_path)  # raises BuildMismatch if the bytes differ from the manifest
    assert locate("resemblyzer_ge2e", directory=tmp_path) == path
    assert load_manifest()["resemblyzer_ge2e"].sha256
    mels = np.abs(np.random.default_rng(0).normal(size=(2, 40, 40))).astype(np.float32) * 2
    got = ort.InferenceSession(str(path)).run(None, {"mels": mels})[0]
    np.testing.assert_allclose(got, naive_encoder(state, mels), atol=2e-5)


def test_checkpoint_reader_refuses_code(tmp_path: Path) -> None:
    """A 'checkpoint' whose pickle asks for os.system is refused, not run."""
    pytest.importorskip("numpy", reason="numpy not installed")
    import os
    import pickle

    from models.torch_legacy import MAGIC, CheckpointError, load_legacy

    class Evil:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    p = tmp_path / "evil.pt"
    with p.open("wb") as f:
        objs: list[object] = [MAGIC, 1001, {}, Evil(), []]
        for obj in objs:
            pickle.dump(obj, f, protocol=2)
    with pytest.raises(CheckpointError, match=r"os(ix)?\.system"):
        load_legacy(p)
    assert not (tmp_path / "pwned").exists()
    q = tmp_path / "not.pt"
    q.write_bytes(pickle.dumps(12345))
    with pytest.raises(CheckpointError, match="not a legacy"):
        load_legacy(q)
