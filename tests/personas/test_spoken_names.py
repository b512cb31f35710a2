"""What a persona says spells its people's names as names: "Of course, Marcus would enjoy talking
to you", never "marcus" (a composed line that lowercased its start shipped that way)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from app.config import ROOT
from app.dialogue.scripted import spoken_strings

WORD = re.compile(r"\b([A-Za-z][a-z]+)\b")
# Words capitalised mid-sentence that are also ordinary lower-case words in these files.
ORDINARY = frozenset({"builders", "halyard", "health"})


def _names(lines: list[str]) -> set[str]:
    """Words written capitalised in mid-sentence at least 3 times and 9 times in 10: names."""
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for line in lines:
        for m in WORD.finditer(line):
            before = line[: m.start()].rstrip()
            if before and before[-1] not in ".!?:\"'({":
                (upper if m.group(1)[0].isupper() else lower)[m.group(1).lower()] += 1
    return {w for w in upper if upper[w] >= 3 and upper[w] >= 9 * lower[w]} - ORDINARY


@pytest.mark.parametrize("path", sorted((ROOT / "personas").glob("*.yaml")), ids=lambda p: p.stem)
def test_names_are_capitalised_in_spoken_lines(path: Path) -> None:
    lines = list(spoken_strings(yaml.safe_load(path.read_text())))
    names = _names(lines)
    lowered = [line for line in lines for n in names if re.search(rf"(?<![A-Za-z]){n}\b", line)]
    assert not lowered, lowered
