"""Assisted extraction: precision and recall on the labelled set, and speed in words per second.

    python benchmarks/extract_score.py [--words 100000] [--repeat 3]

Scores the engine on ``tests/data/extraction/paragraphs.json`` (and the sample article): the
precision and recall of (quote span, speaker) pairs, of quote spans alone and of person names.
Then times :func:`services.extract.engine.extract` on a long text made of the sample article and
the labelled paragraphs, repeated up to ``--words`` words, with the sample case's names known,
and prints the median words per second (goal: at least 20,000). Results go in
docs/performance.md ("## Assisted extraction").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.extract.engine import extract  # noqa: E402
from services.extract.evaluate import load_cases, score  # noqa: E402
from services.extract.matching import KnownName  # noqa: E402

DATA = ROOT / "tests" / "data" / "extraction" / "paragraphs.json"
SAMPLE = ROOT / "resources" / "samples" / "deir-ez-zor-campaign"


def _sample_case() -> dict[str, object]:
    data = json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))
    text = SAMPLE.with_suffix(".txt").read_text(encoding="utf-8")
    return {
        "id": "sample",
        "text": text,
        "published_on": data["source"]["published_on"],
        "quotes": [{"text": q["text"], "speaker": q["speaker"]} for q in data["quotes"]],
        "people": [p["name"] for p in data["people"]],
    }


def _known() -> list[KnownName]:
    data = json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))
    out: list[KnownName] = []
    for i, o in enumerate(data["organisations"] + data["people"] + data["places"], start=1):
        kind = "place" if o in data["places"] else "person"
        if o in data["organisations"]:
            kind = "organisation"
        out.append(KnownName(i, o["name"], tuple(o["aliases"]), kind))
    return out


def main() -> None:
    """Print the scores and the speed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    cases = load_cases(DATA)
    held_out = load_cases(DATA.with_name("heldout.json"))
    for label, subset in (
        ("held-out paragraphs", held_out),
        ("harder held-out paragraphs", load_cases(DATA.with_name("hard.json"))),
        ("fresh held-out paragraphs", load_cases(DATA.with_name("fresh.json"))),
        ("second fresh held-out paragraphs", load_cases(DATA.with_name("fresh2.json"))),
        ("third fresh held-out paragraphs", load_cases(DATA.with_name("fresh3.json"))),
        ("fourth fresh held-out paragraphs", load_cases(DATA.with_name("fresh4.json"))),
        ("labelled paragraphs", cases),
        ("with the sample", [*cases, _sample_case()]),
    ):
        print(f"{label} ({len(subset)} texts)")
        for name, s in score(subset).items():
            print(
                f"  {name:15s} precision {s.precision:.3f}  recall {s.recall:.3f}  "
                f"(tp {s.tp}, fp {s.fp}, fn {s.fn})"
            )

    parts = [SAMPLE.with_suffix(".txt").read_text(encoding="utf-8")] + [c["text"] for c in cases]
    block = "\n".join(parts)
    block_words = len(block.split())
    text = "\n".join([block] * max(1, args.words // block_words))
    words = len(text.split())
    known = _known()
    wall, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        x = extract(text, published_on=dt.date(2021, 2, 4), known=known)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU time too: on a shared machine the wall clock also measures the other jobs.
    w, c = statistics.median(wall), statistics.median(cpu)
    print(
        f"speed: {words} words, {len(text)} characters, {len(x.quotes)} quotes, "
        f"{len(x.entities)} entities: median {w:.2f} s wall = {words / w:,.0f} words/s; "
        f"{c:.2f} s CPU = {words / c:,.0f} words/s"
    )


if __name__ == "__main__":
    main()
