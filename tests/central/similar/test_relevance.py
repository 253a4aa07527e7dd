"""Precision at 5 of BM25 over jieba tokens on the labelled set (tests/central/similar/data)."""

from __future__ import annotations

from central.bm25 import BM25, tokens
from tests.central.similar.data.matters import MATTERS, QUERIES


def precision_at_5() -> tuple[float, list[float]]:
    docs = [(cat, f"{s} {h}") for cat, items in MATTERS.items() for s, h in items]
    index = BM25([tokens(t) for _, t in docs])
    per_query = []
    for q, cat in QUERIES:
        top = index.top(tokens(q), 5)
        per_query.append(sum(1 for i, _ in top if docs[i][0] == cat) / 5)
    return sum(per_query) / len(per_query), per_query


def test_precision_at_5_on_the_labelled_set() -> None:
    p5, per_query = precision_at_5()
    print(
        f"\nsimilar matters: P@5 = {p5:.3f} over {len(QUERIES)} queries, 48 matters; "
        f"per query {per_query}"
    )
    assert len(QUERIES) == 12 and sum(len(v) for v in MATTERS.values()) == 48
    assert p5 >= 0.6, per_query


def test_tokens_drop_stop_words_and_punctuation() -> None:
    t = tokens("老板拖欠我们的工资，一直不给！")
    assert "拖欠" in t and "工资" in t
    assert "的" not in t and "，" not in t and "我们" not in t


def test_empty_corpus_and_unknown_words() -> None:
    assert BM25([]).top(["工资"], 5) == []
    assert BM25([["工资"]]).top(["火星"], 5) == []
