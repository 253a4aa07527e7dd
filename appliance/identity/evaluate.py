"""Evaluate verification on a folder of real data (faces or voices).

Faces: ``DIR/<person>/<image>`` (any format OpenCV reads); all pairs of embeddings,
same person = genuine, different = impostor.

Voices: ``DIR/{anything}_{speaker}_{index}.wav``. Per speaker, the clips (sorted by
index, then name) go through VAD and their speech is joined into utterances of at
least ``probe_s`` seconds. Templates average ``enrol_clips`` consecutive utterances;
each template is scored against every utterance of the same speaker not in it
(genuine) and every utterance of the other speakers (impostor).

``half`` restricts a run to the first or second half of the people (natural order), so
a threshold picked on one half is reported on the other.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from appliance.identity.metrics import eer, rates_at, tar_at_far, threshold_at_far

Half = Literal["all", "first", "second"]
WAV_NAME = re.compile(r"^(?P<rest>.+)_(?P<speaker>[^_]+)_(?P<index>\d+)\.wav$", re.IGNORECASE)


class EvalInputError(ValueError):
    """The folder does not hold data in the expected layout."""


def natural_key(s: str) -> list[int | str]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", s)]


def pick_half(people: list[str], half: Half) -> list[str]:
    people = sorted(people, key=natural_key)
    mid = (len(people) + 1) // 2
    return people if half == "all" else people[:mid] if half == "first" else people[mid:]


@dataclass
class Scores:
    genuine: np.ndarray
    impostor: np.ndarray

    def summary(self, threshold: float) -> dict[str, object]:
        e, e_t = eer(self.genuine, self.impostor)
        tar, far = rates_at(self.genuine, self.impostor, threshold)

        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 6)

        return {
            "genuine_pairs": int(self.genuine.size),
            "impostor_pairs": int(self.impostor.size),
            "tar_at_far_1pct": r(tar_at_far(self.genuine, self.impostor, 0.01)),
            "tar_at_far_0.1pct": r(tar_at_far(self.genuine, self.impostor, 0.001)),
            "eer": r(e),
            "eer_threshold": r(e_t),
            "threshold": threshold,
            "tar_at_threshold": r(tar),
            "far_at_threshold": r(far),
            "threshold_at_far_0.1pct_here": r(threshold_at_far(self.impostor, 0.001)),
        }


def pair_scores(labels: list[str], emb: np.ndarray) -> Scores:
    """All unordered pairs of rows: cosine (rows are L2-normalised)."""
    sims = emb @ emb.T
    lab = np.asarray(labels)
    iu = np.triu_indices(len(labels), k=1)
    same = lab[iu[0]] == lab[iu[1]]
    s = sims[iu]
    return Scores(genuine=s[same], impostor=s[~same])


@dataclass
class FaceSet:
    labels: list[str]
    embeddings: np.ndarray
    images: int  # distinct images read
    no_face: int  # of which no face was found
    duplicates: int  # files whose pixels repeat an earlier file (e.g. x.pgm and x.pgm.png)


def face_embeddings(
    root: Path, half: Half, embed: Callable[[np.ndarray], np.ndarray | None]
) -> FaceSet:
    """Embeddings of every distinct image; a pixel-identical copy would be a free genuine
    pair with score 1.0, so copies are skipped and counted."""
    import hashlib

    import cv2

    if not root.is_dir():
        raise EvalInputError(f"{root} is not a folder")
    people = [p.name for p in root.iterdir() if p.is_dir()]
    if len(people) < 2:
        raise EvalInputError(f"{root}: need one sub-folder per person, at least two people")
    labels: list[str] = []
    rows: list[np.ndarray] = []
    tried = failed = dups = 0
    seen: set[bytes] = set()
    for person in pick_half(people, half):
        for f in sorted((root / person).iterdir(), key=lambda p: natural_key(p.name)):
            img = cv2.imread(str(f), cv2.IMREAD_COLOR)
            if img is None:
                continue  # not an image
            digest = hashlib.sha256(img.tobytes()).digest()
            if digest in seen:
                dups += 1
                continue
            seen.add(digest)
            tried += 1
            v = embed(img)
            if v is None:
                failed += 1
                continue
            labels.append(person)
            rows.append(v)
    if len(set(labels)) < 2:
        raise EvalInputError(f"{root}: fewer than two people with a detected face")
    return FaceSet(labels, np.stack(rows), tried, failed, dups)


def voice_utterances(
    root: Path,
    half: Half,
    speech: Callable[[np.ndarray, int], np.ndarray],
    read: Callable[[Path], tuple[np.ndarray, int]],
    *,
    probe_s: float,
    sr: int = 16000,
) -> dict[str, list[np.ndarray]]:
    """Speaker -> list of 16 kHz speech utterances of at least ``probe_s`` seconds."""
    if not root.is_dir():
        raise EvalInputError(f"{root} is not a folder")
    files: dict[str, list[tuple[int, str, Path]]] = defaultdict(list)
    for f in root.iterdir():
        m = WAV_NAME.match(f.name)
        if m:
            files[m["speaker"]].append((int(m["index"]), f.name, f))
    if len(files) < 2:
        raise EvalInputError(
            f"{root}: need WAV files of at least two speakers "
            "named {anything}_{speaker}_{index}.wav"
        )
    out: dict[str, list[np.ndarray]] = {}
    need = int(probe_s * sr)
    for spk in pick_half(list(files), half):
        utts: list[np.ndarray] = []
        buf: list[np.ndarray] = []
        n = 0
        for _i, _name, path in sorted(files[spk]):
            x, rate = read(path)
            s = speech(x, rate)
            buf.append(s)
            n += len(s)
            if n >= need:
                utts.append(np.concatenate(buf)[:need])
                buf, n = [], 0
        out[spk] = utts
    return out


def voice_scores(embs: dict[str, list[np.ndarray]], enrol_clips: int) -> tuple[Scores, int]:
    """Scores of templates (``enrol_clips`` utterances each) against held-out utterances."""
    templates: list[tuple[str, set[int], np.ndarray]] = []
    for spk, vs in embs.items():
        for k in range(len(vs) // enrol_clips - 1):  # keep at least one group for probes
            idx = set(range(k * enrol_clips, (k + 1) * enrol_clips))
            t = np.mean([vs[i] for i in idx], axis=0)
            templates.append((spk, idx, t / np.linalg.norm(t)))
    gen: list[float] = []
    imp: list[float] = []
    for spk, idx, t in templates:
        for other, vs in embs.items():
            for i, v in enumerate(vs):
                if other == spk:
                    if i not in idx:
                        gen.append(float(v @ t))
                else:
                    imp.append(float(v @ t))
    return Scores(genuine=np.array(gen), impostor=np.array(imp)), len(templates)
