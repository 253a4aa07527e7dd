"""1:1 verification and 1:N identification over L2-normalised embeddings (pure numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Gallery", "Match", "verify"]


@dataclass(frozen=True)
class Match:
    person_id: str | None
    score: float
    accepted: bool


def verify(probe: np.ndarray, template: np.ndarray, threshold: float) -> Match:
    """1:1: does ``probe`` match the claimed person's ``template``?"""
    score = float(np.dot(probe, template))
    return Match(person_id=None, score=score, accepted=score >= threshold)


class Gallery:
    """Templates of the people who consented to 1:N search, as one float32 matrix.

    The caller (``templates.TemplateStore.gallery``) decides who is in it; this class
    only searches: one matrix-vector product and an argmax.
    """

    def __init__(self, person_ids: list[str], embeddings: np.ndarray) -> None:
        if embeddings.ndim != 2 or len(person_ids) != embeddings.shape[0]:
            raise ValueError("one embedding row per person id")
        self.person_ids = list(person_ids)
        self.matrix = np.ascontiguousarray(embeddings, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.person_ids)

    def identify(self, probe: np.ndarray, threshold: float) -> Match:
        if not self.person_ids:
            return Match(person_id=None, score=-1.0, accepted=False)
        scores = self.matrix @ probe.astype(np.float32)
        i = int(np.argmax(scores))
        score = float(scores[i])
        accepted = score >= threshold
        return Match(
            person_id=self.person_ids[i] if accepted else None, score=score, accepted=accepted
        )
