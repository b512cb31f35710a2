"""Does a persona answer a question about what its own opening line mentions?

Usage: python tools/eval_openers.py evals/data/questions/w57-openers.jsonl [--out replies.json]

Each line of the file is {"id", "persona", "opening_index", "detail", "message"}: a message an
independent writer would send right after that opening (evals/data/questions/README.md). Each is
said after its opening through the scripted engine, with the analyzer's verdict, as the first
turn of a conversation. Prints, per persona, how many replies are one of its "no idea" lines
(`reactions.no_match` / `unknown`); `--out` writes every (opening, message, reply) for a judge.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dialogue.engine import ReplyContext  # noqa: E402
from app.dialogue.machine import advance, initial_state  # noqa: E402
from app.dialogue.scripted import ScriptedEngine  # noqa: E402
from app.feedback.analyzer import analyze  # noqa: E402
from app.feedback.types import Utterance  # noqa: E402
from app.personas.registry import load_personas  # noqa: E402
from app.personas.schema import Persona  # noqa: E402

MAX_TURNS = 40


async def first_reply(
    engine: ScriptedEngine, who: Persona, opening: str, message: str, seed: str
) -> str:
    history = (Utterance("persona", opening), Utterance("user", message))
    verdict = analyze(message, list(history))
    before = initial_state(who, "normal")
    ctx = ReplyContext(
        persona=who,
        difficulty="normal",
        history=history,
        feedback=verdict,
        before=before,
        after=advance(before, verdict, who, "normal", max_turns=MAX_TURNS),
        seed=seed,
    )
    return "".join([chunk async for chunk in engine.stream(ctx)])


def says_no_idea(who: Persona, reply: str) -> bool:
    stock = [*who.reactions.no_match, *who.reactions.unknown]
    return any(line.split("{")[0][:25] in reply for line in stock if line.split("{")[0])


async def run(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    registry = load_personas(ROOT / "personas")
    engine = ScriptedEngine()
    no_idea: Counter[str] = Counter()
    total: Counter[str] = Counter()
    rows = []
    for item in items:
        who = registry.get(item["persona"])
        opening = who.openings[item["opening_index"]]
        reply = await first_reply(engine, who, opening, item["message"], f"openers-{item['id']}")
        total[who.id] += 1
        no_idea[who.id] += says_no_idea(who, reply)
        rows.append({**item, "opening": opening, "reply": reply})
    for pid in sorted(total):
        print(f"{pid}: 'no idea' in {no_idea[pid]} of {total[pid]}")
    print(f"all: 'no idea' in {sum(no_idea.values())} of {len(items)}")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    items = [json.loads(line) for line in args.file.read_text().splitlines() if line.strip()]
    rows = asyncio.run(run(items))
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
