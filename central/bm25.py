"""BM25 (Robertson–Spärck Jones, Okapi weighting) over jieba tokens; pure, in memory.

A site has thousands of matters, not millions: the index is rebuilt from the table
when it changes, in well under a second.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from functools import cache

STOP = frozenset(
    """的 了 和 与 及 或 在 是 被 把 对 向 将 为 因 但 并 也 又 就 都 而 其 之 于 以 等 该
    这 那 有 没有 我 我们 他 他们 她 你 本人 一直 已经 现在 要求 反映 问题 情况 事情 进行
    相关 有关 一个 多次 至今 没 不 未 请 希望 给予 已 后 前 年 月 日 元""".split()  # noqa: SIM905
)
PUNCT = re.compile(r"^[\W_]+$")


@cache
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def warm_up() -> threading.Thread:
    """Load jieba's dictionary in the background (about 1–3 s of CPU), so that the first
    matter page an officer opens (its similar matters) does not wait for it."""
    t = threading.Thread(target=_jieba, name="warm-jieba", daemon=True)
    t.start()
    return t


def tokens(text: str) -> list[str]:
    """Search-mode segmentation (long words also yield their parts), minus stop words,
    punctuation and digits."""
    jb = _jieba()
    out = []
    for t in jb.lcut_for_search(text.lower()):  # type: ignore[attr-defined]
        t = t.strip()
        if t and t not in STOP and not PUNCT.match(t) and not t.isdigit():
            out.append(t)
    return out


class BM25:
    def __init__(self, docs: Sequence[Sequence[str]], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.len = [len(d) for d in docs]
        self.avg = (sum(self.len) / len(docs)) if docs else 0.0
        df: Counter[str] = Counter()
        for c in self.tf:
            df.update(c.keys())
        n = len(docs)
        # the "+1" form keeps idf positive for terms in over half the documents
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: Sequence[str]) -> list[float]:
        q = [t for t in dict.fromkeys(query) if t in self.idf]
        out = []
        for tf, dl in zip(self.tf, self.len, strict=True):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * dl / (self.avg or 1))
            for t in q:
                f = tf.get(t, 0)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            out.append(s)
        return out

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Indexes of the ``k`` best documents with a positive score, best first."""
        ranked = sorted(enumerate(self.scores(query)), key=lambda p: (-p[1], p[0]))
        return [(i, s) for i, s in ranked[:k] if s > 0]
