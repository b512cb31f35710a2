"""Score each new batch of labelled turns blind, the moment a writer delivers it.

Usage: python tools/blind_ledger.py [--watch SECONDS]

For every finished batch under evals/data/corpus/{incoming,blind}/ that the ledger has not seen,
run the analyzer as it is *now* and append one line to evals/data/corpus/ledger.jsonl: the
batch, when, which analyzer (git commit and model file hash), accuracy and per-move recall.
Only then may anyone read the batch or train on it; the ledger's first score of a batch is its
blind score, and the learning curve in docs/benchmarks.md is made of those.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "evals" / "data" / "corpus"
LEDGER = CORPUS / "ledger.jsonl"
MODEL = REPO / "app" / "feedback" / "model"
WATCHED = ("incoming", "blind")


def model_hash(model: Path = MODEL) -> str:
    """One hash over every file of the model folder, its subfolders (the cross-encoder) included."""
    if not model.exists():
        return "rules"
    digest = hashlib.sha256()
    for path in sorted(p for p in model.rglob("*") if p.is_file()):
        digest.update(path.relative_to(model).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def analyzer_version() -> dict[str, str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {"commit": commit, "model": model_hash()}


def seen() -> set[str]:
    if not LEDGER.exists():
        return set()
    return {json.loads(line)["batch"] for line in LEDGER.read_text().splitlines() if line}


def score(path: Path) -> dict[str, Any]:
    from app.feedback.evaluate import evaluate_turns  # the analyzer as it is on disk now

    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    res = evaluate_turns(items)
    recall = {m: round(r.recall, 3) for m, r in res["moves"].items() if r.support}
    pairs = [it for it in items if it.get("pair")]
    pair_res = evaluate_turns(pairs) if pairs else None
    return {
        "batch": str(path.relative_to(CORPUS)),
        "scored_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **analyzer_version(),
        "n": res["n"],
        "accuracy": round(res["accuracy"], 3),
        "gi_f1": round(res["gi"].f1, 3),
        "history_pairs_n": len(pairs),
        "history_pairs_accuracy": round(pair_res["accuracy"], 3) if pair_res else None,
        "recall": recall,
        "support": {m: r.support for m, r in res["moves"].items() if r.support},
    }


def sweep() -> list[dict[str, Any]]:
    done = seen()
    rows = []
    for folder in WATCHED:
        for path in sorted((CORPUS / folder).glob("*.jsonl")):
            key = str(path.relative_to(CORPUS))
            if key in done:
                continue
            # A fresh process per batch, so the score is always the analyzer on disk now.
            out_json = subprocess.run(
                [sys.executable, __file__, "--one", str(path)],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            row = json.loads(out_json)
            with LEDGER.open("a") as out:
                out.write(json.dumps(row) + "\n")
            rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--watch", type=float, default=0, help="keep sweeping every N seconds")
    parser.add_argument("--one", type=Path, help="score one batch and print its row (internal)")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(score(args.one.resolve())))
        return 0
    while True:
        for row in sweep():
            print(row["batch"], row["n"], row["accuracy"], flush=True)
        if not args.watch:
            return 0
        time.sleep(args.watch)


if __name__ == "__main__":
    raise SystemExit(main())
