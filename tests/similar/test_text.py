"""The text similarity on a labelled set of village complaints: precision and recall."""

from __future__ import annotations

from storage.similar import text
from tests.helpers.similar_pairs import DIFFERENT, SAME

# Floors under the figures measured when THRESHOLD was chosen (precision 1.00, recall 0.95).
PRECISION_FLOOR = 0.90
RECALL_FLOOR = 0.85


def _alike(first: str, second: str) -> bool:
    """Whether the two texts are judged the same problem."""
    return text.alike(text.signature(first), text.signature(second))


def test_precision_and_recall_at_the_threshold() -> None:
    """Same problems told differently match; different problems of a category do not."""
    assert len(SAME) + len(DIFFERENT) >= 40
    found = sum(_alike(a, b) for _c, a, b in SAME)
    wrong = sum(_alike(a, b) for _c, a, b in DIFFERENT)
    precision = found / (found + wrong) if found + wrong else 1.0
    recall = found / len(SAME)
    print(
        f"\nsimilarity threshold {text.THRESHOLD}: {len(SAME)} same pairs, "
        f"{len(DIFFERENT)} different pairs; true {found}, false {wrong}, "
        f"precision {precision:.2f}, recall {recall:.2f}"
    )
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


def test_a_text_is_like_itself_and_not_like_nothing() -> None:
    """Identical texts score 1; an empty text matches nothing."""
    sig = text.signature("机井坏了，浇不上地")
    assert text.similarity(sig, sig) == 1.0
    assert text.similarity(sig, text.signature("")) == 0.0
    assert not text.alike(text.signature(None), text.signature(None))


def test_shared_phrases_name_the_pattern() -> None:
    """The summary of ten wells names the well, not the village."""
    texts = [f"{v}村的机井坏了，浇不上地" for v in "东西南北中前后左右上"]
    phrases = text.shared_phrases(texts)
    assert any("机井" in p for p in phrases)
    assert all("东" not in p for p in phrases)
