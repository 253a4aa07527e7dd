"""Identity benchmark: each figure printed next to a baseline measured in the same run.

    .venv/bin/python bench/identity/bench.py [--runs 50] [--gallery 100000]

Figures: face detect + align + embed on a 640x480 frame (the astronaut photo from the
scikit-image wheel, cropped to head and shoulders as a desk camera would see it), the
same with the TFLite back end, 1:N search among N templates, voice embedding of 3 s of
speech (VAD separately), resident memory with the face and voice models loaded, and the
Vosk model's memory separately. Baselines: cv2.resize of a 640x480 frame to 320x240,
and a 512x512 float32 numpy matmul.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def median_ms(fn: Callable[[], object], runs: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    import os

    return f"{cpu}, {os.cpu_count()} cpus, {platform.system()} {platform.release()}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--gallery", type=int, default=100_000)
    ap.add_argument("--no-asr", action="store_true", help="skip the Vosk memory figure")
    a = ap.parse_args()
    rss0 = rss_mb()

    import cv2

    from appliance.identity.face import FaceEngine
    from appliance.identity.matching import Gallery
    from appliance.identity.voice import SpeakerEncoder
    from models.registry import locate

    rng = np.random.default_rng(0)
    photo = cv2.imread(str(locate("demo_astronaut")))
    assert photo is not None
    # a desk camera sees the petitioner at arm's length: crop the photo to head and
    # shoulders so the face is about 140-170 px wide in the 640x480 frame
    photo = cv2.resize(photo[0:300, 90:390], (480, 480))
    frame = np.zeros((480, 640, 3), np.uint8) + 90
    frame[:, 80:560] = photo
    base_resize = median_ms(lambda: cv2.resize(frame, (320, 240)), a.runs * 4)
    m = rng.standard_normal((512, 512)).astype(np.float32)
    base_matmul = median_ms(lambda: m @ m, a.runs)
    rss_libs = rss_mb()

    face = FaceEngine.load()
    enc = SpeakerEncoder.load()
    rss_models = rss_mb()
    assert face.embed_frame(frame) is not None, "no face in the benchmark frame"
    face_ms = median_ms(lambda: face.embed_frame(frame), a.runs)
    r = face.embed_frame(frame)
    assert r is not None
    f0 = r[0]
    detect_ms = median_ms(lambda: face.detect(frame), a.runs)
    embed_ms = median_ms(lambda: face.embed(face.align(frame, f0)), a.runs)

    blaze_ms = None
    try:
        blaze = FaceEngine.load(backend="blazeface")
        if blaze.embed_frame(frame) is not None:
            blaze_ms = round(median_ms(lambda: blaze.embed_frame(frame), a.runs), 2)
    except Exception as e:  # optional back end: report why it is missing
        blaze_ms = f"unavailable: {e}"  # type: ignore[assignment]

    g = rng.standard_normal((a.gallery, 128)).astype(np.float32)
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    gallery = Gallery([f"p{i}" for i in range(a.gallery)], g)
    probe = g[12345 % a.gallery]
    search_ms = median_ms(lambda: gallery.identify(probe, 0.39), a.runs * 4)

    speech = (rng.standard_normal(48000) * 0.05).astype(np.float32)
    voice_ms = median_ms(lambda: enc.embed_speech(speech), a.runs)
    vad = enc.vad
    assert vad is not None
    vad_ms = median_ms(lambda: vad.probabilities(speech), max(5, a.runs // 5))
    rss_after = rss_mb()

    asr_mb = None
    if not a.no_asr:
        try:
            from appliance.identity.transcribe import Transcriber

            before = rss_mb()
            t = Transcriber(locate("vosk_ko"))
            asr_mb = round(rss_mb() - before, 1)
            del t
        except Exception as e:  # report, do not hide
            asr_mb = f"unavailable: {e}"  # type: ignore[assignment]

    out = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "baseline_resize_640x480_to_320x240_ms": round(base_resize, 3),
        "baseline_matmul_512_ms": round(base_matmul, 3),
        "face_detect_align_embed_640x480_median_ms": round(face_ms, 2),
        "face_detect_only_ms": round(detect_ms, 2),
        "face_align_embed_ms": round(embed_ms, 2),
        "face_blazeface_tflite_detect_align_embed_ms": blaze_ms,
        "search_1n_ms": round(search_ms, 3),
        "gallery_templates": a.gallery,
        "voice_embed_3s_ms": round(voice_ms, 2),
        "voice_vad_3s_ms": round(vad_ms, 2),
        "rss_python_numpy_mb": round(rss0, 1),
        "rss_libs_mb": round(rss_libs, 1),
        "rss_face_voice_models_loaded_mb": round(rss_models, 1),
        "rss_after_bench_mb": round(rss_after, 1),
        "gallery_matrix_mb": round(g.nbytes / 2**20, 1),
        "asr_vosk_ko_model_mb": asr_mb,
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
