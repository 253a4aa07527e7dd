"""``zhifang evidence export|verify``: bundles a court clerk can check offline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from central.database import make_engine, make_session_factory
from central.settings import Settings
from protocol import keys
from protocol.bundle import Trust, verify_bundle

from .bundle import render_report
from .export import ExportError, export_reception
from .playback import PlaybackCache
from .service import make_service
from .timestamp import TimestampError, Tsa, stamp_checkpoint


def register(sub: Any) -> None:
    p = sub.add_parser("evidence", help="录像存证: export and verify evidence bundles")
    ev = p.add_subparsers(dest="evidence_command", required=True)

    e = ev.add_parser("export", help="write a reception's evidence bundle")
    e.add_argument("reception", help="reception id (UUID)")
    e.add_argument("--out", type=Path, required=True, help="bundle directory (new or empty)")
    e.add_argument("--tsa-url", help="RFC 3161 TSA to timestamp the checkpoint with")
    e.add_argument("--tsa-cert", type=Path, help="the TSA's certificate (PEM), put in keys/")
    e.set_defaults(func=cmd_export)

    v = ev.add_parser("verify", help="verify a bundle offline; exit 0 only if all holds")
    v.add_argument("directory", type=Path)
    v.add_argument("--log-key", help="pin the log's verifier key (name+id+key)")
    v.add_argument("--device-key", help="pin the device's base64 Ed25519 public key")
    v.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="NAME=KEY",
        help="require a cosignature by this witness (base64 Ed25519 key); repeatable",
    )
    v.set_defaults(func=cmd_verify)

    pr = ev.add_parser(
        "prune-playable", help="shrink the cache of playable video copies (derived, not evidence)"
    )
    pr.add_argument("--max-mb", type=int, required=True, help="keep at most this many MiB")
    pr.set_defaults(func=cmd_prune_playable)


def cmd_export(args: argparse.Namespace) -> int:

    settings = Settings()
    engine = make_engine(settings)
    service = make_service(settings.data_dir)
    tsa = args.tsa_cert.read_bytes() if args.tsa_cert else None
    if args.tsa_url and not args.tsa_cert:
        print("--tsa-url needs --tsa-cert (the TSA certificate the reply is checked against)")
        return 2
    try:
        with make_session_factory(engine)() as session:
            if args.tsa_url:
                import httpx

                try:
                    with httpx.Client(timeout=30) as http:
                        stamp_checkpoint(
                            session, service.log, Tsa(args.tsa_url, args.tsa_cert), http
                        )
                    session.commit()
                except (TimestampError, httpx.HTTPError) as e:
                    print(f"时间戳失败: {e}")
                    return 2
            report = export_reception(
                session, service, reception_id=args.reception, out=args.out, tsa_pem=tsa
            )
            session.commit()
    except (ExportError, FileExistsError) as e:
        print(f"导出失败: {e}")
        return 2
    print(render_report(report))
    print(f"证据包已写入 {args.out}")
    return 0 if report.ok else 1


def cmd_verify(args: argparse.Namespace) -> int:

    if not args.directory.is_dir():
        print(f"{args.directory} 不是目录")
        return 2
    try:
        witnesses = []
        for w in args.witness:
            name, _, key = w.partition("=")
            witnesses.append((name, keys.load_public_b64(key)))
        trust = Trust(
            device_key=keys.load_public_b64(args.device_key) if args.device_key else None,
            log_vkey=args.log_key,
            witnesses=tuple(witnesses),
        )
    except ValueError as e:
        print(f"公钥格式错误: {e}")
        return 2
    report = verify_bundle(args.directory, trust=trust)
    print(render_report(report), end="")
    return 0 if report.ok else 1


def cmd_prune_playable(args: argparse.Namespace) -> int:
    """The least recently watched copies go first; the segments themselves are never touched."""
    import sys

    if args.max_mb < 0:
        print("错误：--max-mb 不能为负数", file=sys.stderr)
        return 2
    cache = PlaybackCache(Settings().data_dir / "evidence" / "playable")
    removed, kept = cache.prune(args.max_mb * 1024 * 1024)
    print(f"删除 {removed} 个播放副本，保留 {kept / 1024 / 1024:.1f} MiB（{cache.root}）")
    return 0
