"""Write an evidence bundle (layout in ``protocol/evidence.py``) and its zh-CN report."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol import keys
from protocol.bundle import BundleIndex, InclusionProof, Report
from protocol.evidence import ROLE_ZH, SignedManifest

REPORT_NAME = "证据核验报告.txt"


@dataclass(frozen=True)
class BundleParts:
    index: BundleIndex
    manifests: Sequence[SignedManifest]
    media: Sequence[Path]  # one file per manifest, same order
    proofs: Sequence[InclusionProof]
    checkpoint: bytes  # signed note, with cosignatures
    device_key: Ed25519PublicKey
    log_vkey: str
    witness_keys: Sequence[tuple[str, Ed25519PublicKey]] = ()
    timestamp: bytes | None = None  # RFC 3161 response over ``checkpoint``
    tsa_pem: bytes | None = None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_bundle(out: Path, parts: BundleParts) -> None:
    """Write every file of the bundle into ``out`` (created; must be empty or absent)."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    _write(out / "bundle.json", parts.index.to_bytes())
    _write(out / "keys/device.pub", (keys.public_key_b64(parts.device_key) + "\n").encode())
    _write(out / "keys/log.vkey", (parts.log_vkey + "\n").encode())
    for name, public in parts.witness_keys:
        safe = name.replace("/", "_")
        _write(out / f"keys/witness-{safe}.pub", (keys.public_key_b64(public) + "\n").encode())
    if parts.tsa_pem is not None:
        _write(out / "keys/tsa.pem", parts.tsa_pem)
    for i, (sm, media, proof) in enumerate(
        zip(parts.manifests, parts.media, parts.proofs, strict=True)
    ):
        _write(out / f"manifests/{i:06d}.json", sm.to_bytes())
        _write(out / f"proofs/{i:06d}.json", proof.to_bytes())
        dest = out / f"media/{i:06d}.{sm.manifest.container}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(media, dest)  # a copy: editing the bundle must never touch a blob
    _write(out / "checkpoint.note", parts.checkpoint)
    if parts.timestamp is not None:
        _write(out / "checkpoint.tsr", parts.timestamp)


def _when(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_report(report: Report) -> str:
    """The human-readable report a court clerk reads (证据核验报告)."""
    f = report.facts
    lines = [
        "证据核验报告 (Evidence verification report)",
        "=" * 40,
        f"核验结论: {'通过 — 录像完整、未被篡改' if report.ok else '不通过 — 发现问题, 见下'}",
        f"接访编号: {f.get('reception_id', '—')}",
        f"录制设备: {f.get('device', '—')}  设备公钥指纹: {f.get('device_key_id', '—')}",
        f"录像分段: {f.get('segments', '—')} 段, "
        f"{_when(f.get('start_ms'))} 至 {_when(f.get('end_ms'))}",
        f"存证日志: 树大小 {f.get('tree_size', '—')}, 根哈希 {f.get('root_hash', '—')}",
        f"日志公钥: {f.get('log_key', '—')}",
    ]
    if "timestamp" in f:
        lines.append(f"可信时间戳 (RFC 3161): {f['timestamp']}")
    for name, ts in sorted(f.get("witnesses", {}).items()):
        lines.append(f"见证方副署: {name} ({_when(ts * 1000)})")
    parts = f.get("participants") or []
    if parts:
        lines.append("第三方见证人: " + "; ".join(f"{ROLE_ZH[r]} {n}" for r, n in parts))
    else:
        lines.append("第三方见证人: 无")
    lines.append("")
    if report.failures:
        lines.append(f"发现 {len(report.failures)} 个问题:")
        for x in report.failures:
            lines.append(f"  ✗ [{x.code}] {x.where}: {x.message}")
    lines.append("已通过的检查: " + (", ".join(report.passed) or "无"))
    lines.append("")
    lines.append(
        "说明: 每段录像的 SHA-256 哈希记录在由设备密钥签名的清单中, 清单首尾相连;"
        " 每份清单都收录在公开可核验的 Merkle 日志 (RFC 6962) 中。"
        " 请将上列公钥指纹与检察院公布的公钥核对。"
    )
    return "\n".join(lines) + "\n"
