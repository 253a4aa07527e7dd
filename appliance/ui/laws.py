"""The laws on the petitioner's screen (高效法治体验), offline too.

Central publishes every imported law as one JSON bundle (``/api/legal/bundle``, the same
as ``zhifang legal export``); the box keeps the last copy in its data dir and searches it
locally, so the pages work when central cannot be reached.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
FORMAT = "zhifang-legal/1"


@dataclass(frozen=True)
class Article:
    law: str
    label: str  # 第十二条
    chapter: str
    body: str


class LawLibrary:
    def __init__(self, path: Path, *, fetch: Callable[[], dict[str, Any]] | None = None) -> None:
        self.path, self._fetch = path, fetch
        self.version: str | None = None
        self.articles: list[Article] = []
        if path.exists():
            try:
                self._load(json.loads(path.read_text("utf-8")))
            except (ValueError, KeyError, TypeError) as e:  # keep serving, say why
                log.error("cached laws at %s are unreadable (%s); waiting for central", path, e)

    def _load(self, bundle: dict[str, Any]) -> None:
        if bundle.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} bundle")
        self.articles = [
            Article(law["name"], a["label"], a.get("chapter") or "", a["body"])
            for law in bundle["laws"]
            for a in law["articles"]
        ]
        self.version = str(bundle["version"])

    def refresh(self) -> bool:
        """Fetch central's bundle when it changed; False when central is unreachable."""
        if self._fetch is None:
            return False
        try:
            bundle = self._fetch()
            if bundle.get("version") == self.version:
                return True
            self._load(bundle)
        except Exception as e:  # offline or a bad answer: keep the copy we have
            log.warning("laws not refreshed from central: %s", e)
            return False
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(bundle, ensure_ascii=False), "utf-8")
        os.replace(tmp, self.path)
        return True

    def search(self, q: str, *, limit: int = 10) -> list[Article]:
        """Articles holding the words typed; with no exact hit, those sharing the most
        two-character pieces of the query (Chinese has no spaces between words)."""
        q = "".join(q.split())[:100]
        if not q:
            return []
        exact = [a for a in self.articles if q in a.body or q in a.label or q in a.law]
        if exact:
            return exact[:limit]
        grams = {q[i : i + 2] for i in range(len(q) - 1)} or {q}
        scored = [(sum(g in a.body for g in grams), a) for a in self.articles]
        best = sorted((x for x in scored if x[0] > 0), key=lambda x: -x[0])
        return [a for _, a in best[:limit]]
