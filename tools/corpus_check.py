"""Check a batch of labelled networking turns before it joins the corpus.

Usage: python tools/corpus_check.py FILE.jsonl [...]

Checks the shape only (fields, the move vocabulary, the genuine_interest rule of
docs/labelling.md); it never runs the analyzer, so writers can use it without seeing it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MOVES = {
    "follow_up_question",
    "new_topic_question",
    "mirror_question",
    "reflection",
    "acknowledgement",
    "self_disclosure",
    "self_focus",
    "pitch",
    "topic_hijack",
    "minimal",
    "dismissive",
}
POSITIVE = {"follow_up_question", "reflection", "new_topic_question", "acknowledgement"}
NEGATIVE = {"minimal", "self_focus", "topic_hijack", "dismissive", "pitch"}
REQUIRED = {
    "id",
    "encounter",
    "register",
    "family",
    "partner",
    "message",
    "genuine_interest",
    "moves",
}
OPTIONAL = {"history", "note", "pair", "partner_role"}


def problems(item: dict) -> list[str]:
    out = []
    missing = REQUIRED - item.keys()
    if missing:
        out.append(f"missing {sorted(missing)}")
    extra = item.keys() - REQUIRED - OPTIONAL
    if extra:
        out.append(f"unknown fields {sorted(extra)}")
    moves = set(item.get("moves", []))
    if moves - MOVES:
        out.append(f"unknown moves {sorted(moves - MOVES)}")
    expected = bool(moves & POSITIVE) and not (moves & NEGATIVE)
    if item.get("genuine_interest") is not expected:
        out.append(f"genuine_interest should be {expected} for moves {sorted(moves)}")
    for turn in item.get("history", []):
        if set(turn) != {"role", "content"} or turn["role"] not in ("persona", "user"):
            out.append(f"bad history entry {turn}")
    history = item.get("history", [])
    if history and history[-1]["role"] != "user":
        out.append("history must end with a user line (the partner line follows it)")
    for key in ("partner", "message"):
        if not str(item.get(key, "")).strip():
            out.append(f"empty {key}")
    return out


def main(paths: list[str]) -> int:
    bad = 0
    for path in paths:
        ids = set()
        for n, line in enumerate(Path(path).read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{path}:{n}: not JSON: {exc}")
                bad += 1
                continue
            found = problems(item)
            if item.get("id") in ids:
                found.append(f"duplicate id {item.get('id')}")
            ids.add(item.get("id"))
            for p in found:
                print(f"{path}:{n}: {p}")
            bad += bool(found)
        print(f"{path}: {len(ids)} turns checked")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
