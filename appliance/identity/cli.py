"""``zhifang identity ...``: evaluation on folders of real data (one JSON line each).

zhifang identity eval faces DIR [--half first|second|all] [--config FILE]
zhifang identity eval voices DIR [--half ...] [--probe-s 3] [--enrol-clips 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("identity", help="人脸/声纹身份核验 (on-device identity)")
    isub = p.add_subparsers(dest="identity_command", required=True)
    ev = isub.add_parser("eval", help="measure verification on a folder of real data")
    esub = ev.add_subparsers(dest="modality", required=True)
    for name, fn, what in (
        ("faces", _eval_faces, "DIR/<person>/<image>"),
        ("voices", _eval_voices, "DIR/{anything}_{speaker}_{index}.wav"),
    ):
        q = esub.add_parser(name, help=f"evaluate on {what}")
        q.add_argument("dir", type=Path)
        q.add_argument(
            "--half",
            choices=["all", "first", "second"],
            default="all",
            help="people of the first/second half only (natural name order)",
        )
        q.add_argument("--config", type=Path, default=None, help="identity config JSON")
        if name == "faces":
            q.add_argument(
                "--backend",
                choices=["yunet", "blazeface"],
                default=None,
                help="face detector (blazeface: the TFLite back end)",
            )
        if name == "voices":
            q.add_argument("--probe-s", type=float, default=3.0, help="seconds of speech")
            q.add_argument("--enrol-clips", type=int, default=None, help="clips per template")
        q.set_defaults(func=fn)


def _config(path: Path | None) -> Any:
    from appliance.identity.config import IdentityConfig

    if path is None:
        return IdentityConfig()
    return IdentityConfig.model_validate_json(path.read_text(encoding="utf-8"))


def _fail(msg: str) -> int:
    print(json.dumps({"error": msg}, ensure_ascii=False))
    return 2


def _eval_faces(args: argparse.Namespace) -> int:
    from appliance.identity.evaluate import EvalInputError, face_embeddings, pair_scores
    from appliance.identity.face import FaceEngine, pad_small
    from models.registry import ModelError

    cfg = _config(args.config)
    try:
        backend = args.backend or cfg.face.backend
        engine = FaceEngine.load(backend=backend, detect_score=cfg.face.detect_score)

        def embed(img: Any) -> Any:
            r = engine.embed_frame(pad_small(img))
            return None if r is None else r[2]

        fs = face_embeddings(args.dir, args.half, embed)
    except (EvalInputError, ModelError) as e:
        return _fail(str(e))
    out = {
        "modality": "face",
        "model": f"{backend}+sface",
        "half": args.half,
        "people": len(set(fs.labels)),
        "images": fs.images,
        "no_face": fs.no_face,
        "duplicates_skipped": fs.duplicates,
    }
    out |= pair_scores(fs.labels, fs.embeddings).summary(cfg.face.threshold)
    print(json.dumps(out, ensure_ascii=False))
    return 0


def _eval_voices(args: argparse.Namespace) -> int:
    from appliance.identity.audio import read_wav
    from appliance.identity.evaluate import EvalInputError, voice_scores, voice_utterances
    from appliance.identity.voice import SpeakerEncoder
    from models.registry import ModelError

    cfg = _config(args.config)
    clips = args.enrol_clips or cfg.voice.enrol_clips
    try:
        enc = SpeakerEncoder.load(vad_threshold=cfg.voice.vad_threshold)
        utts = voice_utterances(args.dir, args.half, enc.speech, read_wav, probe_s=args.probe_s)
        embs = {s: [enc.embed_speech(u) for u in us] for s, us in utts.items()}
        scores, n_templates = voice_scores(embs, clips)
    except (EvalInputError, ModelError) as e:
        return _fail(str(e))
    if scores.genuine.size == 0 or scores.impostor.size == 0:
        return _fail("not enough speech per speaker for one template and one probe")
    out = {
        "modality": "voice",
        "model": "silero_vad+resemblyzer_ge2e",
        "half": args.half,
        "speakers": len(utts),
        "utterances": sum(len(u) for u in utts.values()),
        "probe_s": args.probe_s,
        "enrol_clips": clips,
        "templates": n_templates,
    }
    out |= scores.summary(cfg.voice.threshold)
    print(json.dumps(out, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="identity")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
