"""Make a dynamically quantised ONNX model compute the same on every x86 CPU.

`quantize_dynamic(weight_type=QInt8)` writes signed 8-bit weights, so onnxruntime multiplies
unsigned activations by signed weights (u8s8). On a CPU with VNNI that product is exact; on one
with AVX2 only (the AMD EPYC of session 26) onnxruntime's u8s8 kernel adds pairs of products in
16 bits and saturates: the same model gave other outputs there, and a persona another answer.
Its u8u8 kernel widens first and is exact everywhere. So this rewrites each MatMulInteger's
signed weights w and zero points z as w + 128 and z + 128, unsigned: w - z is unchanged, the
model computes exactly the same integer products, and it computes them exactly on every CPU.

    python tools/onnx_exact.py app/feedback/model/cross/model.onnx ...

rewrites the files in place (a file already unsigned is left as it is);
`tools/minilm_export.export_int8` applies it to every model it writes. Needs only `onnx`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper


def signed_weights(model: onnx.ModelProto) -> list[str]:
    """The int8 initializers that a MatMulInteger multiplies by: its weights and their zero
    points (inputs 1 and 3)."""
    initializers = {i.name: i for i in model.graph.initializer}
    found: list[str] = []
    for node in model.graph.node:
        if node.op_type != "MatMulInteger":
            continue
        for name in node.input[1:4:2]:
            init = initializers.get(name)
            if init is not None and init.data_type == TensorProto.INT8 and name not in found:
                found.append(name)
    return found


def make_unsigned(model: onnx.ModelProto) -> int:
    """Shift every signed MatMulInteger weight and zero point by 128 into uint8, in place;
    the number of tensors rewritten."""
    names = set(signed_weights(model))
    for init in model.graph.initializer:
        if init.name in names:
            shifted = numpy_helper.to_array(init).astype(np.int16) + 128
            init.CopyFrom(numpy_helper.from_array(shifted.astype(np.uint8), init.name))
    return len(names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.models:
        model = onnx.load(str(path))
        rewritten = make_unsigned(model)
        if rewritten:
            onnx.save(model, str(path))
        print(f"{path}: {rewritten} signed weight tensors made unsigned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
