"""``zhifang identity ...``: evaluation on folders of real data (one JSON line each).

zhifang identity eval faces DIR [--half first|second|all] [--config FILE]
zhifang identity eval voices DIR [--half ...] [--probe-s 3] [--enrol-clips 5]
zhifang identity enrol-officer --config BOX.toml --officer ID --officer-consents
                               (--images FILE... | --camera)
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
    _register_enrol_officer(isub)


def _register_enrol_officer(isub: Any) -> None:
    en = isub.add_parser(
        "enrol-officer",
        help="enrol an officer's face for face sign-in (badge template, after their consent)",
    )
    en.add_argument("--config", type=Path, required=True, help="box config (TOML)")
    en.add_argument("--officer", required=True, help="officer id (工号) known to the box")
    en.add_argument(
        "--officer-consents",
        action="store_true",
        help="the officer has read the consent text (printed) and agrees: recorded, signed",
    )
    src = en.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--images", type=Path, nargs="+", help="photos of the officer (no liveness check)"
    )
    src.add_argument(
        "--camera", action="store_true", help="live capture with a liveness challenge (on the box)"
    )
    en.set_defaults(func=_enrol_officer)


def _enrol_officer(args: argparse.Namespace) -> int:
    """The officer's badge template in this desk's store (``officers.badge_person_id``).

    The officer's own consent is recorded first (a ``consent.recorded`` event waits in the
    outbox until the box forwards it); photos are taken as they are, a live capture must
    answer a liveness challenge. Run it on the box, as the box's user."""
    from appliance.box import Box
    from appliance.config import ConfigError, load_config
    from appliance.identity.consent import DEFAULT_TEXT
    from appliance.identity.face import FaceEngine, pad_small
    from appliance.identity.service import CaptureError, IdentityService
    from appliance.officers import badge_person_id
    from appliance.transport import MemoryTransport
    from models.registry import ModelError

    try:
        config = load_config(args.config)
    except ConfigError as e:
        return _fail(str(e))
    known = set(config.officer.pin_hashes) or {config.officer.default_id}
    if args.officer not in known:
        return _fail(f"officer {args.officer!r} is not in this box's officer list")
    if config.template_key_path is None:
        return _fail("no template_key_path in the box config: this desk keeps no templates")
    print(DEFAULT_TEXT.text_zh, file=sys.stderr)
    if not args.officer_consents:
        return _fail("the officer's consent is required: pass --officer-consents once they agree")
    cfg = _config(None)
    box = Box(config, transport=MemoryTransport())  # not started: events wait in the outbox
    camera: Any = None
    try:
        ident = box.identity
        assert ident is not None
        engine = FaceEngine.load(backend=cfg.face.backend, detect_score=cfg.face.detect_score)
        svc = IdentityService(face=engine, store=ident.store, cfg=cfg)
        badge = badge_person_id(args.officer)
        if ident.store.live_consent(badge, "face") is None:
            ident.give_consent(person_id=badge, scopes=["face"], officer_id=args.officer)
        if args.images:
            from firmware_glue.frames import ImageFileFrameSource

            photos = ImageFileFrameSource(list(args.images), prepare=pad_small)
            svc.enrol_face(badge, photos.capture(len(args.images)))
            how = f"{len(args.images)} photos"
        else:
            from appliance.identity.liveness import CHALLENGE_PROMPTS
            from firmware_glue.frames import Picamera2FrameSource

            bio = config.biometrics
            camera = Picamera2FrameSource.open(size=bio.camera_size)
            challenge = bio.challenges[0]
            input(f"{CHALLENGE_PROMPTS[challenge]}（按回车开始采集）")
            frames = camera.capture(bio.frames, interval_s=bio.interval_s)
            svc.enrol_face(badge, frames, challenge=challenge)
            how = f"camera, challenge {challenge}"
    except (ModelError, CaptureError, OSError, RuntimeError) as e:
        return _fail(getattr(e, "prompt", None) or str(e))
    finally:
        if camera is not None:
            camera.close()
        box.stop()
    print(json.dumps({"enrolled": badge, "modality": "face", "from": how}, ensure_ascii=False))
    return 0


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
