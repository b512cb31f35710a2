"""Benchmark of the analyzer: `python -m app.feedback.evaluate` (wired to `make eval-feedback`).

Prints, for the frozen test split of our labelled networking turns, the accuracy and F1 of
`genuine_interest` and per-move precision/recall; for AnnoMI therapist utterances of odd
transcript ids, question and reflection F1 and the 4-class macro-F1; and the speed. Develop with
`--split dev --annomi even`; the defaults are the figures we report.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import calibration
from app.feedback.analyzer import analyze, statement_with_question_mark
from app.feedback.context import clear_caches
from app.feedback.text import sentences, words
from app.feedback.types import QUESTION_MOVES, Feedback, Move, Role, Utterance

REPO = Path(__file__).resolve().parents[2]
TURNS = REPO / "evals" / "data" / "turns.jsonl"
ANNOMI_FILE = "AnnoMI-full.csv"
ANNOMI_CONTEXT = 10  # utterances of history given to the analyzer, as M3TCM's context window
CLASSES = ("question", "reflection", "therapist_input", "other")
# Moves that tell the other person something: AnnoMI's "therapist_input" (information, advice,
# options, negotiation) is the counsellor's version of these.
INPUT_MOVES = frozenset({Move.SELF_DISCLOSURE, Move.SELF_FOCUS, Move.PITCH, Move.DISMISSIVE})
INPUT_MIN_WORDS = 8  # a statement this long that is neither reflection nor question gives input
DOMINANT_WORDS = 30
DOMINANT_RATIO = 3


def annomi_dir() -> Path:
    override = os.environ.get("RAPPORT_ANNOMI_DIR")
    return Path(override) if override else REPO.parent / "shared" / "data"


def missing_annomi(directory: Path) -> str:
    return (
        f"AnnoMI not found: no {directory / ANNOMI_FILE}. Download {ANNOMI_FILE} from "
        "https://github.com/uccollab/AnnoMI and point to its folder with "
        "`make eval-feedback ANNOMI_DIR=/path/to/folder` (or --annomi-dir, or "
        "RAPPORT_ANNOMI_DIR), or leave AnnoMI out with `make eval-feedback ANNOMI=none`."
    )


# ---------------------------------------------------------------- metrics


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> PRF:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, tp + fn)


# ---------------------------------------------------------------- our labelled turns


def load_turns(split: str, path: Path = TURNS) -> list[dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [it for it in items if split == "all" or it["split"] == split]


def history_of(item: dict[str, Any]) -> list[Utterance]:
    history = [Utterance(h["role"], h["content"]) for h in item.get("history") or []]
    return [*history, Utterance("persona", item["partner"])]


def evaluate_turns(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    preds = [analyze(it["message"], history_of(it)) for it in items]
    gold_gi = [bool(it["genuine_interest"]) for it in items]
    pred_gi = [p.genuine_interest for p in preds]
    per_move = {
        m.value: prf([m.value in it["moves"] for it in items], [m in p.moves for p in preds])
        for m in Move
    }
    accuracy = sum(g == p for g, p in zip(gold_gi, pred_gi, strict=True)) / max(1, len(items))
    return {
        "n": len(items),
        "accuracy": accuracy,
        "gi": prf(gold_gi, pred_gi),
        "moves": per_move,
        "errors": [
            (it, p)
            for it, p in zip(items, preds, strict=True)
            if p.genuine_interest != it["genuine_interest"] or set(p.moves) != set(it["moves"])
        ],
    }


# ---------------------------------------------------------------- tip repetition

CORPUS_INCOMING = REPO / "evals" / "data" / "corpus" / "incoming"
TIP_SHARE_TARGET = 0.03  # issue 14: no tip sentence on more than 3% of a set's turns


def tip_repetition(items: Sequence[dict[str, Any]], top: int = 3) -> list[tuple[str, float]]:
    """The most common tip sentences over a labelled set, with their share of its turns: a
    tip that says the same thing everywhere is teaching nothing in particular."""
    tips = Counter(analyze(it["message"], history_of(it)).tip for it in items)
    return [(tip, n / max(1, len(items))) for tip, n in tips.most_common(top)]


def tip_sets() -> dict[str, list[dict[str, Any]]]:
    """The labelled sets whose tips are measured: the frozen split, and any delivered corpus
    batches (not the blind ones, which nothing reads before they are scored)."""
    sets = {f"turns.jsonl ({split} split)": load_turns(split) for split in ("test", "dev")}
    for path in sorted(CORPUS_INCOMING.glob("*.jsonl")):
        sets[f"corpus/incoming/{path.name}"] = load_turns("all", path)
    return sets


def tip_lines(sets: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = [f"## Tip repetition (most common tips; target under {TIP_SHARE_TARGET:.0%} each)", ""]
    for name, items in sets.items():
        top = tip_repetition(items)
        share = top[0][1] if top else 0.0
        verdict = "ok" if share < TIP_SHARE_TARGET else "over target"
        lines.append(f"- {name} (n={len(items)}): most common tip {_pct(share)} ({verdict})")
        lines += [f"  - {_pct(s)} {tip}" for tip, s in top]
    return lines


# ---------------------------------------------------------------- AnnoMI


@dataclass(frozen=True)
class AnnoItem:
    transcript: int
    utterance: int
    text: str
    label: str
    history: tuple[Utterance, ...]
    has_question: bool = False  # annotators' question_exists (majority)
    has_reflection: bool = False  # annotators' reflection_exists (majority)


def _majority(labels: list[str]) -> str:
    counts = Counter(labels)
    best = max(counts.values())
    return next(lab for lab in labels if counts[lab] == best)  # ties: first annotator


def load_annomi(parity: str, directory: Path | None = None) -> list[AnnoItem]:
    """Therapist utterances of odd (or even) transcripts; utterances labelled by several
    annotators take the majority label."""
    path = (directory or annomi_dir()) / ANNOMI_FILE
    rows: dict[tuple[int, int], list[dict[str, str]]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (int(row["transcript_id"]), int(row["utterance_id"]))
            rows.setdefault(key, []).append(row)
    wanted = 1 if parity == "odd" else 0
    items: list[AnnoItem] = []
    context: dict[int, list[Utterance]] = {}
    for (tid, uid), group in sorted(rows.items()):
        if tid % 2 != wanted:
            continue
        first = group[0]
        role: Role = "user" if first["interlocutor"] == "therapist" else "persona"
        past = context.setdefault(tid, [])
        if role == "user":
            items.append(
                AnnoItem(
                    tid,
                    uid,
                    first["utterance_text"],
                    _majority([g["main_therapist_behaviour"] for g in group]),
                    tuple(past[-ANNOMI_CONTEXT:]),
                    _majority([g.get("question_exists", "") for g in group]) == "True",
                    _majority([g.get("reflection_exists", "") for g in group]) == "True",
                )
            )
        past.append(Utterance(role, first["utterance_text"]))
    return items


def _therapist_rows(parity: str, directory: Path | None = None) -> Iterator[dict[str, str]]:
    """Each annotator's row for each therapist utterance of odd (or even) transcripts."""
    wanted = 1 if parity == "odd" else 0
    with ((directory or annomi_dir()) / ANNOMI_FILE).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["interlocutor"] == "therapist" and int(row["transcript_id"]) % 2 == wanted:
                yield row


def annotator_agreement(parity: str, directory: Path | None = None) -> dict[str, Any]:
    """How far AnnoMI's own experts agree, on the therapist utterances that several of them
    labelled: each ordered pair of annotators scored as gold and prediction. A ceiling for any
    analyzer: a question F1 above the experts' own is not a sign of skill."""
    labels: dict[tuple[int, int], list[str]] = {}
    for row in _therapist_rows(parity, directory):
        key = (int(row["transcript_id"]), int(row["utterance_id"]))
        labels.setdefault(key, []).append(row["main_therapist_behaviour"])
    pairs = [
        (a, b)
        for group in labels.values()
        if len(group) > 1
        for i, a in enumerate(group)
        for j, b in enumerate(group)
        if i != j
    ]
    gold = [a for a, _ in pairs]
    pred = [b for _, b in pairs]
    return {
        "utterances": sum(len(g) > 1 for g in labels.values()),
        "per_class": {c: prf([g == c for g in gold], [p == c for p in pred]) for c in CLASSES},
        "accuracy": sum(a == b for a, b in pairs) / max(1, len(pairs)),
    }


RESTATEMENT_MIN = 20  # annotators with fewer such utterances are left out of the range


def asks_only_by_restatement(text: str) -> bool:
    """Is every sentence that ends with "?" a statement voiced as one ("So you're drinking a
    lot?")? Such an utterance asks nothing in question form."""
    asked = [s for s in sentences(text) if s.rstrip().endswith("?")]
    return bool(asked) and all(statement_with_question_mark(s) for s in asked)


def restatement_coding(parity: str, directory: Path | None = None) -> dict[str, Any]:
    """How each annotator codes utterances whose only questions are statements voiced with a
    question mark ("So you're drinking a lot?"): the share they mark question_exists.

    Our label guide (docs/labelling.md) calls these checking reflections, not questions; AnnoMI's
    experts split on them, and how many of each annotator's utterances fall in a half of the
    corpus moves that half's question F1 whatever the analyzer does.
    """
    coded: dict[str, list[bool]] = {}
    for row in _therapist_rows(parity, directory):
        if asks_only_by_restatement(row["utterance_text"]):
            coded.setdefault(row["annotator_id"], []).append(row["question_exists"] == "True")
    shares = {a: sum(v) / len(v) for a, v in coded.items() if len(v) >= RESTATEMENT_MIN}
    everyone = [flag for v in coded.values() for flag in v]
    return {
        "utterances": len(everyone),
        "share": sum(everyone) / max(1, len(everyone)),
        "per_annotator": shares,
    }


def _question_evidence(message: str, fb: Feedback) -> bool:
    """A pitch or hijack carried by a question still asks a question."""
    return any(
        ev.move in (Move.PITCH, Move.TOPIC_HIJACK) and _in_question(message, ev.text)
        for ev in fb.evidence
    )


def _in_question(message: str, text: str) -> bool:
    """Does the sentence holding `text` end with a question mark?"""
    if text.rstrip().endswith("?"):
        return True
    at = message.find(text)
    if at < 0:
        return False
    rest = message[at + len(text) :]
    ends = [i for i in (rest.find("?"), rest.find("."), rest.find("!")) if i >= 0]
    return bool(ends) and min(ends) == rest.find("?")


def annomi_class(message: str, fb: Feedback) -> str:
    """Our moves -> AnnoMI's four therapist classes (the mapping documented in
    docs/labelling.md): questions first, as AnnoMI's annotators mostly did when an utterance
    held both a question and a reflection."""
    moves = set(fb.moves)
    asks = moves & QUESTION_MOVES or _question_evidence(message, fb)
    if asks and not _statements_dominate(message):
        return "question"
    if Move.REFLECTION in moves:
        return "reflection"
    if asks or moves & INPUT_MOVES:
        return "therapist_input"  # mostly telling, with a question tacked on
    if Move.MINIMAL in moves or Move.ACKNOWLEDGEMENT in moves:
        return "other"
    return "therapist_input" if len(message.split()) >= INPUT_MIN_WORDS else "other"


def _statements_dominate(message: str) -> bool:
    """AnnoMI codes an utterance by its main act: a long stretch of telling followed by a short
    question is input. Dominant = at least DOMINANT_WORDS words of statements and
    DOMINANT_RATIO times the words of the questions."""
    told = asked = 0
    for sentence in sentences(message):
        n = len(words(sentence))
        if sentence.rstrip().endswith("?"):
            asked += n
        else:
            told += n
    return told >= DOMINANT_WORDS and told >= DOMINANT_RATIO * asked


def asks_question(message: str, fb: Feedback) -> bool:
    """Does the turn contain a question at all, whatever its main act? A reflection voiced with
    a question mark counts, as it did for AnnoMI's annotators."""
    return bool(set(fb.moves) & QUESTION_MOVES) or any(
        _in_question(message, ev.text) for ev in fb.evidence
    )


def evaluate_annomi(items: Sequence[AnnoItem]) -> dict[str, Any]:
    feedback = [analyze(it.text, it.history) for it in items]
    pred = [annomi_class(it.text, fb) for it, fb in zip(items, feedback, strict=True)]
    gold = [it.label for it in items]
    per_class = {c: prf([g == c for g in gold], [p == c for p in pred]) for c in CLASSES}
    return {
        "question_exists": prf(
            [it.has_question for it in items],
            [asks_question(it.text, f) for it, f in zip(items, feedback, strict=True)],
        ),
        "reflection_exists": prf(
            [it.has_reflection for it in items], [Move.REFLECTION in f.moves for f in feedback]
        ),
        "n": len(items),
        "per_class": per_class,
        "macro_f1": statistics.fmean(r.f1 for r in per_class.values()),
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / max(1, len(items)),
        "confusion": Counter(zip(gold, pred, strict=True)),
        "pairs": list(zip(items, pred, strict=True)),
    }


def question_ceiling(pairs: Sequence[tuple[AnnoItem, str]]) -> dict[str, Any]:
    """How far question F1 can go when the annotators split on restatements, whatever reads them.

    `pairs` are (gold item, predicted class). Two what-ifs: every other utterance labelled
    exactly as the experts did, and the restatements given the better of one answer for all
    ("question" or not); and our own predictions elsewhere, with every restatement right. The
    first bounds any analyzer that cannot tell the annotators apart on restatements; the second
    is what reading restatements perfectly would be worth to ours.
    """
    restated = [asks_only_by_restatement(it.text) for it, _ in pairs]
    gold = [it.label == "question" for it, _ in pairs]
    ours = [p == "question" for _, p in pairs]
    oracle_elsewhere = max(
        prf(gold, [answer if r else g for g, r in zip(gold, restated, strict=True)]).f1
        for answer in (True, False)
    )
    perfect_restatements = prf(
        gold, [g if r else o for g, o, r in zip(gold, ours, restated, strict=True)]
    ).f1
    n = sum(restated)
    return {
        "restatements": n,
        "labelled_question": sum(g for g, r in zip(gold, restated, strict=True) if r) / max(1, n),
        "ours_right": sum(g == o for g, o, r in zip(gold, ours, restated, strict=True) if r)
        / max(1, n),
        "oracle_elsewhere_f1": oracle_elsewhere,
        "perfect_restatements_f1": perfect_restatements,
    }


# ---------------------------------------------------------------- speed


def measure_speed(
    cases: Sequence[tuple[str, Sequence[Utterance]]], rounds: int = 7
) -> dict[str, float]:
    """Analyses per second and latency percentiles of one pass over `cases`, in one process.

    Each pass starts with the sentence, word and history caches cleared, so every message is
    analysed cold, in conversation order as a server sees it; only the lemma and stem caches
    (the vocabulary) stay warm. The first pass is a warm-up. Of `rounds` timed passes the
    fastest is reported, as `timeit` does: on a shared machine the slower passes measure the
    neighbours. The median pass's throughput is reported beside it.
    """
    for message, history in cases:
        analyze(message, history)
    passes = sorted((_timed_pass(cases) for _ in range(rounds)), key=lambda p: p["elapsed"])
    best = passes[0]
    latencies = sorted(best["latencies"])
    return {
        "analyses": len(latencies),
        "per_second": len(latencies) / best["elapsed"],
        "median_pass_per_second": len(latencies) / passes[len(passes) // 2]["elapsed"],
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
    }


def _timed_pass(cases: Sequence[tuple[str, Sequence[Utterance]]]) -> dict[str, Any]:
    clear_caches()
    gc.collect()
    latencies: list[float] = []
    start = time.perf_counter()
    for message, history in cases:
        t0 = time.perf_counter()
        analyze(message, history)
        latencies.append(time.perf_counter() - t0)
    return {"elapsed": time.perf_counter() - start, "latencies": latencies}


# ---------------------------------------------------------------- output


# ---------------------------------------------------------------- generalisation

CORPUS = REPO / "evals" / "data" / "corpus"
WATCHED_MOVES = ("pitch", "self_focus", "dismissive", "topic_hijack")


def ledger_rows(path: Path = CORPUS / "ledger.jsonl") -> list[dict[str, Any]]:
    """Each delivered batch's first score, made before anyone read it (tools/blind_ledger.py)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def ledger_lines(rows: Sequence[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    lines = [
        "## Fresh batches, each scored blind on delivery (the learning curve)",
        "",
        "Each batch was written by an independent writer and scored by the analyzer of that "
        "moment before anyone read it; later batches met models trained on the earlier ones.",
        "",
        "| # | batch | turns | accuracy | history pairs | "
        + " | ".join(f"{m} recall" for m in WATCHED_MOVES)
        + " | analyzer |",
        "| ---: | --- | ---: | ---: | ---: | "
        + " | ".join("---:" for _ in WATCHED_MOVES)
        + " | --- |",
    ]
    for i, row in enumerate(rows, 1):
        pairs = row.get("history_pairs_accuracy")
        recall = [row["recall"].get(m) for m in WATCHED_MOVES]
        lines.append(
            f"| {i} | {row['batch']} | {row['n']} | {row['accuracy']:.3f} | "
            + (f"{pairs:.3f}" if pairs is not None else "-")
            + " | "
            + " | ".join(f"{r:.2f}" if r is not None else "-" for r in recall)
            + f" | {row['commit']} |"
        )
    return lines


def blind_sets(folder: Path = CORPUS / "blind") -> dict[str, list[dict[str, Any]]]:
    """The held-out test batches: never read, never trained on; realistic turns and pairs
    in which the history decides."""
    sets: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        kind = "history decides" if "-hist-" in path.name else "realistic turns"
        sets.setdefault(kind, []).extend(
            json.loads(line) for line in path.read_text().splitlines() if line.strip()
        )
    return sets


def blind_lines(sets: dict[str, list[dict[str, Any]]]) -> list[str]:
    if not sets:
        return []
    lines = [
        "## Blind test set (evals/data/corpus/blind: independent writer, never read or trained on)",
        "",
        "| set | turns | accuracy | " + " | ".join(f"{m} recall" for m in WATCHED_MOVES) + " |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in WATCHED_MOVES) + " |",
    ]
    for kind, items in sets.items():
        res = evaluate_turns(items)
        recall = [res["moves"][m] for m in WATCHED_MOVES]
        lines.append(
            f"| {kind} | {res['n']} | {res['accuracy']:.3f} | "
            + " | ".join(f"{r.recall:.2f} ({r.support})" for r in recall)
            + " |"
        )
    return lines


def _pct(x: float) -> str:
    return f"{x:.3f}"


def turns_lines(split: str, res: dict[str, Any]) -> list[str]:
    gi: PRF = res["gi"]
    lines = [
        f"## Labelled networking turns ({split} split, n={res['n']})",
        "",
        f"- genuine_interest accuracy: {_pct(res['accuracy'])}",
        f"- genuine_interest F1: {_pct(gi.f1)} (precision {_pct(gi.precision)}, "
        f"recall {_pct(gi.recall)})",
        "",
        "| move | support | precision | recall | F1 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for move, r in res["moves"].items():
        lines.append(
            f"| {move} | {r.support} | {_pct(r.precision)} | {_pct(r.recall)} | {_pct(r.f1)} |"
        )
    return lines


def annomi_lines(
    parity: str,
    res: dict[str, Any],
    agreement: dict[str, Any] | None = None,
    restatements: dict[str, Any] | None = None,
) -> list[str]:
    pc: dict[str, PRF] = res["per_class"]
    lines = [
        f"## AnnoMI therapist utterances ({parity} transcript ids, n={res['n']})",
        "",
        f"- question F1: {_pct(pc['question'].f1)}",
        f"- reflection F1: {_pct(pc['reflection'].f1)}",
        f"- 4-class macro-F1: {_pct(res['macro_f1'])} (prior SOTA 0.72; M3TCM 0.83 with "
        "RoBERTa + audio on a GPU, on a different split) - accuracy "
        f"{_pct(res['accuracy'])}",
        f"- contains a question (annotators' question_exists) F1: "
        f"{_pct(res['question_exists'].f1)}; contains a reflection (reflection_exists) F1: "
        f"{_pct(res['reflection_exists'].f1)}",
        *_agreement_lines(agreement),
        *_restatement_lines(restatements),
        *_ceiling_lines(question_ceiling(res["pairs"])),
        "",
        "| class | support | precision | recall | F1 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for c, r in pc.items():
        lines.append(
            f"| {c} | {r.support} | {_pct(r.precision)} | {_pct(r.recall)} | {_pct(r.f1)} |"
        )
    return lines


def _agreement_lines(agreement: dict[str, Any] | None) -> list[str]:
    if not agreement or not agreement["utterances"]:
        return []
    pc: dict[str, PRF] = agreement["per_class"]
    return [
        f"- the experts among themselves ({agreement['utterances']} utterances labelled by "
        f"several annotators, each pair scored): question F1 {_pct(pc['question'].f1)}, "
        f"reflection F1 {_pct(pc['reflection'].f1)}, "
        f"4-class agreement {_pct(agreement['accuracy'])}"
    ]


def _restatement_lines(restatements: dict[str, Any] | None) -> list[str]:
    if not restatements or not restatements["per_annotator"]:
        return []
    shares = restatements["per_annotator"]
    return [
        f'- statements voiced with a question mark ("So you\'re drinking a lot?", '
        f"{restatements['utterances']} annotations): coded as containing a question "
        f"{restatements['share']:.0%} of the time, from {min(shares.values()):.0%} to "
        f"{max(shares.values()):.0%} depending on the annotator "
        f"({len(shares)} annotators with {RESTATEMENT_MIN}+ of them)"
    ]


def _ceiling_lines(ceiling: dict[str, Any]) -> list[str]:
    if not ceiling["restatements"]:
        return []
    return [
        f"- question F1 ceiling: {ceiling['restatements']} utterances ask only with statements "
        f"voiced with a question mark, {ceiling['labelled_question']:.0%} of them labelled "
        f"question (we match {ceiling['ours_right']:.0%}). With every other utterance labelled "
        "as the experts did and one answer for all of these, question F1 is at most "
        f"{_pct(ceiling['oracle_elsewhere_f1'])}; ours with every one of these right would be "
        f"{_pct(ceiling['perfect_restatements_f1'])}"
    ]


def speed_lines(workloads: dict[str, dict[str, float]], yardstick: str = "") -> list[str]:
    lines = ["## Speed (one process, cold caches, fastest of 7 passes)", ""]
    for name, res in workloads.items():
        lines.append(
            f"- {name}: {res['per_second']:.0f} analyses/s (median pass "
            f"{res['median_pass_per_second']:.0f}/s) over {res['analyses']} analyses; latency "
            f"p50 {res['p50_ms']:.2f} ms, p99 {res['p99_ms']:.2f} ms, max {res['max_ms']:.2f} ms"
        )
    lines.append(
        f"- machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start"
        + (f"; {yardstick}" if yardstick else "")
    )
    return lines


SECTION_START = "<!-- feedback-benchmarks:start (written by app.feedback.evaluate) -->"
SECTION_END = "<!-- feedback-benchmarks:end -->"


def write_section(path: Path, body: str) -> None:
    """Replace this benchmark's section of a shared document, keeping everything else."""
    section = f"{SECTION_START}\n# Feedback analyzer\n\n{body}\n{SECTION_END}"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if SECTION_START in old and SECTION_END in old:
        head, rest = old.split(SECTION_START, 1)
        new = head + section + rest.split(SECTION_END, 1)[1]
    else:
        new = (old.rstrip() + "\n\n" if old.strip() else "") + section + "\n"
    path.write_text(new, encoding="utf-8")


def _print_errors(errors: Iterable[tuple[dict[str, Any], Feedback]], limit: int) -> None:
    for it, p in list(errors)[:limit]:
        print(f"- [{it['id']}] partner: {it['partner']!r}")
        print(f"  message: {it['message']!r}")
        print(f"  gold: gi={it['genuine_interest']} {sorted(it['moves'])}")
        print(f"  got:  gi={p.genuine_interest} {sorted(m.value for m in p.moves)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="test", choices=["dev", "test", "all"])
    parser.add_argument("--annomi", default="odd", choices=["odd", "even", "none"])
    parser.add_argument("--errors", type=int, default=0, help="print N misclassified turns")
    parser.add_argument("--markdown", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--annomi-dir",
        type=Path,
        help=f"folder holding {ANNOMI_FILE} (default: $RAPPORT_ANNOMI_DIR, else {annomi_dir()})",
    )
    args = parser.parse_args(argv)
    data = args.annomi_dir or annomi_dir()
    if args.annomi != "none" and not (data / ANNOMI_FILE).is_file():
        print(missing_annomi(data), file=sys.stderr)
        return 2

    items = load_turns(args.split)
    anno = load_annomi(args.annomi, data) if args.annomi != "none" else []
    workloads: dict[str, list[tuple[str, Sequence[Utterance]]]] = {
        "networking turns (all labelled turns, with their history)": [
            (it["message"], history_of(it)) for it in load_turns("all")
        ]
    }
    if anno:
        workloads["AnnoMI utterances (longer, 10 lines of history)"] = [
            (a.text, a.history) for a in anno[:1000]
        ]
    # Timed first, before the accuracy runs fill the heap the garbage collector must scan.
    yardstick = calibration.describe()
    speed = {name: measure_speed(cases) for name, cases in workloads.items()}
    res = evaluate_turns(items)
    out = blind_lines(blind_sets())
    out += ["", *ledger_lines(ledger_rows())]
    out += ["", *turns_lines(args.split, res)]
    out += ["", *tip_lines(tip_sets())]
    if anno:
        agreement = annotator_agreement(args.annomi, data)
        restatements = restatement_coding(args.annomi, data)
        out += ["", *annomi_lines(args.annomi, evaluate_annomi(anno), agreement, restatements)]
    out += ["", *speed_lines(speed, yardstick)]
    text = "\n".join(out)
    print(text)
    if args.errors:
        print("\n## Misclassified turns")
        _print_errors(res["errors"], args.errors)
    if args.markdown:
        command = "python -m app.feedback.evaluate " + " ".join(argv or sys.argv[1:])
        write_section(args.markdown, f"Command: `{command.strip()}`\n\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
