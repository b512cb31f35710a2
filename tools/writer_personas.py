"""Write evals/data/questions/WRITER-PERSONAS.md: what each persona knows, for question writers.

Usage: python tools/writer_personas.py [--personas DIR] [--out FILE]

Independent writers of question sets (evals/data/questions/BRIEF.md) read this file and nothing
else of the repository: each persona's scenario, its fact and hook ids, one way each is said (a
fact's first answer, a hook's summary) and every deeper line, word for word, so a writer can name
the line a question should reach. The authored question paraphrases are left out on purpose: a
writer who saw them would write questions the matcher was built around. Run it after editing a
persona, before the next writer is briefed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.personas.registry import load_personas  # noqa: E402

OUT = ROOT / "evals" / "data" / "questions" / "WRITER-PERSONAS.md"
HEADER = (
    "# What each persona knows (facts, deeper lines, hooks)\n\n"
    "Generated from personas/*.yaml for question writers: the fact and hook ids, one way each is "
    "said, and every deeper line. Authored question paraphrases are left out on purpose.\n"
)
HOOK = "(a hook: only revealed to someone who has listened well)"


def render(personas_dir: Path) -> str:
    registry = load_personas(personas_dir)
    parts = [HEADER]
    for path in sorted(personas_dir.glob("*.yaml")):
        persona = registry.get(path.stem)
        lines = [
            f"## persona `{persona.id}`: {persona.name}, {persona.role} at {persona.company}",
            "",
            f"Scenario: {persona.scenario}",
            "",
        ]
        for fact in persona.facts:
            lines.append(f"- topic `{fact.topic}`: {fact.answers[0]}")
            lines += [f'    - deeper line: "{line}"' for line in fact.deeper_lines]
        for hook in persona.hooks:
            lines.append(f"- topic `{hook.id}` {HOOK}: {hook.summary}")
            lines += [f'    - deeper line: "{line}"' for line in hook.deeper_lines]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personas", type=Path, default=ROOT / "personas")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.write_text(render(args.personas), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
