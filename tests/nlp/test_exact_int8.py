"""The committed int8 models compute the same on every CPU (tools/onnx_exact.py).

onnxruntime's u8s8 product saturates on a CPU without VNNI, so a model with signed weights
answered differently on session 26's AMD EPYC than on the machines it was fitted on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from tools.onnx_exact import make_unsigned, signed_weights

REPO = Path(__file__).resolve().parents[2]
QUANTISED = sorted(  # the MiniLM encoders and cross-encoders; the tree models have no products
    p
    for p in (REPO / "app").rglob("*.onnx")
    if any(n.op_type == "MatMulInteger" for n in onnx.load(str(p)).graph.node)
)


def _matmul_integer(weights: np.ndarray) -> onnx.ModelProto:
    """One MatMulInteger of uint8 activations by `weights`, per-column zero points of 0."""
    rows, cols = weights.shape
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "w", "a_zero", "w_zero"], ["y"])],
        "one_product",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [None, rows])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [None, cols])],
        [
            numpy_helper.from_array(weights, "w"),
            numpy_helper.from_array(np.zeros(cols, np.int8), "w_zero"),
            numpy_helper.from_array(np.array(0, np.uint8), "a_zero"),
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: onnx.ModelProto, activations: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (out,) = session.run(None, {"a": activations})
    return np.asarray(out)


def test_unsigned_weights_give_the_exact_integer_product() -> None:
    rng = np.random.default_rng(7)
    weights = rng.integers(-128, 128, (384, 96)).astype(np.int8)
    activations = rng.integers(0, 256, (16, 384)).astype(np.uint8)
    exact = activations.astype(np.int64) @ weights.astype(np.int64)
    model = _matmul_integer(weights)
    assert make_unsigned(model) == 2  # the weights and their zero points
    assert signed_weights(model) == []
    assert np.array_equal(_run(model, activations), exact)


def test_a_model_already_unsigned_is_left_alone() -> None:
    model = _matmul_integer(np.ones((8, 4), np.int8))
    make_unsigned(model)
    before = model.SerializeToString()
    assert make_unsigned(model) == 0
    assert model.SerializeToString() == before


def test_the_minilm_models_are_all_found() -> None:
    assert len(QUANTISED) >= 4


@pytest.mark.parametrize("path", QUANTISED, ids=lambda p: str(p.relative_to(REPO)))
def test_every_committed_model_multiplies_unsigned_weights(path: Path) -> None:
    assert signed_weights(onnx.load(str(path))) == []
