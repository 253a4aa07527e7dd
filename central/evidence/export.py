"""Export one reception's evidence bundle, then verify it as a stranger would."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from protocol import keys, note
from protocol.bundle import BundleIndex, InclusionProof, Report, verify_bundle
from protocol.evidence import parse_signed_manifest

from .bundle import REPORT_NAME, BundleParts, render_report, write_bundle
from .errors import EvidenceLogError
from .models import CheckpointRow
from .service import EvidenceService, registered_device_key


class ExportError(EvidenceLogError, LookupError):
    pass


def export_reception(
    session: Session,
    service: EvidenceService,
    *,
    reception_id: str,
    out: Path,
    device_key: Ed25519PublicKey | None = None,
    tsa_pem: bytes | None = None,
) -> Report:
    log = service.log
    leaves = log.reception_leaves(session, reception_id)
    if not leaves:
        raise ExportError(f"接访 {reception_id} 没有已存证的录像")
    manifests = [parse_signed_manifest(leaf.data) for leaf in leaves]
    device = manifests[0].manifest.device
    public = device_key or service.device_key(session, device)
    if public is None:
        raise ExportError(f"设备 {device} 的公钥未登记")
    checkpoint = log.checkpoint(session)
    size = log.size(session)
    proofs = [
        InclusionProof(
            leaf_index=leaf.leaf_index,
            tree_size=size,
            hashes=tuple(keys.b64e(h) for h in log.inclusion_proof(session, leaf.leaf_index, size)),
        )
        for leaf in leaves
    ]
    media = []
    for sm in manifests:
        path = service.blobs.path(sm.manifest.sha256)
        if not path.exists():
            raise ExportError(f"录像分段 {sm.manifest.index} 尚未上传 (blob {sm.manifest.sha256})")
        media.append(path)
    row = session.get(CheckpointRow, size)
    if row is not None and row.cosigned is not None:
        checkpoint = row.cosigned
    cosigners = {s.name for s in note.parse_note(checkpoint).signatures} - {log.origin}
    witness_keys = [(n, k) for n, k in service.witness_keys if n in cosigners]
    parts = BundleParts(
        index=BundleIndex(
            reception_id=reception_id,
            device=device,
            log_origin=log.origin,
            segments=len(manifests),
            witnesses=tuple(n for n, _ in witness_keys),
        ),
        manifests=manifests,
        media=media,
        proofs=proofs,
        checkpoint=checkpoint,
        device_key=public,
        log_vkey=log.verifier.vkey(),
        witness_keys=witness_keys,
        timestamp=row.timestamp if row is not None else None,
        tsa_pem=tsa_pem if row is not None and row.timestamp is not None else None,
    )
    write_bundle(out, parts)
    report = verify_bundle(out)
    (out / REPORT_NAME).write_text(render_report(report), encoding="utf-8")
    return report


__all__ = ["ExportError", "export_reception", "registered_device_key"]
