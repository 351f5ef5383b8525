"""How alike two complaint texts are: cosine over character unigrams and bigrams.

Chinese needs no word splitting for this: two residents telling the same problem share most of
its characters (机, 井, 水) and many of its bigrams (机井, 浇地), while two problems of one
category share fewer. Single characters carry paraphrases ("用不成" / "坏了" still share 机井);
bigrams keep word order. Measured on tests/helpers/similar_pairs.py (tests/similar/): see
docs/DESIGN.md "Similar complaints".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

# At or above this, two texts tell the same problem (the labelled set's plateau is 0.30-0.34).
THRESHOLD = 0.32
# Runs of characters that carry meaning: Han characters, letters, digits.
_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]+")
# Phrases of a pattern's summary: this long at most, shared by at least this share of members.
_PHRASE_MAX = 8
_PHRASE_SHARE = 0.5
_EDGE_WORDS = "的了也还要很都是在和就又把被给着呢吗啊呀"


def signature(text: str | None) -> frozenset[str]:
    """A text's features: every character and every pair of neighbouring characters."""
    features: set[str] = set()
    for run in _RUNS.findall((text or "").lower()):
        features.update(run)
        features.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(features)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of two signatures as sets: shared features over the geometric mean of sizes."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def alike(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two signatures tell the same problem."""
    return similarity(a, b) >= THRESHOLD


def shared_phrases(texts: Sequence[str | None], limit: int = 3) -> list[str]:
    """The phrases most of these texts share (2 to 8 characters, each as long as it goes, the
    most shared first): a pattern's one-line summary, e.g. ["机井坏了", "浇不上地"]."""
    counts: Counter[str] = Counter()
    for text in texts:
        found: set[str] = set()
        for run in _RUNS.findall(text or ""):
            for size in range(2, _PHRASE_MAX + 1):
                for i in range(len(run) - size + 1):
                    # Words like 的, 了, 也 at either end add nothing to a phrase.
                    phrase = run[i : i + size].strip(_EDGE_WORDS)
                    if len(phrase) >= 2:
                        found.add(phrase)
        counts.update(found)
    needed = max(2, math.ceil(len(texts) * _PHRASE_SHARE))
    common = [p for p, n in counts.items() if n >= needed]
    # Only phrases as long as they go: none inside a longer one shared as often.
    longer = [p for p in common if len(p) > 2]
    common = [
        p for p in common if not any(p in q and counts[q] >= counts[p] and q != p for q in longer)
    ]
    # The most shared first, then the longest; one overlapping a phrase chosen adds nothing.
    common.sort(key=lambda p: (-counts[p], -len(p), p))
    chosen: list[str] = []
    for phrase in common:
        pairs = {phrase[i : i + 2] for i in range(len(phrase) - 1)}
        if any(pair in other for other in chosen for pair in pairs):
            continue
        chosen.append(phrase)
        if len(chosen) == limit:
            break
    return chosen


def best_match(
    wanted: frozenset[str], candidates: Iterable[tuple[int, str | None]]
) -> list[tuple[int, float]]:
    """The candidates (id, text) alike to `wanted`, most similar first."""
    scored = [(cid, similarity(wanted, signature(text))) for cid, text in candidates]
    return sorted(((c, s) for c, s in scored if s >= THRESHOLD), key=lambda cs: -cs[1])
